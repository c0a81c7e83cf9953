import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RegpathError } from '../src/errors.js';
import { applyStandardizer, fitStandardizer, loadDataset, splitDataset } from '../src/data/index.js';
import type { Dataset } from '../src/data/index.js';

/** Rows tagged by their index in feature 0, so parts can be traced back to source rows. */
function toy(task: Dataset['task'], classSizes: number[]): Dataset {
  const y = classSizes.flatMap((n, c) => new Array<number>(n).fill(c));
  const rows = y.length;
  const x = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    x[2 * r] = r;
    x[2 * r + 1] = (r % 7) * 0.5;
  }
  return {
    name: 'toy',
    task,
    rows,
    features: 2,
    classes: task === 'classification' ? classSizes.length : 0,
    featureNames: ['id', 'v'],
    classNames: task === 'classification' ? classSizes.map(String) : [],
    x,
    y: Float32Array.from(y),
  };
}

const ids = (ds: Dataset): number[] => Array.from({ length: ds.rows }, (_, r) => ds.x[r * ds.features]!);
const classCounts = (ds: Dataset): number[] => {
  const c = new Array<number>(ds.classes).fill(0);
  for (const v of ds.y) c[v]!++;
  return c;
};

describe('splitDataset', () => {
  test('stratified: each class split in the same proportion', () => {
    const ds = toy('classification', [100, 40, 10]);
    const { train, test } = splitDataset(ds, 0.2, 7);
    assert.deepEqual(classCounts(test!), [20, 8, 2]);
    assert.deepEqual(classCounts(train), [80, 32, 8]);
  });

  test('stratified on mnist: every digit ~20% in test', () => {
    const ds = loadDataset('mnist');
    const { train, test } = splitDataset(ds, 0.2, 1);
    assert.equal(test!.rows, 2000);
    assert.equal(train.rows, 8000);
    const all = classCounts(ds);
    classCounts(test!).forEach((n, c) => assert.ok(Math.abs(n - 0.2 * all[c]!) <= 1, `class ${c}: ${n} of ${all[c]}`));
    // Rows keep their labels: compare with the source row they came from.
    const first = test!.x.subarray(0, 784);
    let source = -1;
    for (let r = 0; r < ds.rows && source < 0; r++) {
      if (ds.x.subarray(r * 784, (r + 1) * 784).every((v, i) => v === first[i])) source = r;
    }
    assert.equal(test!.y[0], ds.y[source]);
  });

  test('a partition of the rows, with labels kept', () => {
    const ds = toy('classification', [30, 20]);
    const { train, test } = splitDataset(ds, 0.3, 3);
    const all = [...ids(train), ...ids(test!)].sort((a, b) => a - b);
    assert.deepEqual(all, ids(ds));
    for (const part of [train, test!]) {
      ids(part).forEach((id, r) => assert.equal(part.y[r], ds.y[id]));
    }
  });

  test('deterministic per seed; different seeds differ; parts are shuffled', () => {
    const ds = toy('classification', [50, 50]);
    const a = splitDataset(ds, 0.25, 42);
    const b = splitDataset(ds, 0.25, 42);
    const c = splitDataset(ds, 0.25, 43);
    assert.deepEqual(ids(a.test!), ids(b.test!));
    assert.deepEqual(ids(a.train), ids(b.train));
    assert.notDeepEqual(ids(a.test!), ids(c.test!));
    // Not left in class-sorted source order.
    const trainIds = ids(a.train);
    assert.notDeepEqual(trainIds, [...trainIds].sort((p, q) => p - q));
  });

  test('regression: plain seeded shuffle of the requested size', () => {
    const ds = toy('regression', [37]);
    const { train, test } = splitDataset(ds, 0.3, 5);
    assert.equal(test!.rows, 11);
    assert.equal(train.rows, 26);
    assert.deepEqual(ids(splitDataset(ds, 0.3, 5).test!), ids(test!));
  });

  test('testFraction 0 → no test set; everything (shuffled) trains', () => {
    const ds = toy('classification', [5, 5]);
    const { train, test } = splitDataset(ds, 0, 9);
    assert.equal(test, null);
    assert.equal(train.rows, 10);
    assert.deepEqual([...ids(train)].sort((p, q) => p - q), ids(ds));
  });

  test('splits never leave a part empty', () => {
    const ds = toy('regression', [10]);
    assert.equal(splitDataset(ds, 0.01, 1).test!.rows, 1);
    assert.equal(splitDataset(ds, 0.99, 1).train.rows, 1);
  });

  test('bad fractions are user errors', () => {
    const ds = toy('regression', [10]);
    for (const f of [-0.1, 1, 1.5, NaN]) {
      assert.throws(() => splitDataset(ds, f, 1), (e: unknown) => {
        assert.ok(e instanceof RegpathError);
        assert.equal(e.code, 'BAD_OPTION');
        assert.equal(e.message, `test fraction must be at least 0 and below 1, got ${f}`);
        return true;
      });
    }
  });
});

describe('standardizer', () => {
  test('train columns get mean 0 / std 1; constant columns stay finite', () => {
    const base = toy('regression', [20]);
    // Add a constant third feature of an awkward value (0.1 does not sum exactly).
    const x = new Float32Array(20 * 3);
    for (let r = 0; r < 20; r++) x.set([base.x[2 * r]!, base.x[2 * r + 1]!, 0.1], 3 * r);
    const ds: Dataset = { ...base, features: 3, featureNames: ['id', 'v', 'c'], x };
    const s = fitStandardizer(ds);
    assert.equal(s.std[2], 1);
    assert.ok(Math.abs(s.mean[0]! - 9.5) < 1e-6);
    const z = applyStandardizer(ds, s);
    assert.notEqual(z.x, ds.x);
    assert.equal(ds.x[0], 0); // input untouched
    for (let j = 0; j < 3; j++) {
      let m = 0;
      let v = 0;
      for (let r = 0; r < 20; r++) m += z.x[3 * r + j]! / 20;
      for (let r = 0; r < 20; r++) v += (z.x[3 * r + j]! - m) ** 2 / 20;
      assert.ok(Math.abs(m) < 1e-6, `feature ${j} mean ${m}`);
      if (j < 2) assert.ok(Math.abs(Math.sqrt(v) - 1) < 1e-5, `feature ${j} std ${Math.sqrt(v)}`);
    }
    for (let r = 0; r < 20; r++) assert.ok(Math.abs(z.x[3 * r + 2]!) < 1e-6);
    assert.ok(z.x.every(Number.isFinite));
  });

  test('fit on train, apply to test with the train statistics', () => {
    const ds = loadDataset('iris');
    const { train, test } = splitDataset(ds, 0.2, 2);
    const s = fitStandardizer(train);
    const zt = applyStandardizer(test!, s);
    assert.equal(zt.rows, test!.rows);
    assert.deepEqual(zt.y, test!.y);
    const j = 2;
    assert.ok(Math.abs(zt.x[j]! - (test!.x[j]! - s.mean[j]!) / s.std[j]!) < 1e-6);
  });

  test('mnist: border pixels are constant, nothing becomes NaN', () => {
    const ds = loadDataset('mnist');
    const s = fitStandardizer(ds);
    assert.equal(s.std[0], 1);
    assert.equal(s.mean[0], 0);
    const z = applyStandardizer(ds, s);
    assert.ok(z.x.every(Number.isFinite));
  });

  test('feature count mismatch is refused', () => {
    const s = fitStandardizer(loadDataset('iris'));
    assert.throws(() => applyStandardizer(toy('regression', [3]), s), {
      message: 'toy: has 2 features but the standardizer was fitted on 4',
    });
  });
});
