import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParameterLayout } from '../src/nn/layout.js';
import { effectiveNonzeros } from '../src/metrics/effective.js';
import { StationarityTest } from '../src/path/stationarity.js';
import { computePath } from '../src/path/compute-path.js';

test('effective non-zeros leave out weights into and out of dead units, transitively', () => {
  // 2-3-2-1: unit h1_0 has in-weights but no out-weight; h1_1 has an out-weight but no in-weight
  // (a constant); h1_2 is live. Layer 2: h2_0 fed only by the constant h1_1, so it is constant too.
  const layout = new ParameterLayout([2, 3, 2, 1]);
  const theta = new Float32Array(layout.size);
  const W0 = layout.weights(theta, 0); // 2×3
  const W1 = layout.weights(theta, 1); // 3×2
  const W2 = layout.weights(theta, 2); // 2×1
  W0[0 * 3 + 0] = 1; // x0 → h1_0 (h1_0 has no out-weights: unused)
  W0[1 * 3 + 2] = 2; // x1 → h1_2 (live)
  W1[1 * 2 + 0] = 3; // h1_1 (constant) → h2_0
  W1[2 * 2 + 1] = 4; // h1_2 → h2_1 (live)
  W2[0] = 5; // h2_0 (constant) → out
  W2[1] = 6; // h2_1 → out
  assert.equal(effectiveNonzeros(layout, theta, layout.weightCount), 3); // x1→h1_2→h2_1→out
  // the same with penalised biases: live units' and the output's biases count
  layout.bias(theta, 0)[1] = 1; // bias of the constant unit h1_1: foldable, not counted
  layout.bias(theta, 0)[2] = 1; // live h1_2
  layout.bias(theta, 2)[0] = 1; // output
  assert.equal(effectiveNonzeros(layout, theta, layout.size), 5);
  // a linear model: every non-zero counts
  const lin = new ParameterLayout([3, 2]);
  const t2 = new Float32Array(lin.size);
  t2[0] = 1; t2[5] = -1;
  assert.equal(effectiveNonzeros(lin, t2, lin.weightCount), 2);
  // with a convolution (kernel [kh, kw, in, out]) every non-zero counts: its units are channels
  // over positions, which the Dense-chain analysis cannot follow (it read 0 for 41 non-zeros)
  const conv = new ParameterLayout([16], [[3, 3, 1, 2], [32, 3]]);
  const t3 = new Float32Array(conv.size);
  t3[0] = 1; t3[17] = 2; t3[18 + 5] = -1; // two conv taps, one dense weight
  assert.equal(effectiveNonzeros(conv, t3, conv.weightCount), 3);
});

test('the stationarity test is relative to the start, with a floor', () => {
  const t = new StationarityTest(0.01, 1e-6);
  assert.equal(t.started, false);
  t.begin(2);
  assert.equal(t.met(0.03), false);
  assert.equal(t.met(0.02), true);
  assert.equal(t.relative(0.5), 0.25);
  const tiny = new StationarityTest(0.01, 1e-6);
  tiny.begin(1e-5); // a start already near the front: the floor decides
  assert.equal(tiny.met(9e-7), true);
  assert.equal(tiny.met(2e-6), false);
  assert.throws(() => new StationarityTest(0), /must be > 0/);
});

test('Iris 4-4 tanh: along the sparser branch non-zeros never rise as l1 falls, effective non-zeros and branch ends recorded', async () => {
  const r = await computePath({ data: 'iris', hidden: [4, 4], activation: 'tanh', points: 20, seed: 2, testFraction: 0 });
  const sparser = r.raw.filter((p) => p.phase === 'sparser');
  assert.ok(sparser.length >= 5);
  // the rule: the sparser correctors keep the predictor's zeros, so the count is non-increasing
  for (let i = 1; i < sparser.length; i++) {
    assert.ok(sparser[i]!.nonzeros <= sparser[i - 1]!.nonzeros, `point ${sparser[i]!.index}: ${sparser[i - 1]!.nonzeros} → ${sparser[i]!.nonzeros}`);
  }
  for (const p of r.raw) {
    assert.ok(p.effectiveNonzeros !== undefined && p.effectiveNonzeros <= p.nonzeros);
  }
  assert.equal(r.points[0]!.l1, 0);
  assert.equal(r.points[0]!.effectiveNonzeros, 0);
  assert.equal(r.branchEnds?.sparser, 'all-zero');
  assert.ok(['unregularised', 'flat'].includes(r.branchEnds?.denser ?? ''), `denser ended: ${r.branchEnds?.denser}`);
});
