/**
 * What a run was trained on, recorded in its settings so that --resume can refuse data that
 * changed since (new points computed on other data would silently join the old front). A file
 * or folder is identified by its size and a SHA-256 of its bytes (a folder: of its files' names
 * and contents, in name order); a built-in set by its name.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { fsFail } from './fs-error.js';

export type DataFingerprint =
  | { kind: 'built-in'; name: string }
  | { kind: 'file' | 'folder'; bytes: number; sha256: string };

const BUILT_IN = new Set(['mnist', 'iris']);

/** `spec` as the data loaders take it ('iris', 'x.csv', an IDX folder, 'fashion-mnist'). */
export function fingerprintData(spec: string, folderFor: (spec: string) => string | null = () => null): DataFingerprint {
  const name = spec.trim().toLowerCase();
  if (BUILT_IN.has(name)) return { kind: 'built-in', name };
  const target = folderFor(name) ?? spec;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (err) {
    return fsFail(err, 'read', target);
  }
  const hash = createHash('sha256');
  if (stat.isDirectory()) {
    let bytes = 0;
    const names = fs.readdirSync(target).filter((f) => fs.statSync(path.join(target, f)).isFile()).sort();
    for (const f of names) {
      const n = hashFile(path.join(target, f), hash, f);
      bytes += n;
    }
    return { kind: 'folder', bytes, sha256: hash.digest('hex') };
  }
  if (!stat.isFile()) fail('BAD_FILE', `${target}: is not a regular file (a device, pipe or socket)`);
  const bytes = hashFile(target, hash, null);
  return { kind: 'file', bytes, sha256: hash.digest('hex') };
}

function hashFile(file: string, hash: ReturnType<typeof createHash>, label: string | null): number {
  if (label !== null) hash.update(`${label}\0`);
  const buf = Buffer.alloc(1 << 20);
  let fd: number | undefined;
  let total = 0;
  try {
    fd = fs.openSync(file, 'r');
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      total += n;
    }
  } catch (err) {
    fsFail(err, 'read', file);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (label !== null) hash.update(`\0${total}\0`);
  return total;
}

/** Why `now` is not the data `saved` describes, or null when it is the same. */
export function dataChange(saved: DataFingerprint, now: DataFingerprint): string | null {
  if (saved.kind !== now.kind) return `it was a ${saved.kind} and is now a ${now.kind}`;
  if (saved.kind === 'built-in') return saved.name === (now as typeof saved).name ? null : `it was ${saved.name}`;
  const n = now as typeof saved;
  if (saved.bytes !== n.bytes) return `it had ${saved.bytes} bytes and now has ${n.bytes}`;
  if (saved.sha256 !== n.sha256) return 'its content differs (SHA-256)';
  return null;
}

/** With resume: refuses data that are not the ones the run in `dir` started on (saved null: a run from before fingerprints, not checked). */
export function refuseChangedData(dir: string, spec: string, saved: DataFingerprint | null, now: DataFingerprint): void {
  const change = saved && dataChange(saved, now);
  if (change) {
    fail('BAD_RUN', `cannot resume ${dir}: its data ${spec} changed since the run started (${change}); resume with the original data, or start a new run`);
  }
}
