/**
 * One IDX file (the MNIST container format: big-endian header 0x00 0x00 <type> <ndims>, then one
 * uint32 size per dimension, then the data), plain or gzipped. Only unsigned-byte data (type
 * 0x08) is accepted: that is what MNIST-style image and label files hold.
 */
import { gunzipSync } from 'node:zlib';
import { fail } from '../errors.js';
import { MiB, formatBytes, readFileBounded } from '../io/limits.js';

/** Larger than any IDX set in use (MNIST's train images: 47 MiB; 1 GiB is 1.3 M such images). */
export const MAX_IDX_BYTES = 1024 * MiB;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Reads `file` (gunzipping it when it starts with the gzip magic) and parses it. */
export function readIdxFile(file: string): IdxArray {
  let raw: Uint8Array = readFileBounded(file, MAX_IDX_BYTES, 'IDX file');
  // Sniff rather than trust the extension: people gunzip files and keep the name, or vice versa.
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw, { maxOutputLength: MAX_IDX_BYTES });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        return fail('BAD_FILE', `${file}: unpacks to more than the ${formatBytes(MAX_IDX_BYTES)} regpath reads as an IDX file`);
      }
      return fail('BAD_FILE', `${file}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return parseIdx(raw, file);
}

/** Parses an in-memory IDX file; `file` only names it in errors. `data` is a view into `buf`. */
export function parseIdx(buf: Uint8Array, file: string): IdxArray {
  if (buf.length < 4) fail('BAD_FILE', `${file}: truncated IDX header (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  if (buf[0] !== 0 || buf[1] !== 0 || buf[3] === 0) {
    fail('BAD_FILE', `${file}: not an IDX file (magic number 0x${hex(magic)}, expected 0x000008NN)`);
  }
  if (buf[2] !== UBYTE) {
    fail('BAD_FILE', `${file}: IDX data type 0x${buf[2]!.toString(16).padStart(2, '0')} not supported (only unsigned bytes, 0x08)`);
  }
  const ndims = buf[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) {
    fail('BAD_FILE', `${file}: truncated IDX header (${ndims} dimensions need ${headerBytes} bytes, file has ${buf.length})`);
  }
  const dims: number[] = [];
  let size = 1;
  for (let d = 0; d < ndims; d++) {
    const n = view.getUint32(4 + 4 * d);
    dims.push(n);
    size *= n;
  }
  const have = buf.length - headerBytes;
  if (have < size) {
    fail('BAD_FILE', `${file}: truncated IDX data (header says ${dims.join('×')} = ${size} bytes, file has ${have})`);
  }
  if (have > size) {
    fail('BAD_FILE', `${file}: ${have - size} unexpected bytes after the IDX data (header says ${dims.join('×')} = ${size} bytes)`);
  }
  return { dims, data: buf.subarray(headerBytes) };
}

/** Serialises an unsigned-byte IDX file (used by tests, and handy for exporting). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, (UBYTE << 8) | dims.length);
  dims.forEach((n, d) => view.setUint32(4 + 4 * d, n));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
