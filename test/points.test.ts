import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computePath, type PathOptions } from '../src/index.js';
import { evenlySpaced } from '../src/path/baselines/nsga2.js';
import { loadDataset } from '../src/data/index.js';
import { exactFront } from './reference/lasso.js';
import { writeLinearCsv } from './helpers/linear-data.js';
import { tempDir } from './helpers/tmp.js';

/** `--points` sets the size of every baseline's front: within ±25 % of what was asked. */
function within(asked: number, got: number, what: string): void {
  assert.ok(got >= 0.75 * asked && got <= 1.25 * asked, `${what}: ${got} front points for ${asked} asked`);
}

const iris = { data: 'iris', hidden: [4], activation: 'tanh' as const, denseEpochs: 100, fitEpochs: 20, seed: 3 };

for (const points of [5, 12]) {
  test(`sweep on a network gives about --points ${points} front points (not one per λ of a fixed grid)`, async () => {
    within(points, (await computePath({ ...iris, method: 'sweep', points })).points.length, 'l1 sweep');
  });
  test(`l2 sweep gives about --points ${points} front points`, async () => {
    within(points, (await computePath({ ...iris, penalty: 'l2', points })).points.length, 'l2 sweep');
  });
}

test('sweep on linear models gives about --points front points, on any target scale, and stays on the exact path', async () => {
  const file = writeLinearCsv('regression', 4);
  // the same problem with the target in the hundreds (as scikit-learn's diabetes)
  const scaled = path.join(tempDir('points'), 'scaled.csv');
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  fs.writeFileSync(scaled, [lines[0], ...lines.slice(1).map((l) => {
    const c = l.split(',');
    c[c.length - 1] = String(150 + 80 * Number(c[c.length - 1]));
    return c.join(',');
  })].join('\n') + '\n');
  for (const data of [file, scaled]) {
    for (const points of [8, 30]) {
      const o: PathOptions = { data, hidden: [], testFraction: 0, standardize: false, task: 'regress', method: 'sweep', points };
      const r = await computePath(o);
      within(points, r.points.length, `${path.basename(data)}`);
      const ds = loadDataset(data, { task: 'regression' });
      const exact = exactFront(Float64Array.from(ds.x), Float64Array.from(ds.y), ds.rows, ds.features, 'regression', r.points.map((p) => p.l1));
      r.points.forEach((p, i) => assert.ok(p.trainLoss <= exact[i]! * (1 + 1e-3), `l1 ${p.l1}: loss ${p.trainLoss} vs exact ${exact[i]}`));
    }
  }
  const softmax = writeLinearCsv('softmax', 9);
  within(15, (await computePath({ data: softmax, hidden: [], testFraction: 0, method: 'sweep', points: 15 })).points.length, 'softmax');
});

test('sweep --nlambda keeps glmnet\'s fixed grid: one point per λ', async () => {
  const r = await computePath({ ...iris, method: 'sweep', nlambda: 6, points: 30 });
  assert.ok(r.raw.length <= 2 * 6 + 1, `${r.raw.length} fits for a 6-value grid`);
});

test('weighted-sum and nsga2 give about --points front points', async () => {
  within(10, (await computePath({ ...iris, method: 'weighted-sum', points: 10 })).points.length, 'weighted-sum');
  const n = await computePath({ ...iris, method: 'nsga2', points: 8, population: 40, generations: 20 });
  assert.equal(n.points.length, 8, 'nsga2: 8 of the final non-dominated set');
});

test('evenlySpaced picks count points along the front, both ends, in order', () => {
  const line = Array.from({ length: 11 }, (_, i) => [i / 10, 1 - i / 10] as const);
  assert.deepEqual(evenlySpaced(line, 3), [0, 5, 10]);
  assert.deepEqual(evenlySpaced(line, 11), [...Array(11).keys()]);
  assert.deepEqual(evenlySpaced(line.slice(0, 4), 6), [0, 1, 2, 3]);
  // crowded at one end: still count distinct indices
  const crowded = [0, 0.001, 0.002, 0.003, 0.5, 1].map((x) => [x, 1 - x] as const);
  const p = evenlySpaced(crowded, 4);
  assert.equal(new Set(p).size, 4);
  assert.deepEqual([p[0], p[3]], [0, 5]);
});

test('the spaced sweep resumed after a kill ends as the uninterrupted run, on a network and on a linear model', async () => {
  const file = writeLinearCsv('softmax', 6);
  for (const o of [{ ...iris, method: 'sweep', points: 10 }, { data: file, hidden: [], testFraction: 0, method: 'sweep', points: 10 }] as PathOptions[]) {
    const dir = tempDir('points');
    const full = await computePath({ ...o, out: path.join(dir, 'whole') });
    let seen = 0;
    await assert.rejects(computePath({ ...o, out: path.join(dir, 'cut'), onProgress: (e) => {
      if (e.type === 'point' && ++seen === 4) throw new Error('simulated kill');
    } }), /simulated kill/);
    const resumed = await computePath({ out: path.join(dir, 'cut'), resume: true });
    assert.ok(full.raw.length > 4);
    assert.deepEqual(resumed.raw.map((p) => [p.index, p.lambda, p.l1, p.trainLoss]), full.raw.map((p) => [p.index, p.lambda, p.l1, p.trainLoss]));
    fs.rmSync(dir, { recursive: true });
  }
});
