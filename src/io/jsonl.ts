/**
 * Append-only JSON-lines logs. Each append is one write of one line plus fsync (or, with
 * `durable: false`, the caller's later fsync: RunFolder.sync), so a kill can at worst leave a torn last line; readers drop it and the next append cuts it off first (otherwise
 * the new record would be glued onto the torn one and corrupt the middle of the log).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { syncDir, type AtomicWriteOptions } from './atomic.js';
import { fsFail, isErrno } from './fs-error.js';
import { stringifyFinite } from './json.js';

const NEWLINE = 0x0a;

export function appendJsonLine(file: string, record: unknown, options: AtomicWriteOptions = {}): void {
  const durable = options.durable ?? true;
  const line = Buffer.from(stringifyFinite(record, undefined, file) + '\n', 'utf8');
  let fd: number | undefined;
  try {
    const existed = fs.existsSync(file);
    fd = fs.openSync(file, 'a+');
    dropTornTail(fd);
    let done = 0;
    while (done < line.length) done += fs.writeSync(fd, line, done, line.length - done);
    if (durable) fs.fsyncSync(fd);
    if (durable && !existed) syncDir(path.dirname(file));
  } catch (err) {
    fsFail(err, 'append to', file);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Truncates the file after its last newline if it does not end with one. */
function dropTornTail(fd: number): void {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return;
  // the usual case, a log that ends with its newline: one byte read instead of the last 64 KiB
  const last = Buffer.alloc(1);
  if (fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === NEWLINE) return;
  const chunk = Buffer.alloc(Math.min(size, 1 << 16));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    fs.readSync(fd, chunk, 0, end - start, start);
    const i = chunk.subarray(0, end - start).lastIndexOf(NEWLINE);
    if (i >= 0) {
      if (start + i + 1 < size) fs.ftruncateSync(fd, start + i + 1);
      return;
    }
    end = start;
  }
  fs.ftruncateSync(fd, 0);
}

/**
 * All complete records, in order. A missing file is an empty log. A torn last line is dropped
 * silently; any other bad line is BAD_FILE naming its 1-based line number.
 */
export function readJsonLines(file: string): unknown[] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    fsFail(err, 'read', file);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const records: unknown[] = [];
  let start = 0;
  for (let lineNo = 1; ; lineNo++) {
    const end = bytes.indexOf(NEWLINE, start);
    if (end < 0) break; // whatever follows the last newline is a torn write
    const corrupt = (why: string): never => fail('BAD_FILE', `${file} line ${lineNo} is corrupt (${why})`);
    let text = '';
    try {
      text = decoder.decode(bytes.subarray(start, end));
    } catch {
      corrupt('not UTF-8');
    }
    if (text.trim() === '') corrupt('empty line');
    try {
      records.push(JSON.parse(text));
    } catch (err) {
      corrupt(`not JSON: ${(err as Error).message}`);
    }
    start = end + 1;
  }
  return records;
}
