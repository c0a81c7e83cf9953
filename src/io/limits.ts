/**
 * Input files are read whole, so each reader caps what it accepts and refuses what is not a
 * regular file (a link to /dev/zero or a FIFO would otherwise be read until memory runs out).
 */
import * as fs from 'node:fs';
import { fail } from '../errors.js';
import { fsFail } from './fs-error.js';

export const MiB = 1024 * 1024;

/**
 * The whole of `file`, after checking that it is a regular file of at most `maxBytes`.
 * `what` names the kind of file in the message (e.g. "CSV file").
 */
export function readFileBounded(file: string, maxBytes: number, what: string): Buffer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    fsFail(err, 'read', file);
  }
  if (stat.isDirectory()) fail('BAD_FILE', `${file}: is a folder, expected a ${what}`);
  if (!stat.isFile()) fail('BAD_FILE', `${file}: is not a regular file (a device, pipe or socket); expected a ${what}`);
  if (stat.size > maxBytes) {
    fail('BAD_FILE', `${file}: ${formatBytes(stat.size)} is larger than the ${formatBytes(maxBytes)} regpath reads as a ${what}`);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    fsFail(err, 'read', file);
  }
  // a file that grew while being read (or a /proc file that reports size 0) is still capped
  if (bytes.length > maxBytes) fail('BAD_FILE', `${file}: more than the ${formatBytes(maxBytes)} regpath reads as a ${what}`);
  return bytes;
}

export function formatBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(n >= 10 * MiB ? 0 : 1)} MiB` : `${n} bytes`;
}
