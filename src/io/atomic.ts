/**
 * Atomic file replacement: readers (and a resumed run after a kill) see either the old file or
 * the complete new one, never a half-written file. Write to a uniquely named temp file in the
 * same folder (rename is only atomic within one file system), fsync it, then rename over the
 * target. Synchronous on purpose: result files are small and the callers are sequential.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fsFail } from './fs-error.js';
import { stringifyFinite } from './json.js';

/** Temp names start with '.' and end with '.tmp' so leftovers of a killed process are recognisable. */
export function tempPathFor(file: string): string {
  const dir = path.dirname(file);
  return path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Called before every atomic rename with the final file name. Tests of crash safety install
 * one (through the CLI's environment, read once in main) that kills the process at the n-th
 * rename; otherwise it is unset.
 */
let beforeRename: ((file: string) => void) | null = null;

export function setRenameHook(hook: ((file: string) => void) | null): void {
  beforeRename = hook;
}

export const TEMP_FILE_PATTERN = /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/;

/**
 * `durable: false` skips the fsyncs (the file and its folder): the replacement is still atomic for
 * readers and survives a killed process (the page cache outlives it), just not a crash of the
 * machine. For files rewritten often that can be rebuilt from durable ones, e.g. a running path's
 * path.json and path.csv (the log and the weights are durable; a resume rewrites both): each
 * fsync costs ~5 ms on the benchmark machine's disk, and on Iris the per-point rewrites cost
 * more time than computing the points.
 */
export interface AtomicWriteOptions {
  durable?: boolean;
}

export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const durable = options.durable ?? true;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempPathFor(file);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    let done = 0;
    while (done < bytes.byteLength) done += fs.writeSync(fd, bytes, done, bytes.byteLength - done);
    if (durable) fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    beforeRename?.(file);
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    fs.rmSync(tmp, { force: true });
    fsFail(err, 'write', file);
  }
  if (durable) syncDir(path.dirname(file));
}

/** Pretty-printed JSON with a trailing newline; NaN/Infinity anywhere is refused before any I/O. */
export function writeJsonAtomic(file: string, value: unknown, options: AtomicWriteOptions = {}): void {
  writeFileAtomic(file, stringifyFinite(value, 2, file) + '\n', options);
}

/** fsync of a file written earlier with `durable: false` (RunFolder.sync). */
export function fsyncFile(file: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r+');
    fs.fsyncSync(fd);
  } catch (err) {
    fsFail(err, 'sync', file);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Makes a rename or file creation durable. Not possible on every platform (Windows), hence best effort. */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
