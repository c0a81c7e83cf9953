/**
 * The one error class regpath throws for anything a user can cause (bad input, bad options,
 * unreadable files). The CLI prints `message` as a single line and exits with a non-zero code;
 * anything else that escapes is a bug and is reported as such.
 */
export type ErrorCode =
  | 'BAD_OPTION'
  | 'BAD_DATA'
  | 'FILE_NOT_FOUND'
  | 'BAD_FILE'
  | 'BAD_RUN'
  | 'DIVERGED'
  | 'INTERRUPTED'
  | 'INTERNAL';

export class RegpathError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'RegpathError';
    this.code = code;
  }
}

export function fail(code: ErrorCode, message: string): never {
  throw new RegpathError(code, message);
}
