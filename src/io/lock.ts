/**
 * One writer per run folder. The lock is a file holding the owner's pid, created atomically
 * (written under a temp name, then hard-linked to its final name, which fails if it exists), so
 * a second process never sees a half-written lock. A lock whose pid is no longer alive (the
 * owner was killed) is stale and taken over. Locks are released when the folder is done and, as
 * a fallback, when the process exits. Within one process a lock is re-entrant: regpath's own
 * calls reopen folders they hold (cross-validation folds, a resumed ensemble).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { tempPathFor } from './atomic.js';
import { fsFail, isErrno } from './fs-error.js';

export const LOCK_FILE = '.regpath.lock';

const held = new Map<string, number>();
let exitHook = false;

/** Takes the lock of `dir` (which must exist); returns the function that releases it. */
export function lockFolder(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const key = path.resolve(file);
  if (!held.has(key)) acquire(file);
  held.set(key, (held.get(key) ?? 0) + 1);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const f of held.keys()) removeIfOurs(f);
    });
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const n = (held.get(key) ?? 1) - 1;
    if (n > 0) return void held.set(key, n);
    held.delete(key);
    removeIfOurs(key);
  };
}

function acquire(file: string): void {
  const tmp = tempPathFor(file);
  try {
    fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, started: new Date().toISOString() }) + '\n');
  } catch (err) {
    fsFail(err, 'write', tmp);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmp, file);
        return;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) fsFail(err, 'create lock', file);
      }
      const owner = lockOwner(file);
      if (owner !== null && owner !== process.pid && isAlive(owner)) {
        fail('BAD_RUN', `${path.dirname(file)} is in use by process ${owner} (lock ${file}); wait for it to end, or delete the lock if that process is not regpath`);
      }
      // stale (its process is gone) or unreadable: take it over, once
      if (attempt > 0) fail('BAD_RUN', `cannot take the lock ${file}: another process keeps recreating it`);
      fs.rmSync(file, { force: true });
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The pid in a lock file, or null if there is none or it cannot be read. */
export function lockOwner(file: string): number | null {
  try {
    const pid = (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM'); // alive, owned by another user
  }
}

function removeIfOurs(file: string): void {
  try {
    if (lockOwner(file) === process.pid) fs.rmSync(file, { force: true });
  } catch {
    // best effort: a lock left behind is detected as stale
  }
}
