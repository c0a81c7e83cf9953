// Degenerate and unbounded data are refused before a run folder is created, with the reason;
// a run that diverges says so and writes nothing of the failed point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { computePath } from '../src/path/compute-path.js';
import { encodeIdx } from '../src/data/idx.js';
import { RegpathError, type ErrorCode } from '../src/errors.js';
import { tempDir } from './helpers/tmp.js';

const root = tempDir('run-data');

function csv(name: string, text: string): string {
  const f = path.join(root, name);
  fs.writeFileSync(f, text);
  return f;
}

/** computePath on `data` is refused with exactly `message`, and its --out folder never appears. */
async function refused(data: string, code: ErrorCode, message: string | RegExp, extra: Record<string, unknown> = {}): Promise<void> {
  const out = path.join(root, `out-${path.basename(data)}`);
  await assert.rejects(computePath({ data, hidden: [2], points: 3, out, ...extra }), (e: unknown) => {
    assert.ok(e instanceof RegpathError, `not a RegpathError: ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.equal(e.code, code);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  assert.equal(fs.existsSync(out), false, `${data}: nothing written`);
}

const rows = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';

test('a constant regression target is refused', async () => {
  const f = csv('const.csv', 'a,b,y\n' + rows(20, (i) => `${i},${i % 3},2.5`));
  await refused(f, 'BAD_DATA', `${f}: target column "y" is constant (every value is 2.5); there is nothing to fit`, { task: 'regress' });
});

test('one class is refused', async () => {
  const f = csv('one.csv', 'a,b,y\n' + rows(20, (i) => `${i},${i % 3},cat`));
  await refused(f, 'BAD_DATA', `${f}: target column "y" has only one value ("cat"); classification needs at least 2 classes`);
});

test('too few rows, and zero training rows, are refused', async () => {
  const two = csv('two.csv', 'a,b,y\n1,2,0\n3,4,1\n');
  await refused(two, 'BAD_DATA', 'two.csv: the training part has 1 row (of 2 rows, after holding out 1 for testing); at least 2 are needed');
  const few = csv('few.csv', 'a,b,y\n' + rows(6, (i) => `${i},${i * i},${i % 2}`));
  await refused(few, 'BAD_DATA', 'few.csv: the training part has 1 row (of 6 rows, after holding out 5 for testing); at least 2 are needed', { testFraction: 0.95 });
});

test('"NA" in a numeric target is a missing value, not a class', async () => {
  const f = csv('na.csv', 'a,b,y\n' + rows(30, (i) => `${i},${i % 3},${i === 7 ? 'NA' : i * 1.5}`));
  await refused(f, 'BAD_DATA', `${f} line 9, column "y": missing target value "NA"; regpath does not impute: drop or fill in the row`);
  const g = csv('na-feature.csv', 'a,b,y\n' + rows(30, (i) => `${i === 4 ? 'NA' : i},${i % 3},${i % 2}`));
  await refused(g, 'BAD_DATA', `${g} line 6, column "a": missing value "NA"; regpath does not impute: drop or fill in the row`);
});

test('a float target of order 1e30 is a regression target, not 30 classes', async () => {
  const f = csv('huge.csv', 'a,b,y\n' + rows(30, (i) => `${i},${i % 3},${(i % 5) + 1}e30`));
  const r = await computePath({ data: f, hidden: [], points: 2, direction: 'sparser' });
  assert.equal(r.dataset.task, 'regression');
});

test('duplicate column names are refused', async () => {
  const f = csv('dup.csv', 'a,a,y\n' + rows(20, (i) => `${i},${i % 3},${i % 2}`));
  await refused(f, 'BAD_DATA', `${f}: columns 1 and 2 are both named "a"; column names must be unique`);
});

test('long or multi-line column names are cut and escaped in errors', async () => {
  const long = 'x'.repeat(100000);
  const f = csv('long.csv', `"${long}","two\nlines",y\n` + rows(10, (i) => `${i},oops,${i % 2}`));
  await refused(f, 'BAD_DATA', `${f} line 3, column "two\\nlines": expected a number, got "oops"`);
  const g = csv('long2.csv', `"${long}",b,y\n` + rows(10, (i) => `oops,${i},${i % 2}`));
  await refused(g, 'BAD_DATA', `${g} line 2, column "${'x'.repeat(40)}…": expected a number, got "oops"`);
});

test('IDX labels that are not class indices 0..K-1 are refused', async () => {
  const dir = path.join(root, 'idx');
  fs.mkdirSync(dir);
  const n = 12;
  const images = new Uint8Array(n * 4).map((_, i) => (i * 37) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => [0, 1, 250][i % 3]!);
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx([n, 2, 2], images)));
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), encodeIdx([n], labels));
  await refused(dir, 'BAD_DATA', `${dir}: labels must be class indices 0..K-1, but the largest label is 250 and labels 2, 3, 4, 5, 6, 7, 8, 9, … (248) never occur (3 distinct labels in all)`);
});

test('a CSV that is a link to /dev/zero, or too large, is refused without reading it', async () => {
  const link = path.join(root, 'zero.csv');
  fs.symlinkSync('/dev/zero', link);
  await refused(link, 'BAD_FILE', `${link}: is not a regular file (a device, pipe or socket); expected a CSV file`);
  const big = path.join(root, 'big.csv');
  fs.writeFileSync(big, 'a,y\n');
  fs.truncateSync(big, 300 * 1024 * 1024); // sparse: no disk used
  await refused(big, 'BAD_FILE', `${big}: 300 MiB is larger than the 256 MiB regpath reads as a CSV file`);
});

test('divergence is reported as such, with a fix, and nothing of the failed point is written', async () => {
  const f = csv('wild.csv', 'a,b,y\n' + rows(60, (i) => `${[3e38, -3e38, 1e38][(i * 7) % 3]},${(i % 5) * 5e37},${i % 2}`));
  const out = path.join(root, 'wild');
  await assert.rejects(computePath({ data: f, hidden: [3], activation: 'relu', points: 4, standardize: false, out }), (e: unknown) => {
    assert.ok(e instanceof RegpathError);
    assert.equal(e.code, 'DIVERGED');
    assert.match(e.message, /^training diverged at point 0 \(.*\); nothing of that point was written\. To fix: standardise the features \(leave out --no-standardize\) or rescale them$/);
    return true;
  });
  assert.equal(fs.existsSync(path.join(out, 'points')), false, 'no weights file');
  assert.equal(fs.existsSync(path.join(out, 'log.jsonl')), false, 'no log line');
});
