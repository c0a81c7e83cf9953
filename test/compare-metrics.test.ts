import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePath } from '../src/path/compute-path.js';
import { summarise } from '../src/path/result.js';
import { hypervolume } from '../src/metrics/front.js';
import type { RawPoint } from '../src/path/types.js';

const raw = (pts: Array<[number, number]>): RawPoint[] =>
  pts.map(([l1, loss], index) => ({ index, phase: 'sweep', l1, nonzeros: 1, trainLoss: loss, lambda: null, steps: 1, converged: true, seconds: 0 }));

test('hypervolume with a fixed l1_ref: hand computation', () => {
  const pts = raw([[0, 1], [1, 0.5], [2, 0.2], [1.5, 0.9]]);
  // default l1_ref = 2 (largest l1 on the front): x = 0, 0.5, 1 → 1.1·0.1 + 0.6·0.5 + 0.1·0.3 = 0.44
  const auto = summarise(pts, 1);
  assert.equal(auto.metrics.l1Ref, 2);
  assert.ok(Math.abs(auto.metrics.hypervolumeTrain - 0.44) < 1e-12);
  // l1_ref = 4: x = 0, 0.25, 0.5 → 1.1·0.1 + 0.85·0.5 + 0.6·0.3 = 0.715
  const fixed = summarise(pts, 1, 4);
  assert.equal(fixed.metrics.l1Ref, 4);
  assert.ok(Math.abs(fixed.metrics.hypervolumeTrain - 0.715) < 1e-12);
  assert.ok(Math.abs(fixed.metrics.largestGap - Math.hypot(0.25, 0.5)) < 1e-12);
  // l1_ref = 1: the point at l1 = 2 (x = 2) lies beyond the reference point and adds nothing
  const small = summarise(pts, 1, 1);
  assert.ok(Math.abs(small.metrics.hypervolumeTrain - (1.1 * 0.1 + 0.1 * 0.5)) < 1e-12);
  assert.equal(fixed.metrics.dominatedDropped, 1);
});

test('--l1-ref reaches path.json metrics for every method', async () => {
  for (const method of ['continuation', 'sweep', 'weighted-sum', 'nsga2']) {
    const r = await computePath({ data: 'iris', hidden: [3], method, points: 8, nlambda: 10, fitEpochs: 10, denseEpochs: 50, population: 12, generations: 5, l1Ref: 50 });
    assert.equal(r.metrics.l1Ref, 50, method);
    const train = r.points.map((p) => ({ l1: p.l1, loss: p.trainLoss }));
    assert.equal(r.metrics.hypervolumeTrain, hypervolume(train, r.metrics.nullLoss, 50), method);
    assert.equal(r.metrics.hypervolumeTest, hypervolume(r.points.map((p) => ({ l1: p.l1, loss: p.testLoss! })), r.metrics.nullLoss, 50), method);
    assert.ok(r.metrics.bestTestAccuracy !== undefined, method);
  }
});
