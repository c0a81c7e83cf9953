// Property-based tests of every reader of untrusted bytes: random and mutated inputs give a
// result or a RegpathError, never another exception (a TypeError, a RangeError) or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { RegpathError } from '../src/errors.js';
import { parseCsvDataset } from '../src/data/csv.js';
import { encodeIdx, parseIdx } from '../src/data/idx.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { openRun, loadRunModel } from '../src/export/run.js';
import { readSettings } from '../src/io/run.js';
import { computePath } from '../src/path/compute-path.js';
import { tempDir } from './helpers/tmp.js';

const root = tempDir('fuzz');

/** Runs `f`; anything thrown must be a RegpathError. */
function onlyRegpathErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof RegpathError)) throw e;
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
  }
}

/** Byte-level mutations of a valid input: overwrite, insert, delete, truncate. */
const mutations = (valid: Uint8Array) => fc.array(
  fc.tuple(fc.constantFrom('set', 'insert', 'delete', 'truncate'), fc.nat(), fc.integer({ min: 0, max: 255 })),
  { minLength: 1, maxLength: 6 },
).map((ops) => {
  let b = Array.from(valid);
  for (const [op, at, v] of ops) {
    const i = b.length ? at % b.length : 0;
    if (op === 'set' && b.length) b[i] = v;
    else if (op === 'insert') b.splice(i, 0, v);
    else if (op === 'delete') b.splice(i, 1);
    else b = b.slice(0, i);
  }
  return Uint8Array.from(b);
});

const RUNS = { numRuns: 300, seed: 12 };

test('CSV: random text and mutated tables', () => {
  const valid = Buffer.from('a,b,label\n1.5,2,x\n-3,4e2,y\n"5",6,x\n7,.5,y\n');
  const cell = fc.oneof(fc.constantFrom('1', '-2.5e3', 'NA', '', '"q"', 'x', '1e39', 'nan', ' 3 '), fc.string({ maxLength: 6 }));
  const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { minLength: 0, maxLength: 8 }).map((rows) => rows.map((r) => r.join(',')).join('\n'));
  fc.assert(fc.property(table, fc.constantFrom<'auto' | 'classification' | 'regression'>('auto', 'classification', 'regression'), (text, task) => {
    onlyRegpathErrors(() => parseCsvDataset(text, 'f.csv', { task }));
  }), RUNS);
  fc.assert(fc.property(mutations(valid), (bytes) => onlyRegpathErrors(() => parseCsvDataset(Buffer.from(bytes), 'f.csv'))), RUNS);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyRegpathErrors(() => parseCsvDataset(Buffer.from(bytes), 'f.csv'))), RUNS);
});

test('IDX: random bytes and mutated files', () => {
  const valid = encodeIdx([3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i * 20));
  fc.assert(fc.property(mutations(valid), (bytes) => onlyRegpathErrors(() => parseIdx(bytes, 'f.idx'))), RUNS);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => onlyRegpathErrors(() => parseIdx(bytes, 'f.idx'))), RUNS);
});

test('safetensors: mutated files and random headers', () => {
  const valid = encodeSafetensors({
    'layer0.kernel': { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    'layer0.bias': { dtype: 'F32', shape: [3], data: Float32Array.from([0, 1, 0]) },
  }, { l1: '3' });
  fc.assert(fc.property(mutations(valid), (bytes) => onlyRegpathErrors(() => decodeSafetensors(bytes, 'f.safetensors'))), RUNS);
  const withHeader = (header: unknown, data: Uint8Array): Uint8Array => {
    const json = Buffer.from(JSON.stringify(header) ?? 'null');
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  };
  const entry = fc.record({
    dtype: fc.oneof(fc.constantFrom('F32', 'F64', 'I32', 'U8', 'BF16'), fc.jsonValue()),
    shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 3 }), fc.jsonValue()),
    data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -1, max: 40 }), fc.integer({ min: -1, max: 40 })), fc.jsonValue()),
  }, { requiredKeys: [] });
  const header = fc.dictionary(fc.oneof(fc.constant('__metadata__'), fc.string({ maxLength: 4 })), fc.oneof(entry, fc.jsonValue()));
  fc.assert(fc.property(fc.oneof(header, fc.jsonValue()), fc.uint8Array({ maxLength: 48 }), (h, data) => {
    onlyRegpathErrors(() => decodeSafetensors(withHeader(h, data), 'f.safetensors'));
  }), RUNS);
});

test('run files: path.json and settings.json with any field replaced or removed', async () => {
  const good = path.join(root, 'good');
  await computePath({ data: 'iris', hidden: [2], points: 2, direction: 'sparser', out: good });
  const originals = {
    'path.json': JSON.parse(fs.readFileSync(path.join(good, 'path.json'), 'utf8')),
    'settings.json': JSON.parse(fs.readFileSync(path.join(good, 'settings.json'), 'utf8')),
  };
  const dir = path.join(root, 'mutant');
  fs.cpSync(good, dir, { recursive: true });
  /** Every path to a value inside `v` (objects and arrays), the root first. */
  const paths = (v: unknown, at: Array<string | number> = []): Array<Array<string | number>> => {
    const out = [at];
    if (typeof v === 'object' && v !== null) for (const [k, c] of Object.entries(v)) out.push(...paths(c, [...at, Array.isArray(v) ? Number(k) : k]));
    return out;
  };
  const edit = fc.tuple(fc.constantFrom<'path.json' | 'settings.json'>('path.json', 'settings.json'), fc.nat(), fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constantFrom('../x', '/etc/passwd', 'points', -1, 1e300, '4')));
  fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
    const files = structuredClone(originals) as Record<string, any>;
    for (const [name, pick, value] of edits) {
      const all = paths(files[name]);
      const at = all[pick % all.length]!;
      if (at.length === 0) {
        files[name] = value;
        continue;
      }
      let holder = files[name];
      for (const k of at.slice(0, -1)) holder = holder[k];
      if (value === undefined) delete holder[at[at.length - 1]!];
      else holder[at[at.length - 1]!] = value;
    }
    for (const name of Object.keys(files)) fs.writeFileSync(path.join(dir, name), JSON.stringify(files[name]) ?? '');
    onlyRegpathErrors(() => readSettings(dir));
    onlyRegpathErrors(() => {
      const run = openRun(dir);
      for (let i = 0; i < run.summary.points.length; i++) loadRunModel(run, i);
    });
  }), { numRuns: 400, seed: 12 });
});
