/**
 * Every regpath JSON file carries `"format": "regpath.<kind>/<version>"`, so a reader can tell a
 * foreign file or one from a newer regpath apart from a merely broken one, and say so.
 */
import { fail } from '../errors.js';

const FORMAT = /^regpath\.([a-z][a-z0-9-]*)\/([1-9][0-9]*)$/;

/** Throws BAD_FILE unless `obj.format` is exactly `expected` (e.g. 'regpath.path/1'). */
export function checkFormat(obj: unknown, expected: string, file: string): void {
  const want = FORMAT.exec(expected);
  if (!want) fail('INTERNAL', `checkFormat: '${expected}' is not of the form regpath.<kind>/<version>`);
  const [, kind, version] = want;
  const format = typeof obj === 'object' && obj !== null && !Array.isArray(obj)
    ? (obj as Record<string, unknown>).format
    : undefined;
  const got = typeof format === 'string' ? FORMAT.exec(format) : null;
  if (!got || got[1] !== kind) {
    const has = typeof format === 'string' ? `its format is '${format}'` : 'it has no "format" field';
    fail('BAD_FILE', `${file} is not a regpath ${kind} file (${has})`);
  }
  const v = Number(got[2]);
  if (v > Number(version)) {
    fail('BAD_FILE', `${file} was written by a newer regpath (format ${format}); this version reads ${expected}`);
  }
  if (v < Number(version)) {
    fail('BAD_FILE', `${file} was written by an older regpath (format ${format}); this version reads ${expected}`);
  }
}
