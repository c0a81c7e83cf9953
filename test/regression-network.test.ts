import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computePath } from '../src/path/compute-path.js';
import { hypervolume } from '../src/metrics/front.js';

/**
 * Networks on a regression target in its own units: scikit-learn's diabetes (442 rows, 10
 * features, target mean 152 and std 77; bench/data/diabetes.csv), 10 ReLU units. The path's
 * start and ends were tuned on classification data, where the loss is in nats and the random
 * init's output is as good as a constant; here the init's loss is 5× the constant predictor's.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const diabetes = path.join(here, '..', '..', 'bench', 'data', 'diabetes.csv');
const common = { data: diabetes, hidden: [10], testFraction: 0.2, points: 40 };

test('regression network: the continuation starts at the dense end, spaces its points and beats the sweep', async () => {
  const c = await computePath({ ...common, method: 'continuation' });
  const s = await computePath({ ...common, method: 'sweep' });
  const l1s = c.points.map((p) => p.l1);
  const l1Ref = Math.max(...l1s, ...s.points.map((p) => p.l1));
  const hv = (r: typeof c): number => hypervolume(r.points.map((p) => ({ l1: p.l1, loss: p.trainLoss })), c.metrics.nullLoss, l1Ref);
  // the initial point (raw point 0) lies where the front turns flat, not at its sparse end
  // (before: the all-zero network, and the lower-loss branch grown from it ended at l1 35)
  const initial = c.raw[0]!;
  assert.equal(initial.phase, 'initial');
  assert.ok(initial.l1 >= 0.4 * Math.max(...l1s), `initial point at l1 ${initial.l1} of ${Math.max(...l1s)}`);
  assert.ok(Math.min(...c.points.map((p) => p.trainLoss)) < 0.4 * c.metrics.nullLoss);
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
  assert.deepEqual(c.branchEnds, { denser: 'flat', sparser: 'all-zero' });
  // before: 0.651 against the sweep's 0.734
  assert.ok(hv(c) >= hv(s), `continuation ${hv(c).toFixed(4)} < sweep ${hv(s).toFixed(4)}`);
});

test('regression network on raw features: the lower-loss branch ends instead of wandering (±25 % of the points)', async () => {
  const c = await computePath({ ...common, standardize: false, method: 'continuation' });
  // before: 76 points, the branch pulled back and forth by correctors in a flat stretch
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
  assert.equal(c.branchEnds?.sparser, 'all-zero');
  assert.notEqual(c.branchEnds?.denser, 'budget');
  assert.equal(c.warnings, undefined);
});

test('sweep: a dense fit that ends at the constant predictor\'s loss (dead units) is redone at a smaller learning rate', async () => {
  // at lr 0.1 the dense fit's units all died and the front was one point at L_null
  const s = await computePath({ ...common, standardize: false, method: 'sweep' });
  assert.ok(s.points.length >= 10, `${s.points.length} front points`);
  const best = Math.min(...s.points.map((p) => p.trainLoss));
  assert.ok(best < 0.6 * s.metrics.nullLoss, `lowest train loss ${best} of L_null ${s.metrics.nullLoss}`);
  // 10,10 units, seed 8: a dense fit that blew up explained 0.5 % of L_null (output nearly constant)
  const t = await computePath({ ...common, hidden: [10, 10], seed: 8, method: 'sweep' });
  assert.ok(t.points.length >= 10, `${t.points.length} front points at 10,10 units`);
});

test('regression network, 10,10 units: the sparse end\'s correctors are not stopped by the lower-loss branch\'s stationarity scale', async () => {
  const c = await computePath({ ...common, hidden: [10, 10], method: 'continuation' });
  // the lowest loss at l1 ≤ 40; before: 4,453 = 0.76·L_null (its correctors met a floor set by a
  // lower-loss point's large step after 3–4 steps), now 0.56·L_null
  const atMost40 = c.points.filter((p) => p.l1 <= 40).map((p) => p.trainLoss);
  const best = Math.min(...atMost40);
  assert.ok(best < 0.65 * c.metrics.nullLoss, `lowest loss at l1 ≤ 40: ${best} (L_null ${c.metrics.nullLoss})`);
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
});

test('regression network on raw features: a settling run that ends at w = 0 is redone at a tenth of λ_flat', async () => {
  // seed 7: λ_flat from the init's l1 (3.1) settled at the all-zero network, and the lower-loss
  // branch grew the network from there over 105 raw points (94 on the front for 40 asked)
  const c = await computePath({ ...common, standardize: false, seed: 7, method: 'continuation' });
  assert.ok(c.raw[0]!.l1 > 0, 'the initial point is the all-zero network');
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
});
