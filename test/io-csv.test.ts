import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { RegpathError } from '../src/errors.js';
import { toCsv } from '../src/io/csv.js';

test('header and rows, "\\n" line ends, trailing newline', () => {
  assert.equal(toCsv(['a', 'b'], [{ a: 1, b: 'x' }, { a: 2, b: 'y' }]), 'a,b\n1,x\n2,y\n');
  assert.equal(toCsv(['a'], []), 'a\n');
});

test('RFC 4180 quoting', () => {
  const rows = [
    { s: 'plain' },
    { s: 'with,comma' },
    { s: 'say "hi"' },
    { s: 'two\nlines' },
    { s: 'cr\rlf' },
    { s: ' padded ' },
    { s: '' },
  ];
  assert.equal(
    toCsv(['s'], rows),
    's\nplain\n"with,comma"\n"say ""hi"""\n"two\nlines"\n"cr\rlf"\n" padded "\n\n',
  );
  assert.equal(toCsv(['a,b', 'q"'], []), '"a,b","q"""\n');
});

test('null, undefined and missing cells are empty; booleans are words; extra keys ignored', () => {
  assert.equal(
    toCsv(['a', 'b', 'c', 'd'], [{ a: null, b: undefined, d: true, extra: 5 }, { a: false, b: 0, c: '', d: 'z' }]),
    'a,b,c,d\n,,,true\nfalse,0,,z\n',
  );
});

test('numbers round-trip exactly', () => {
  const values = [0, -0, 1, -1.5, 0.1, 1 / 3, 1e-7, 1.2345678901234567e-300, 1e21, 5e-324, Number.MAX_VALUE, 2 ** 53 + 2, Math.fround(0.1)];
  const csv = toCsv(['v'], values.map((v) => ({ v })));
  const back = csv.trimEnd().split('\n').slice(1).map(Number);
  assert.equal(back.length, values.length);
  values.forEach((v, i) => assert.ok(Object.is(back[i], v), `${v} came back as ${back[i]}`));
  assert.ok(csv.includes('\n-0\n'));
});

test('non-finite numbers are refused with row and column', () => {
  assert.throws(() => toCsv(['a', 'loss'], [{ a: 1, loss: 1 }, { a: 2, loss: NaN }]), (e: unknown) =>
    e instanceof RegpathError && e.code === 'INTERNAL' && e.message === 'refusing to write NaN to CSV (row 2, column loss)');
  assert.throws(() => toCsv(['x'], [{ x: -Infinity }]), /refusing to write -Infinity/);
});

test('bad column lists are internal errors', () => {
  assert.throws(() => toCsv([], []), /at least one column/);
  assert.throws(() => toCsv(['a', 'a'], []), /duplicate column/);
});

test('a standard CSV parser reads back exactly what was written', () => {
  const columns = ['name', 'value', 'note'];
  const rows = [
    { name: 'a,b', value: 0.1, note: 'line1\nline2' },
    { name: '"q"', value: -2e-9, note: null },
    { name: 'ünï', value: 3, note: ' x ' },
  ];
  const parsed = parse(toCsv(columns, rows), { columns: true }) as Array<Record<string, string>>;
  assert.deepEqual(parsed, [
    { name: 'a,b', value: '0.1', note: 'line1\nline2' },
    { name: '"q"', value: '-2e-9', note: '' },
    { name: 'ünï', value: '3', note: ' x ' },
  ]);
});
