/**
 * JSON in and out of files. Output refuses non-finite numbers, which JSON.stringify would
 * silently turn into null: a NaN loss must fail loudly, never land in a result file.
 */
import * as fs from 'node:fs';
import { fail } from '../errors.js';
import { MiB, readFileBounded } from './limits.js';

/** JSON.stringify that throws (naming the offending path, e.g. `points[3].loss`) on NaN/±Infinity. */
export function stringifyFinite(value: unknown, indent: number | undefined, file: string): string {
  // the common case first: one pass that only notes a non-finite number (path.json is rewritten
  // at every checkpoint; tracking every value's path made this 2-3× slower, 0.7 ms for Iris's)
  let finite = true;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) finite = false;
    return v;
  }, indent);
  if (finite) {
    if (text === undefined) fail('INTERNAL', `refusing to write ${file}: the value has no JSON form`);
    return text;
  }
  return stringifyNaming(value, indent, file);
}

/** stringifyFinite's slow pass: fails naming where the first non-finite number is. */
function stringifyNaming(value: unknown, indent: number | undefined, file: string): string {
  const paths = new WeakMap<object, string>();
  const replacer = function (this: unknown, key: string, v: unknown): unknown {
    const holder = this as object;
    const where = key === '' && !paths.has(holder) ? '' : childPath(paths.get(holder) ?? '', holder, key);
    if (typeof v === 'number' && !Number.isFinite(v)) {
      fail('INTERNAL', `refusing to write ${v} to ${file} (at ${where || 'top level'}): JSON result files must hold finite numbers only`);
    }
    if (typeof v === 'object' && v !== null) paths.set(v, where);
    return v;
  };
  const text = JSON.stringify(value, replacer, indent);
  if (text === undefined) fail('INTERNAL', `refusing to write ${file}: the value has no JSON form`);
  return text;
}

function childPath(parent: string, holder: object, key: string): string {
  if (Array.isArray(holder) || ArrayBuffer.isView(holder)) return `${parent}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** A run's path.json with 10,000 points is about 5 MB. */
const MAX_JSON_BYTES = 256 * MiB;

/** Reads and parses a JSON file; a missing file is FILE_NOT_FOUND, bad JSON is BAD_FILE. */
export function readJsonFile(file: string): unknown {
  if (!fs.existsSync(file)) fail('FILE_NOT_FOUND', `${file} is missing`);
  const text = readFileBounded(file, MAX_JSON_BYTES, 'JSON file').toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    fail('BAD_FILE', `${file} is not valid JSON (${(err as Error).message})`);
  }
}
