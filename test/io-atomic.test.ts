import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsDefault from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { RegpathError } from '../src/errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../src/io/atomic.js';
import { tempDir } from './helpers/tmp.js';

const root = tempDir('io-atomic');
let n = 0;
const freshDir = (): string => {
  const d = path.join(root, String(n++));
  fs.mkdirSync(d);
  return d;
};

test('writes strings as UTF-8 and bytes as is, leaving no temp file', () => {
  const dir = freshDir();
  writeFileAtomic(path.join(dir, 'a.txt'), 'héllo\n');
  writeFileAtomic(path.join(dir, 'b.bin'), new Uint8Array([0, 1, 255]));
  assert.equal(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8'), 'héllo\n');
  assert.deepEqual([...fs.readFileSync(path.join(dir, 'b.bin'))], [0, 1, 255]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a.txt', 'b.bin']);
});

test('replaces existing content; empty data gives an empty file', () => {
  const dir = freshDir();
  const f = path.join(dir, 'x');
  writeFileAtomic(f, 'old');
  writeFileAtomic(f, 'new');
  assert.equal(fs.readFileSync(f, 'utf8'), 'new');
  writeFileAtomic(f, new Uint8Array(0));
  assert.equal(fs.statSync(f).size, 0);
  assert.deepEqual(fs.readdirSync(dir), ['x']);
});

test('a large write arrives complete', () => {
  const dir = freshDir();
  const data = new Uint8Array(5_000_000).map((_, i) => i & 255);
  writeFileAtomic(path.join(dir, 'big'), data);
  assert.ok(fs.readFileSync(path.join(dir, 'big')).equals(data));
});

test('a failing serialisation keeps the old content and leaves no temp file', () => {
  const dir = freshDir();
  const f = path.join(dir, 'r.json');
  writeJsonAtomic(f, { v: 1 });
  const boom = { toJSON(): never { throw new Error('serialiser exploded'); } };
  assert.throws(() => writeJsonAtomic(f, { v: boom }), /serialiser exploded/);
  assert.throws(() => writeJsonAtomic(f, { v: NaN }), RegpathError);
  assert.throws(() => writeJsonAtomic(f, { v: 1n }), TypeError);
  assert.equal(fs.readFileSync(f, 'utf8'), '{\n  "v": 1\n}\n');
  assert.deepEqual(fs.readdirSync(dir), ['r.json']);
});

test('a failing rename removes the temp file and reports the target', () => {
  const dir = freshDir();
  const target = path.join(dir, 'occupied');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'inside'), 'x');
  assert.throws(() => writeFileAtomic(target, 'data'), (e: unknown) =>
    e instanceof RegpathError && e.code === 'BAD_FILE' && e.message.startsWith(`cannot write ${target}: `));
  assert.deepEqual(fs.readdirSync(dir), ['occupied']);
  assert.deepEqual(fs.readdirSync(target), ['inside']);
});

test('a missing folder is FILE_NOT_FOUND naming the file', () => {
  const f = path.join(root, 'no', 'such', 'dir', 'f.json');
  assert.throws(() => writeJsonAtomic(f, {}), (e: unknown) =>
    e instanceof RegpathError && e.code === 'FILE_NOT_FOUND' && e.message === `cannot write ${f}: no such file or folder`);
});

test('writeJsonAtomic: pretty-printed with a trailing newline', () => {
  const dir = freshDir();
  const f = path.join(dir, 'v.json');
  const value = { format: 'regpath.path/1', points: [{ l1: 0, loss: 0.25 }], s: 'x\ny', nil: null };
  writeJsonAtomic(f, value);
  const text = fs.readFileSync(f, 'utf8');
  assert.equal(text, JSON.stringify(value, null, 2) + '\n');
  assert.deepEqual(JSON.parse(text), value);
});

test('writeJsonAtomic refuses NaN and ±Infinity anywhere, naming where', () => {
  const dir = freshDir();
  const f = path.join(dir, 'bad.json');
  const cases: Array<[unknown, string]> = [
    [NaN, 'top level'],
    [{ points: [{ loss: 1 }, { loss: NaN }] }, 'points[1].loss'],
    [[1, [2, Infinity]], '[1][1]'],
    [{ 'odd key': { x: -Infinity } }, '["odd key"].x'],
    [{ t: new Float64Array([1, NaN]) }, 't[1]'],
  ];
  for (const [value, where] of cases) {
    assert.throws(() => writeJsonAtomic(f, value), (e: unknown) => {
      assert.ok(e instanceof RegpathError);
      assert.equal(e.code, 'INTERNAL');
      assert.match(e.message, /^refusing to write (NaN|-?Infinity) to /);
      assert.ok(e.message.includes(f), e.message);
      assert.ok(e.message.includes(`(at ${where})`), e.message);
      return true;
    });
  }
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('writeJsonAtomic refuses values with no JSON form', () => {
  const dir = freshDir();
  assert.throws(() => writeJsonAtomic(path.join(dir, 'u.json'), undefined), /has no JSON form/);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('durable writes fsync the file and its folder; durable: false replaces as atomically without fsync', (t) => {
  // the ESM bindings of node:fs follow its default export after syncBuiltinESMExports
  const calls = { n: 0 };
  const real = fsDefault.fsyncSync;
  t.mock.method(fsDefault, 'fsyncSync', (fd: number) => {
    calls.n++;
    real(fd);
  });
  syncBuiltinESMExports();
  try {
    const dir = freshDir();
    const f = path.join(dir, 'path.json');
    writeJsonAtomic(f, { a: 1 });
    assert.equal(calls.n, 2, 'the file and its folder');
    writeJsonAtomic(f, { a: 2 }, { durable: false });
    writeFileAtomic(f, 'new', { durable: false });
    assert.equal(calls.n, 2, 'no fsync without durable');
    assert.equal(fs.readFileSync(f, 'utf8'), 'new');
    assert.deepEqual(fs.readdirSync(dir), ['path.json'], 'no temp file left');
  } finally {
    t.mock.restoreAll();
    syncBuiltinESMExports();
  }
});
