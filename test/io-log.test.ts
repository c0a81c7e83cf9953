import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RegpathError } from '../src/errors.js';
import { appendJsonLine, readJsonLines } from '../src/io/jsonl.js';
import { tempDir } from './helpers/tmp.js';

const root = tempDir('io-log');
let n = 0;
const freshFile = (): string => path.join(root, `log-${n++}.jsonl`);

const badFile = (message: string) => (e: unknown) =>
  e instanceof RegpathError && e.code === 'BAD_FILE' && e.message === message;

test('a missing log is empty; appends come back in order, one line each', () => {
  const f = freshFile();
  assert.deepEqual(readJsonLines(f), []);
  const records = [{ i: 0, loss: 0.5 }, { i: 1, s: 'a\nb', u: '\u2028' }, [1, 2], 'str', null];
  for (const r of records) appendJsonLine(f, r);
  assert.deepEqual(readJsonLines(f), records);
  assert.equal(fs.readFileSync(f, 'utf8').split('\n').length, records.length + 1);
});

test('a torn last line (kill during a write) is dropped silently', () => {
  const f = freshFile();
  appendJsonLine(f, { i: 0 });
  appendJsonLine(f, { i: 1 });
  fs.appendFileSync(f, '{"i":2,"loss":0.12');
  assert.deepEqual(readJsonLines(f), [{ i: 0 }, { i: 1 }]);
  // Even a last line that happens to parse is incomplete without its newline.
  const g = freshFile();
  fs.writeFileSync(g, '{"i":0}\n{"i":1}');
  assert.deepEqual(readJsonLines(g), [{ i: 0 }]);
  // A torn multi-byte character is part of the torn line too.
  const h = freshFile();
  fs.writeFileSync(h, Buffer.concat([Buffer.from('{"i":0}\n{"s":"'), Buffer.from('é').subarray(0, 1)]));
  assert.deepEqual(readJsonLines(h), [{ i: 0 }]);
});

test('appending after a torn line first cuts it off', () => {
  const f = freshFile();
  appendJsonLine(f, { i: 0 });
  fs.appendFileSync(f, '{"i":1,"lo');
  appendJsonLine(f, { i: 1 });
  assert.equal(fs.readFileSync(f, 'utf8'), '{"i":0}\n{"i":1}\n');
  assert.deepEqual(readJsonLines(f), [{ i: 0 }, { i: 1 }]);

  const g = freshFile();
  fs.writeFileSync(g, '{"torn"');
  appendJsonLine(g, { i: 0 });
  assert.equal(fs.readFileSync(g, 'utf8'), '{"i":0}\n');
});

test('cutting a torn line works when it is longer than the read chunk', () => {
  const f = freshFile();
  appendJsonLine(f, { i: 0 });
  fs.appendFileSync(f, '{"big":"' + 'x'.repeat(200_000));
  appendJsonLine(f, { i: 1 });
  assert.deepEqual(readJsonLines(f), [{ i: 0 }, { i: 1 }]);
});

test('a corrupt line in the middle is an error naming its line number', () => {
  const f = freshFile();
  fs.writeFileSync(f, '{"i":0}\n{"i":1}\n{"i":2,\n{"i":3}\n');
  assert.throws(() => readJsonLines(f), (e: unknown) =>
    e instanceof RegpathError && e.code === 'BAD_FILE' && e.message.startsWith(`${f} line 3 is corrupt (not JSON: `));
  const g = freshFile();
  fs.writeFileSync(g, '{"i":0}\n\n{"i":1}\n');
  assert.throws(() => readJsonLines(g), badFile(`${g} line 2 is corrupt (empty line)`));
  const h = freshFile();
  fs.writeFileSync(h, Buffer.concat([Buffer.from('{"i":0}\n{"s":"'), Buffer.from([0xff]), Buffer.from('"}\n')]));
  assert.throws(() => readJsonLines(h), badFile(`${h} line 2 is corrupt (not UTF-8)`));
  // A corrupt final line that does end in a newline was fully written: also an error.
  const k = freshFile();
  fs.writeFileSync(k, '{"i":0}\ngarbage\n');
  assert.throws(() => readJsonLines(k), /line 2 is corrupt/);
});

test('appending NaN is refused and leaves the log untouched', () => {
  const f = freshFile();
  appendJsonLine(f, { i: 0 });
  assert.throws(() => appendJsonLine(f, { i: 1, loss: NaN }), (e: unknown) =>
    e instanceof RegpathError && /refusing to write NaN .*\(at loss\)/.test(e.message));
  assert.equal(fs.readFileSync(f, 'utf8'), '{"i":0}\n');
});

test('appending into a missing folder names the file', () => {
  const f = path.join(root, 'nope', 'log.jsonl');
  assert.throws(() => appendJsonLine(f, {}), (e: unknown) =>
    e instanceof RegpathError && e.code === 'FILE_NOT_FOUND' && e.message === `cannot append to ${f}: no such file or folder`);
});
