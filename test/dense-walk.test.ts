// Where a mini-batch network's path starts: the first fit at a tenth of the init's trade-off,
// then λ walked down a decade at a time (each fit from the init) while the fit does not yet fit
// the training rows and each decade at least halves its loss (glmnet's stop rules, in decades). Checked against fits made
// here from the init, on the same problem and batch stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Problem, toDevice } from '../src/nn/problem.js';
import { Rng } from '../src/util/rng.js';
import type { Architecture } from '../src/nn/mlp.js';
import { initParameters } from '../src/nn/init.js';
import { StochasticCorrector, type StochasticCorrectorSettings } from '../src/path/stochastic-corrector.js';
import { continuationMethod, INITIAL_MAX_ANNEAL } from '../src/path/continuation.js';
import { denseWalkStep } from '../src/path/dense-walk.js';
import { checkPathOptions } from '../src/path/options.js';
import type { RawPoint } from '../src/path/types.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { backends } from './helpers/backends.js';
import { lassoFixture } from './helpers/lasso-fixture.js';

const fixture = lassoFixture;

const SEED = 1;
const POINTS = 6;

/** The path's initial point alone (a mini-batch path's lower-loss direction is that point). */
function pathStart(k: Kernels, problem: Problem, batch: number): { p: RawPoint; theta: Float32Array } {
  const points: Array<{ p: RawPoint; theta: Float32Array }> = [];
  const options = checkPathOptions({ points: POINTS, seed: SEED, batch, direction: 'denser' });
  continuationMethod.run({
    k, problem, options, penalised: problem.mlp.layout.weightCount, resume: null,
    sink: (p, theta) => points.push({ p, theta: Float32Array.from(theta) }),
    load: (i) => points[i]!.theta,
  });
  assert.equal(points.length, 1);
  return points[0]!;
}

/**
 * A fit from the init with the initial corrector's settings and batch stream (reseeded for point
 * 0): its λ and training loss.
 */
function fitFromInit(k: Kernels, problem: Problem, s: Partial<StochasticCorrectorSettings>): { lambda: number; loss: number; l1: number } {
  const options = checkPathOptions({ points: POINTS, seed: SEED, batch: 2 });
  const penalised = problem.mlp.layout.weightCount;
  const theta = k.alloc(problem.mlp.layout.size);
  initParameters(problem.mlp.layout, problem.arch.activation, SEED, theta);
  problem.reseed((SEED * 1000003) >>> 0);
  const r = new StochasticCorrector(k, problem, penalised).run(theta, {
    h: 1, maxSteps: options.maxCorrectorSteps * 5, tolerance: 1, lossScale: problem.nullLoss, l1Scale: 1, accelerate: true,
    restartBound: 'step', moveTolerance: options.tolerance * (1.6 / (POINTS - 1)) * 0.2, maxAnneal: INITIAL_MAX_ANNEAL, trend: true, ...s,
  });
  const out = { lambda: 1 / r.alpha - 1, loss: problem.evaluate(theta).loss, l1: k.l1Norm(penalised, theta) };
  k.free(theta);
  return out;
}

for (const k of backends()) {
  test(`[${k.name}] a mini-batch network's path starts where a decade lower λ stops lowering the training loss`, () => {
    const arch: Architecture = { layers: [fixture.p, 8, 1], activation: 'tanh', loss: 'mse' };
    const data = toDevice(k, Float32Array.from(fixture.X), Float32Array.from(fixture.y), fixture.n, fixture.p);
    const problem = new Problem(k, arch, data, null, 30, SEED);
    const L0 = problem.nullLoss;
    const start = pathStart(k, problem, 30);
    const first = fitFromInit(k, problem, { lambdaFactor: 0.1 });

    // walked: λ a whole number of decades (1 to 3) below the first fit's, with a lower loss
    const decades = Math.log10(first.lambda / start.p.lambda!);
    assert.ok(Math.abs(decades - Math.round(decades)) < 1e-6 && decades > 0.5 && decades < 3.5,
      `start λ ${start.p.lambda} vs first fit's ${first.lambda}`);
    assert.ok(start.p.trainLoss < first.loss - 1e-5 * L0, `start loss ${start.p.trainLoss} vs first fit's ${first.loss}`);
    assert.ok(start.p.l1 > first.l1, `start l1 ${start.p.l1} vs first fit's ${first.l1}`);
    // every decade walked at least halved the loss
    assert.ok(start.p.trainLoss <= first.loss * 0.5 ** Math.round(decades), `start loss ${start.p.trainLoss} after ${decades} decades from ${first.loss}`);
    // and stopped for a reason: glmnet's λ_min (three decades), 99.9 % of the null loss
    // explained (a regression target: no accuracy), or the next decade lowering the loss by less
    // than half or by less than 1e-5 of L_null
    if (Math.round(decades) < 3 && start.p.trainLoss > 1e-3 * L0) {
      const next = fitFromInit(k, problem, { lambda: start.p.lambda! / 10, stationarityReference: 1, trend: true });
      assert.ok(next.loss > start.p.trainLoss - 1e-5 * L0 || next.loss > 0.5 * start.p.trainLoss, `a decade lower: loss ${next.loss}`);
    }
  });

  test(`[${k.name}] a mini-batch classifier whose loss a decade lower falls by less than half starts at its first fit`, () => {
    // two overlapping classes with noisy labels: no fit gets every row right, and a smaller λ
    // buys little (Fashion-MNIST's MLP in small)
    const rows = 200;
    const x = new Float32Array(rows * 2);
    const y = new Float32Array(rows);
    // (on these rows the init's trade-off is positive: with Rng(4242) it was 0, so the "decade
    // lower" was the same problem and only a different stop rule told the two fits apart)
    const rng = new Rng(1);
    for (let i = 0; i < rows; i++) {
      const c = i % 2;
      y[i] = rng.uniform() < 0.2 ? 1 - c : c;
      x[2 * i] = (c ? 0.5 : -0.5) + (rng.uniform() - 0.5) * 2;
      x[2 * i + 1] = (rng.uniform() - 0.5) * 2;
    }
    const arch: Architecture = { layers: [2, 4, 2], activation: 'tanh', loss: 'cross-entropy' };
    const problem = new Problem(k, arch, toDevice(k, x, y, rows, 2), null, 50, SEED);
    const start = pathStart(k, problem, 50);
    const first = fitFromInit(k, problem, { lambdaFactor: 0.1 });
    assert.ok((start.p.trainAccuracy ?? 1) < 1, `train accuracy ${start.p.trainAccuracy}`);
    assert.ok(first.lambda > 0, `the first fit's λ ${first.lambda}`);
    assert.ok(Math.abs(start.p.lambda! - first.lambda) <= 1e-9 * first.lambda, `start λ ${start.p.lambda} vs first fit's ${first.lambda}`);
    assert.equal(start.p.trainLoss, first.loss);
    // the deviance-change rule alone would have walked on: a decade lower lowers the loss by more
    // than 1e-5·L_null, but by less than half
    const next = fitFromInit(k, problem, { lambda: first.lambda / 10, stationarityReference: 1, trend: true });
    assert.ok(next.loss < first.loss - 1e-5 * problem.nullLoss && next.loss > 0.5 * first.loss, `a decade lower: loss ${next.loss} vs ${first.loss}`);
  });

  test(`[${k.name}] a mini-batch classifier whose first fit gets every training row right starts there`, () => {
    // two well-separated classes: the fit at a tenth of the init's trade-off already separates them
    const rows = 60;
    const x = new Float32Array(rows * 2);
    const y = new Float32Array(rows);
    const rng = new Rng(12345);
    const noise = (): number => (rng.uniform() - 0.5) * 0.6;
    for (let i = 0; i < rows; i++) {
      y[i] = i % 2;
      x[2 * i] = (y[i] ? 1.5 : -1.5) + noise();
      x[2 * i + 1] = noise();
    }
    const arch: Architecture = { layers: [2, 8, 2], activation: 'tanh', loss: 'cross-entropy' };
    const problem = new Problem(k, arch, toDevice(k, x, y, rows, 2), null, 20, SEED);
    const start = pathStart(k, problem, 20);
    const first = fitFromInit(k, problem, { lambdaFactor: 0.1 });
    assert.equal(start.p.trainAccuracy, 1);
    assert.ok(Math.abs(start.p.lambda! - first.lambda) <= 1e-9 * first.lambda, `start λ ${start.p.lambda} vs first fit's ${first.lambda}`);
    assert.equal(start.p.trainLoss, first.loss);
    // the loss alone would have walked on: a decade lower still lowers it by far more than 1e-5·L_null
    const next = fitFromInit(k, problem, { lambda: first.lambda / 10, stationarityReference: 1, trend: true });
    assert.ok(next.loss < first.loss - 1e-3 * problem.nullLoss, `a decade lower: loss ${next.loss} vs ${first.loss}`);
    assert.ok(first.loss > 1e-3 * problem.nullLoss, `first fit's loss ${first.loss}`);
  });
}

test('the dense-end walk stops at a first fit that separates the training rows, but walks on from a lower fit that does while each decade halves the loss', () => {
  // the walk's decisions alone, on made-up fits: the LeNet-like net on MNIST in numbers (its first
  // fit 97.4 % right at loss 0.096, a decade lower all right at 0.0056, a decade below that 0.0010)
  const L0 = Math.log(10);
  const rules = { minLossChange: 1e-5, minLossFraction: 1e-3 };
  const fit = (loss: number, accuracy: number): RawPoint =>
    ({ index: 0, phase: 'initial', l1: 1, nonzeros: 1, trainLoss: loss * L0, trainAccuracy: accuracy, lambda: null, steps: 1, converged: true, seconds: 1 });
  const floor = 1e-6;

  // a first fit that gets every row right is the start, however much lower a decade would go
  const separated = fit(0.01, 1);
  assert.deepEqual(denseWalkStep(undefined, separated, 1e-2, floor, rules, L0), { start: separated, restore: false });

  const first = denseWalkStep(undefined, fit(0.04, 0.974), 1e-2, floor, rules, L0);
  assert.ok('next' in first && Math.abs(first.next - 1e-3) < 1e-15 && first.walk.floor === floor);
  // all rows right a decade lower, and the loss more than halved: on to the next decade
  const lower = fit(0.0025, 1);
  const second = denseWalkStep(first.walk, lower, 1e-3, 123, rules, L0);
  assert.ok('next' in second && Math.abs(second.next - 1e-4) < 1e-16 && second.walk.point === lower && second.walk.floor === floor, 'the first floor stays');
  // a decade that does not halve the loss is dropped: the start is the fit before, θ restored,
  // and its seconds are all three fits'
  assert.deepEqual(denseWalkStep(second.walk, fit(0.002, 1), 1e-4, floor, rules, L0), { start: lower, restore: true });
  assert.equal(lower.seconds, 3);
  // the walk stops at the floor (glmnet's λ_min) even while each decade still halves the loss
  const atFloor = denseWalkStep({ point: fit(0.04, 0.9), floor: 1e-3, seconds: 1 }, fit(0.01, 0.95), 5e-3, floor, rules, L0);
  assert.ok('start' in atFloor && !atFloor.restore && atFloor.start.trainLoss === 0.01 * L0);
});

test('the dense-end walk of a squared error also keeps a decade that explains 1 % more of the variance without halving the loss', () => {
  // Friedman #1 in numbers (losses as shares of the target's variance): 0.061 at the first fit,
  // 0.044 a decade lower (1.7 % more explained), then 0.0435 (0.05 %)
  const rules = { minLossChange: 1e-5, minLossFraction: 1e-3 };
  const fit = (loss: number): RawPoint => ({ index: 0, phase: 'initial', l1: 1, nonzeros: 1, trainLoss: loss, lambda: null, steps: 1, converged: true, seconds: 1 });
  const first = denseWalkStep(undefined, fit(0.061), 1e-2, 1e-6, rules, 1, true);
  assert.ok('next' in first);
  const lower = fit(0.044);
  const second = denseWalkStep(first.walk, lower, 1e-3, 1e-6, rules, 1, true);
  assert.ok('next' in second && second.walk.point === lower, 'the decade that explains 1.7 % more is kept');
  assert.deepEqual(denseWalkStep(second.walk, fit(0.0435), 1e-4, 1e-6, rules, 1, true), { start: lower, restore: true });
  // a classifier's decade is judged by the halving test alone: the same numbers stop at the first fit
  const cls = denseWalkStep(undefined, fit(0.061), 1e-2, 1e-6, rules, 1);
  assert.ok('next' in cls);
  assert.ok('start' in denseWalkStep(cls.walk, fit(0.044), 1e-3, 1e-6, rules, 1));
});
