import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computePath } from '../src/path/compute-path.js';
import { loadDataset, loadIris } from '../src/data/index.js';
import { datasetFromArrays } from '../src/data/arrays.js';
import { RegpathError } from '../src/errors.js';
import { exactFront, lossAt, solveLasso } from './reference/lasso.js';
import { writeLinearCsv } from './helpers/linear-data.js';
import { tempDir } from './helpers/tmp.js';

function irisArrays(): { rows: number[][]; species: string[]; names: string[] } {
  const ds = loadIris();
  const rows = Array.from({ length: ds.rows }, (_, r) => Array.from(ds.x.subarray(r * ds.features, (r + 1) * ds.features)));
  return { rows, species: Array.from(ds.y, (c) => ds.classNames[c]!), names: ds.featureNames };
}

test('in-memory arrays give the same front, to the last bit, as the same data read from a CSV file', async () => {
  const { rows, species, names } = irisArrays();
  const file = path.join(tempDir('arrays'), 'iris.csv');
  fs.writeFileSync(file, [[...names, 'species'].join(','), ...rows.map((r, i) => [...r.map((v) => String(Math.fround(v))), species[i]].join(','))].join('\n') + '\n');
  const options = { hidden: [3], points: 6, seed: 2 };
  const fromCsv = await computePath({ ...options, data: file });
  const fromRows = await computePath({ ...options, data: { features: rows, target: species, featureNames: names } });
  const flat = Float32Array.from(rows.flat());
  const fromFlat = await computePath({ ...options, data: { features: flat, shape: [rows.length, names.length], target: species } });
  assert.ok(fromCsv.points.length >= 3);
  for (const r of [fromRows, fromFlat]) {
    assert.deepEqual(r.points, fromCsv.points);
    assert.deepEqual(r.metrics, fromCsv.metrics);
    assert.deepEqual(r.parameters, fromCsv.parameters);
  }
  assert.deepEqual(fromRows.dataset.classNames, fromCsv.dataset.classNames);
  assert.deepEqual(fromRows.dataset.featureNames, names);
  assert.equal(fromRows.out, null);
  // predictions name the classes by their labels
  const p = fromRows.predict(rows.slice(0, 3), { point: fromRows.points.length - 1 });
  assert.equal(p.rows, 3);
  assert.ok(p.predicted.every((c) => typeof c === 'string' && fromCsv.dataset.classNames.includes(c)));
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
});

test('bad arrays are refused with the field and index', () => {
  const cases: Array<[unknown, string]> = [
    [{ features: [[1, 2], [3]], target: [0, 1] }, 'data.features[1]: expected 2 numbers (as in row 0), got 1'],
    [{ features: [[1, 2], [3, NaN]], target: [0, 1] }, 'data.features[1][1]: expected a finite number, got null'],
    [{ features: [[1, 2], [3, 4]], target: [0] }, 'data.target: expected 2 values (one per row of data.features), got 1'],
    [{ features: new Float32Array(6), target: [0, 1] }, 'data.features: a flat array of 6 numbers needs shape [rows, features] with rows × features = 6, got null'],
    [{ features: [[1, 2], [3, 4]], target: [0, 0] }, 'data.target: has only one value ("0"); classification needs at least 2 classes'],
    [{ features: [[1, 2], [3, 4]], target: ['a', 'b'], task: 'regress' }, 'data.target[0]: expected a number for a regression target, got "a"'],
    [{ features: [[1, 2], [3, 4]], target: [0, 1], featureNames: ['a'] }, 'data.featureNames: expected 2 names (one per feature column), got ["a"]'],
  ];
  for (const [data, message] of cases) {
    assert.throws(() => datasetFromArrays(data as never), (e: unknown) => e instanceof RegpathError && e.message === message, message);
  }
});

test('linear model: coefficients and predict at a λ or l1 between front points follow the exact lasso path', async () => {
  const ds = loadDataset(writeLinearCsv('regression', 3));
  const n = ds.rows, p = ds.features;
  const rows = Array.from({ length: n }, (_, r) => Array.from(ds.x.subarray(r * p, (r + 1) * p)));
  const r = await computePath({ data: { features: rows, target: Array.from(ds.y) }, hidden: [], testFraction: 0, standardize: false, points: 25 });
  const X = Float64Array.from(ds.x), y = Float64Array.from(ds.y);
  const exactW = (lambda: number): Float64Array => solveLasso(X, y, n, p, 'regression', lambda).W;
  const signs = (w: ArrayLike<number>): string => Array.from(w, (v) => (Math.abs(v) < 1e-9 ? 0 : Math.sign(v))).join(',');
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
  let checked = 0;
  for (let i = 0; i + 1 < r.points.length; i++) {
    const a = r.points[i]!, b = r.points[i + 1]!;
    if (a.lambda === null || b.lambda === null || a.lambda <= b.lambda) continue;
    const mid = (a.lambda + b.lambda) / 2;
    const [wa, wb, wm] = [exactW(a.lambda), exactW(b.lambda), exactW(mid)];
    // the exact path is linear between the two λs only where its signs do not change
    if (signs(wa) !== signs(wb) || signs(wa) !== signs(wm)) continue;
    const c = r.coefficients({ lambda: mid });
    assert.equal(c.method, 'interpolated');
    assert.deepEqual(c.from.map((f) => f.point).sort((u, v) => u - v), [i, i + 1]);
    const endError = Math.max(maxDiff(r.coefficients({ point: i }).layers[0]!.kernel, wa), maxDiff(r.coefficients({ point: i + 1 }).layers[0]!.kernel, wb));
    const scale = Math.max(...Array.from(wm, Math.abs));
    // on a linear stretch of θ(λ), interpolating two points is no further from it than they are
    assert.ok(maxDiff(c.layers[0]!.kernel, wm) <= endError + 1e-5 * scale, `λ ${mid}: ${maxDiff(c.layers[0]!.kernel, wm)} vs end points ${endError}`);
    assert.ok(maxDiff(c.layers[0]!.kernel, wm) <= 1e-2 * scale, `λ ${mid}: off the exact solution by ${maxDiff(c.layers[0]!.kernel, wm)} (scale ${scale})`);

    // at an l1 between the points: that l1 exactly (same signs), and the exact lasso loss there
    const l1 = (a.l1 + b.l1) / 2;
    const cl = r.coefficients({ l1 });
    assert.ok(Math.abs(cl.l1 - l1) <= 1e-5 * l1, `l1 ${cl.l1} vs ${l1}`);
    const loss = lossAt(X, y, n, p, 'regression', Float64Array.from(cl.layers[0]!.kernel), Float64Array.from(cl.layers[0]!.bias));
    const exact = exactFront(X, y, n, p, 'regression', [l1])[0]!;
    assert.ok(loss <= exact * (1 + 1e-3) && loss >= exact * (1 - 1e-5), `l1 ${l1}: loss ${loss} vs exact ${exact}`);

    // predict is the model x·w + b of those coefficients
    const pred = r.predict(rows.slice(0, 5), { lambda: mid });
    for (let k = 0; k < 5; k++) {
      const want = rows[k]!.reduce((s, v, j) => s + v * c.layers[0]!.kernel[j]!, c.layers[0]!.bias[0]!);
      assert.ok(Math.abs((pred.predicted[k] as number) - want) <= 1e-5 * (1 + Math.abs(want)));
    }
    checked++;
  }
  assert.ok(checked >= 5, `only ${checked} stretches with constant signs`);
  // beyond the ends: the sparsest point for a λ above every finite one, the densest for l1 beyond the front
  const big = Math.max(...r.points.map((q) => q.lambda ?? 0)) * 10;
  assert.equal(r.coefficients({ lambda: big }).l1, 0);
  assert.deepEqual(r.coefficients({ l1: 1e9 }).from, [{ point: r.points.length - 1, weight: 1 }]);
});

test('network: coefficients at an l1 are the nearest front point, never a blend', async () => {
  const { rows, species } = irisArrays();
  const r = await computePath({ data: { features: rows, target: species }, hidden: [3], points: 6 });
  const i = Math.floor(r.points.length / 2);
  const c = r.coefficients({ l1: r.points[i]!.l1 * 1.01 });
  assert.equal(c.method, 'nearest');
  assert.deepEqual(c.from, [{ point: i, weight: 1 }]);
  assert.deepEqual(c.layers[0]!.kernel, r.coefficients({ point: i }).layers[0]!.kernel);
  assert.throws(() => r.coefficients({ point: 99 }), /point: expected a front index from 0 to \d+, got 99/);
});
