import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computePath, type PathResult } from '../src/path/compute-path.js';
import { checkPathOptions } from '../src/path/options.js';
import { nsga2Method, nonDominatedRanks } from '../src/path/baselines/nsga2.js';
import { loadDataset } from '../src/data/index.js';
import { hypervolume } from '../src/metrics/front.js';
import { exactFront, type Task } from './reference/lasso.js';
import { writeLinearCsv } from './helpers/linear-data.js';
import { tempDir } from './helpers/tmp.js';


/** Worst relative excess of the front's losses over the exact lasso front at the same l1 values. */
function excessOverExact(file: string, kind: 'regression' | 'softmax', r: PathResult): { worst: number; lowest: number } {
  const ds = loadDataset(file, { task: kind === 'regression' ? 'regression' : 'classification' });
  const task: Task = kind === 'regression' ? 'regression' : { classes: ds.classes };
  const exact = exactFront(Float64Array.from(ds.x), Float64Array.from(ds.y), ds.rows, ds.features, task, r.points.map((p) => p.l1));
  let worst = -Infinity, lowest = Infinity;
  r.points.forEach((p, i) => {
    const rel = (p.trainLoss - exact[i]!) / exact[i]!;
    worst = Math.max(worst, rel);
    lowest = Math.min(lowest, rel);
  });
  return { worst, lowest };
}

const linear = (file: string, kind: 'regression' | 'softmax') =>
  ({ data: file, hidden: [], testFraction: 0, standardize: false, task: kind === 'regression' ? 'regress' as const : 'classify' as const });

for (const kind of ['regression', 'softmax'] as const) {
  test(`sweep --nlambda 100, linear ${kind}: the front is the exact lasso path to 0.1 % (glmnet's grid: λ_max down, early end)`, async () => {
    const file = writeLinearCsv(kind, 7 + kind.length);
    const r = await computePath({ ...linear(file, kind), method: 'sweep', nlambda: 100 });
    assert.equal(r.method, 'sweep');
    assert.ok(r.points.length >= 20, `front has ${r.points.length} points`);
    assert.equal(r.points[0]!.l1, 0, 'λ_max gives the all-zero model');
    assert.ok(r.raw.length <= 100, 'at most nlambda fits');
    const { worst, lowest } = excessOverExact(file, kind, r);
    assert.ok(worst <= 1e-3, `worst excess over the exact front ${(100 * worst).toFixed(4)} %`);
    assert.ok(lowest >= -1e-5, `a loss below the exact minimum (${lowest})`);
    // the grid is geometric from λ_max down
    const lambdas = r.raw.map((p) => p.lambda!);
    for (let i = 1; i < lambdas.length; i++) assert.ok(Math.abs(lambdas[i]! / lambdas[i - 1]! - 1e-4 ** (1 / 99)) < 1e-9);
  });
}

test('continuation and sweep agree on a linear model (both within 0.1 % of the exact front, same hypervolume)', async () => {
  const file = writeLinearCsv('regression', 21);
  const cont = await computePath({ ...linear(file, 'regression'), points: 25 });
  const sweep = await computePath({ ...linear(file, 'regression'), method: 'sweep' });
  for (const r of [cont, sweep]) {
    const { worst, lowest } = excessOverExact(file, 'regression', r);
    assert.ok(worst <= 1e-3 && lowest >= -1e-5, `${r.method}: excess over exact ${worst}, ${lowest}`);
  }
  // over the l1 range both cover, the two fronts enclose the same area
  const l1Ref = Math.min(cont.metrics.l1Ref!, sweep.metrics.l1Ref!);
  const hv = (r: PathResult): number => hypervolume(r.points.filter((p) => p.l1 <= l1Ref).map((p) => ({ l1: p.l1, loss: p.trainLoss })), r.metrics.nullLoss, l1Ref);
  const a = hv(cont), b = hv(sweep);
  assert.ok(Math.abs(a - b) / b < 0.01, `hypervolume continuation ${a} vs sweep ${b}`);
});

test('sweep on a network: dense start, λ grid upwards, ends at the all-zero network; resume repeats it exactly', async () => {
  const opts = { data: 'iris', hidden: [4], activation: 'tanh' as const, method: 'sweep', nlambda: 15, denseEpochs: 100, fitEpochs: 20, seed: 2 };
  const whole = tempDir('baselines');
  const full = await computePath({ ...opts, out: whole });
  assert.equal(full.raw[0]!.phase, 'dense');
  assert.equal(full.raw[0]!.lambda, 0);
  const last = full.raw[full.raw.length - 1]!;
  assert.equal(last.l1, 0, 'the path ends at the all-zero network');
  assert.ok(Math.abs(last.trainLoss - full.metrics.nullLoss) < 1e-5, 'whose loss is L_null');
  for (let i = 2; i < full.raw.length && full.raw[i]!.phase === 'sweep'; i++) assert.ok(full.raw[i]!.lambda! > full.raw[i - 1]!.lambda!, 'λ increases');
  assert.ok(full.points.length >= 8, `front of ${full.points.length} points`);

  const cut = tempDir('baselines');
  let seen = 0;
  await assert.rejects(computePath({ ...opts, out: cut, onProgress: (e) => {
    if (e.type === 'point' && ++seen === 4) throw new Error('simulated kill');
  } }), /simulated kill/);
  const resumed = await computePath({ out: cut, resume: true });
  assert.equal(resumed.raw.length, full.raw.length);
  resumed.raw.forEach((p, i) => {
    assert.equal(p.l1, full.raw[i]!.l1, `point ${i} l1`);
    assert.equal(p.trainLoss, full.raw[i]!.trainLoss, `point ${i} loss`);
  });
  fs.rmSync(whole, { recursive: true });
  fs.rmSync(cut, { recursive: true });
});

test('weighted-sum on iris does not collapse onto the all-zero network', async () => {
  const points = 20;
  const r = await computePath({ data: 'iris', hidden: [4, 4], method: 'weighted-sum', points, fitEpochs: 30, denseEpochs: 150 });
  assert.equal(r.raw.length, points, 'one fit per weight');
  const nonTrivial = r.raw.filter((p) => p.l1 > 0);
  // the reference implementation's unscaled grid gave the all-zero network for all but one weight
  assert.ok(nonTrivial.length >= 0.75 * points, `${nonTrivial.length} of ${points} weights give a non-zero network`);
  assert.ok(r.points.length >= points / 2, `front of ${r.points.length} points`);
  assert.equal(new Set(r.points.map((p) => p.l1.toPrecision(6))).size, r.points.length, 'distinct points');
  // the front spans the trade-off: from near-zero loss to L_null
  assert.ok(r.points[r.points.length - 1]!.trainLoss < 0.2 * r.metrics.nullLoss);
  assert.equal(r.points[0]!.l1, 0);
});

test('nsga2 gives a non-dominated set on a tiny problem, seeded', async () => {
  const opts = { data: 'iris', hidden: [3], method: 'nsga2', population: 24, generations: 30, seed: 5 };
  const r = await computePath(opts);
  assert.ok(r.raw.length >= 5, `${r.raw.length} points`);
  assert.equal(r.metrics.dominatedDropped, 0, 'the final population front is non-dominated');
  for (const a of r.raw) {
    for (const b of r.raw) {
      const dominates = a.trainLoss <= b.trainLoss && a.l1 <= b.l1 && (a.trainLoss < b.trainLoss || a.l1 < b.l1);
      assert.ok(!dominates, `point ${a.index} dominates point ${b.index}`);
    }
  }
  for (let i = 1; i < r.raw.length; i++) assert.ok(r.raw[i]!.l1 > r.raw[i - 1]!.l1, 'reported sparse to dense');
  const again = await computePath(opts);
  assert.deepEqual(again.raw.map((p) => p.trainLoss), r.raw.map((p) => p.trainLoss), 'same seed, same front');
  // the fast non-dominated sort itself
  assert.deepEqual([...nonDominatedRanks([[1, 3], [2, 2], [3, 1], [2, 3], [3, 3], [1, 3]])], [0, 0, 0, 1, 2, 0]);
});

test('nsga2 refuses a network it cannot handle in reasonable time, saying why and what to use, before writing anything', async () => {
  const o = checkPathOptions({ method: 'nsga2' });
  assert.throws(() => nsga2Method.check!(o, [784, 20, 20, 10], 8000),
    /nsga2: refusing a network of 16,330 parameters .*25,100 times.*about \d+ (minutes|hours).*up to 2,000 parameters.*--method continuation or --method sweep/);
  assert.doesNotThrow(() => nsga2Method.check!(o, [4, 4, 4, 3], 120));
  const out = path.join(tempDir('baselines'), 'run');
  await assert.rejects(computePath({ data: 'iris', hidden: [50, 50], method: 'nsga2', out }), /refusing a network of 2,953 parameters/);
  assert.ok(!fs.existsSync(out), 'no run folder');
});

test('baseline options are validated with the option name', () => {
  assert.throws(() => checkPathOptions({ nlambda: 1 }), /nlambda: expected an integer from 2/);
  assert.throws(() => checkPathOptions({ lambdaMinRatio: 2 }), /lambda-min-ratio: expected a number from/);
  assert.throws(() => checkPathOptions({ population: 2.5 }), /population: expected an integer/);
  assert.throws(() => checkPathOptions({ l1Ref: -1 }), /l1-ref: expected a number/);
  assert.throws(() => checkPathOptions({ method: 'lars' }), /method: expected one of continuation, sweep, weighted-sum, nsga2, got "lars"/);
  const d = checkPathOptions({});
  assert.deepEqual([d.nlambda, d.lambdaMinRatio, d.fitEpochs, d.denseEpochs, d.learningRate, d.population, d.generations, d.l1Ref], [null, 1e-4, null, 300, 0.1, 100, 250, null]);
});

for (const method of ['weighted-sum', 'nsga2']) {
  test(`${method}: a killed run resumed with --resume ends as the uninterrupted run`, async () => {
    const opts = { data: 'iris', hidden: [3], method, points: 8, fitEpochs: 20, denseEpochs: 60, population: 16, generations: 8, seed: 4 };
    const whole = tempDir('baselines');
    const cut = tempDir('baselines');
    const full = await computePath({ ...opts, out: whole });
    let seen = 0;
    await assert.rejects(computePath({ ...opts, out: cut, onProgress: (e) => {
      if (e.type === 'point' && ++seen === 3) throw new Error('simulated kill');
    } }), /simulated kill/);
    const resumed = await computePath({ out: cut, resume: true });
    assert.ok(full.raw.length > 3);
    assert.deepEqual(resumed.raw.map((p) => [p.index, p.l1, p.trainLoss]), full.raw.map((p) => [p.index, p.l1, p.trainLoss]));
    fs.rmSync(whole, { recursive: true });
    fs.rmSync(cut, { recursive: true });
  });
}

for (const kind of ['regression', 'softmax'] as const) {
  test(`sweep on mini-batches, linear ${kind}: annealed fits returned at their best epoch stay within 0.1 % of the exact lasso path`, async () => {
    const file = writeLinearCsv(kind, 7 + kind.length);
    // 120 rows in batches of 15: eight proximal SGD steps per epoch, at lr 0.1 and momentum 0.9
    const r = await computePath({ ...linear(file, kind), method: 'sweep', batch: 15, fitEpochs: 100 });
    assert.ok(r.points.length >= 5, `front has ${r.points.length} points`);
    const { worst } = excessOverExact(file, kind, r);
    // at a constant lr the fits end in SGD's noise ball: 3 % (regression) and 2 % (softmax) above the exact path
    assert.ok(worst <= 1e-3, `worst excess over the exact front ${(100 * worst).toFixed(4)} %`);
  });
}
