/**
 * Turns a Node fs error into a RegpathError whose one-line message names the file, so the CLI
 * can print it as is. Anything that is not an fs error is passed through untouched.
 */
import { RegpathError, fail } from '../errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a parent path is not a folder',
  ENOTEMPTY: 'a non-empty folder is in the way',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EDQUOT: 'disk quota exceeded',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
};

export function fsFail(err: unknown, action: string, file: string): never {
  if (err instanceof RegpathError) throw err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') throw err;
  const reason = REASONS[code] ?? (err as Error).message;
  fail(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'BAD_FILE', `cannot ${action} ${file}: ${reason}`);
}

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}
