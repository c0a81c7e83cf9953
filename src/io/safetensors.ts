/**
 * The safetensors format (https://github.com/huggingface/safetensors):
 *   u64 little-endian N | N bytes of UTF-8 JSON header | byte buffer
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative
 * to the buffer), plus an optional "__metadata__" object of string → string. Data is row-major,
 * little-endian. Files from other tools are read too, so reading trusts nothing: every number is
 * checked before it is used, and the buffer must be covered exactly (no overlaps, holes or
 * trailing bytes — the same rules as the reference implementation).
 */
import { fail } from '../errors.js';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic.js';
import { MiB, readFileBounded } from './limits.js';

export type Dtype = 'F32' | 'F64' | 'I32' | 'U8';

export type Tensor =
  | { dtype: 'F32'; shape: number[]; data: Float32Array }
  | { dtype: 'F64'; shape: number[]; data: Float64Array }
  | { dtype: 'I32'; shape: number[]; data: Int32Array }
  | { dtype: 'U8'; shape: number[]; data: Uint8Array };

export type Tensors = Record<string, Tensor>;

export interface SafetensorsContent {
  tensors: Tensors;
  /** Always present; empty when the file has no `__metadata__`. */
  metadata: Record<string, string>;
}

const DTYPES = {
  F32: { size: 4, make: (b: ArrayBuffer) => new Float32Array(b), is: (d: unknown) => d instanceof Float32Array },
  F64: { size: 8, make: (b: ArrayBuffer) => new Float64Array(b), is: (d: unknown) => d instanceof Float64Array },
  I32: { size: 4, make: (b: ArrayBuffer) => new Int32Array(b), is: (d: unknown) => d instanceof Int32Array },
  U8: { size: 1, make: (b: ArrayBuffer) => new Uint8Array(b), is: (d: unknown) => d instanceof Uint8Array },
} as const;

/** Dtypes of the spec that regpath does not use: named differently in errors than typos. */
const OTHER_SPEC_DTYPES = new Set([
  'BOOL', 'I8', 'I16', 'U16', 'F16', 'BF16', 'U32', 'I64', 'U64',
  'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64',
]);

const METADATA_KEY = '__metadata__';
/** Same limit as the reference implementation; guards against absurd allocations. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isDtype(s: string): s is Dtype {
  return Object.prototype.hasOwnProperty.call(DTYPES, s);
}

// ---------------------------------------------------------------- writing

export function encodeSafetensors(tensors: Tensors, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  const metaEntries = Object.entries(metadata);
  for (const [k, v] of metaEntries) {
    if (typeof v !== 'string') fail('INTERNAL', `safetensors metadata '${k}' must be a string, got ${typeof v}`);
  }
  if (metaEntries.length > 0) define(header, METADATA_KEY, Object.fromEntries(metaEntries));

  const entries = Object.entries(tensors);
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === METADATA_KEY) fail('INTERNAL', `'${METADATA_KEY}' cannot be used as a tensor name`);
    checkTensor(name, t);
    const end = offset + t.data.byteLength;
    define(header, name, { dtype: t.dtype, shape: t.shape, data_offsets: [offset, end] });
    offset = end;
  }

  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8; // data starts 8-byte aligned
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    if (!HOST_LITTLE_ENDIAN) swapBytes(out.subarray(at, at + t.data.byteLength), DTYPES[t.dtype].size);
    at += t.data.byteLength;
  }
  return out;
}

export function writeSafetensors(file: string, tensors: Tensors, metadata?: Record<string, string>, options: AtomicWriteOptions = {}): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata), options);
}

function checkTensor(name: string, t: Tensor): void {
  if (!isDtype(t.dtype)) fail('INTERNAL', `tensor '${name}': unsupported dtype ${String(t.dtype)}`);
  if (!DTYPES[t.dtype].is(t.data)) fail('INTERNAL', `tensor '${name}': data does not match dtype ${t.dtype}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail('INTERNAL', `tensor '${name}': shape must be a list of non-negative integers`);
  }
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (n !== t.data.length) {
    fail('INTERNAL', `tensor '${name}': shape [${t.shape.join(', ')}] needs ${n} values, data has ${t.data.length}`);
  }
}

// ---------------------------------------------------------------- reading

/** `file` only labels error messages ("<file> is not a valid safetensors file: …"). */
export function decodeSafetensors(bytes: Uint8Array, file = 'buffer'): SafetensorsContent {
  const bad = (why: string): never => fail('BAD_FILE', `${file} is not a valid safetensors file: ${why}`);
  if (bytes.byteLength < 8) bad(`too short (${bytes.byteLength} bytes; the header length alone takes 8)`);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(bytes.byteLength - 8)) {
    bad(`header length ${headerLen} is beyond the file size (${bytes.byteLength} bytes)`);
  }
  const n = Number(headerLen);
  if (n > MAX_HEADER_BYTES) bad(`header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    if (!text.startsWith('{')) throw new Error('it does not start with "{"');
    header = JSON.parse(text);
  } catch (err) {
    bad(`header is not JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('header is not a JSON object');

  const bufferStart = 8 + n;
  const bufferLen = bytes.byteLength - bufferStart;
  let metadata: Record<string, string> = {};
  const infos: Array<{ name: string; dtype: Dtype; shape: number[]; begin: number; end: number }> = [];

  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(raw, bad);
      continue;
    }
    const what = `tensor '${name}'`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(`${what} is not described by an object`);
    const info = raw as Record<string, unknown>;
    for (const k of Object.keys(info)) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') bad(`${what} has an unexpected field '${k}'`);
    }
    const dtype = info.dtype;
    if (typeof dtype !== 'string') bad(`${what} has no dtype`);
    const dt = dtype as string;
    if (!isDtype(dt)) {
      bad(OTHER_SPEC_DTYPES.has(dt)
        ? `${what} has dtype ${dt}, which regpath does not read (it reads F32, F64, I32, U8)`
        : `${what} has unknown dtype '${dt}'`);
    }
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`${what} has a bad shape (want a list of non-negative integers)`);
    }
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      bad(`${what} has bad data_offsets (want [begin, end] as non-negative integers)`);
    }
    const [begin, end] = offs as [number, number];
    if (begin > end) bad(`${what} has data_offsets [${begin}, ${end}] with begin after end`);
    if (end > bufferLen) bad(`${what} has data_offsets [${begin}, ${end}] out of range (the data is ${bufferLen} bytes)`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const want = count * DTYPES[dt as Dtype].size;
    if (!Number.isSafeInteger(want) || want !== end - begin) {
      bad(`${what} has ${end - begin} bytes of data, but shape [${(shape as number[]).join(', ')}] of ${dt} needs ${want}`);
    }
    infos.push({ name, dtype: dt as Dtype, shape: shape as number[], begin, end });
  }

  // The buffer must be tiled exactly by the tensors, in offset order.
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let prev: string | undefined;
  for (const t of sorted) {
    if (t.begin < covered) bad(`tensor '${t.name}' overlaps tensor '${prev}'`);
    if (t.begin > covered) bad(`bytes ${covered}..${t.begin} of the data belong to no tensor`);
    covered = t.end;
    prev = t.name;
  }
  if (covered < bufferLen) bad(`${bufferLen - covered} bytes of trailing data after the last tensor`);

  const tensors: Tensors = {};
  for (const t of infos) {
    // Copy: aligns the data for its typed array and does not pin the whole file in memory.
    // (Not bytes.slice: on a Node Buffer that is a view, not a copy.)
    const copy = new Uint8Array(t.end - t.begin);
    copy.set(bytes.subarray(bufferStart + t.begin, bufferStart + t.end));
    if (!HOST_LITTLE_ENDIAN) swapBytes(copy, DTYPES[t.dtype].size);
    define(tensors, t.name, { dtype: t.dtype, shape: [...t.shape], data: DTYPES[t.dtype].make(copy.buffer) } as Tensor);
  }
  return { tensors, metadata };
}

/** Far above any network regpath trains (it caps networks at 1e8 parameters, 400 MB as F32). */
export const MAX_SAFETENSORS_BYTES = 2048 * MiB;

export function readSafetensors(file: string): SafetensorsContent {
  return decodeSafetensors(readFileBounded(file, MAX_SAFETENSORS_BYTES, 'safetensors file'), file);
}

function parseMetadata(raw: unknown, bad: (why: string) => never): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(`${METADATA_KEY} is not an object`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') bad(`${METADATA_KEY} value '${k}' is not a string`);
    define(out, k, v);
  }
  return out;
}

// ---------------------------------------------------------------- helpers

/** Plain assignment would treat a name like "__proto__" specially. */
function define(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function swapBytes(b: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < b.length; i += size) b.subarray(i, i + size).reverse();
}
