// The corrector's guarantees with momentum kept ('project' restart bound): the corrected point is no
// denser than where it started and, in full-batch mode, its loss is no higher — also on a badly
// scaled regression (targets in the hundreds) where momentum used to carry a 2-layer ReLU net
// into the all-zero network, which is Pareto-critical for every deep net.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initParameters } from '../src/nn/init.js';
import { Problem, toDevice } from '../src/nn/problem.js';
import type { Architecture } from '../src/nn/mlp.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { Corrector, type CorrectorSettings } from '../src/path/corrector.js';
import { Adam } from '../src/optim/optimizer.js';
import { Rng } from '../src/util/rng.js';
import { shrinkPredictor } from '../src/path/predictors.js';
import { loadDataset } from '../src/data/load.js';
import { applyStandardizer, fitStandardizer } from '../src/data/standardize.js';
import { backends } from './helpers/backends.js';
import { assertAtLassoPoint, lassoFixture, lassoProblem } from './helpers/lasso-fixture.js';

function regressionProblem(k: ReturnType<typeof backends>[number], rows: number, seed: number): Problem {
  const rng = new Rng(seed);
  const d = 3;
  const x = new Float32Array(rows * d);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = rng.normal();
    // unstandardised target: mean ~300, spread ~100 (the L_null ≈ 10⁴ regime)
    y[i] = 300 + 80 * x[i * d]! - 40 * x[i * d + 1]! + 5 * rng.normal();
  }
  const arch: Architecture = { layers: [d, 3, 1], activation: 'relu', loss: 'mse' };
  return new Problem(k, arch, toDevice(k, x, y, rows, d), null, rows, seed);
}

/**
 * A good fit of a problem: `steps` Adam steps at `lr` from the ReLU init seeded by `seed` (the
 * regression problem's defaults: 3,000 steps at lr 0.05 from seed 101).
 */
function adamFit(k: Kernels, problem: Problem, seed = 101, lr = 0.05, steps = 3000): Float32Array {
  const layout = problem.mlp.layout;
  const fit = k.alloc(layout.size);
  const grad = k.alloc(layout.size);
  initParameters(layout, 'relu', seed, fit);
  const adam = new Adam(k, layout.size, lr);
  for (let s = 0; s < steps; s++) {
    problem.lossAndGradient(fit, problem.nextBatch(), grad);
    adam.step(fit, grad);
  }
  return fit;
}

for (const k of backends()) {
  test(`[${k.name}] a corrector with momentum ('project' bound) never ends denser or with a higher loss than it started`, () => {
    const problem = regressionProblem(k, 64, 4);
    const layout = problem.mlp.layout;
    // a good fit, then its weights scaled down: predicted points between the fit and w = 0
    const fit = adamFit(k, problem);
    assert.ok(problem.evaluate(fit).loss < 0.01 * problem.nullLoss, 'the fit itself');
    const settings: CorrectorSettings = {
      h: 1, maxSteps: 400, tolerance: 1e-4, moveTolerance: 1e-4, lossScale: problem.nullLoss, l1Scale: 10,
      accelerate: true, restartBound: 'project',
    };
    const theta = k.alloc(layout.size);
    for (const scale of [0.3, 0.5, 0.7]) {
      theta.set(fit);
      for (let i = 0; i < layout.weightCount; i++) theta[i]! *= scale;
      const l1Before = k.l1Norm(layout.weightCount, theta);
      const lossBefore = problem.evaluate(theta).loss;
      const r = new Corrector(k, problem, layout.weightCount).run(theta, settings);
      const l1After = k.l1Norm(layout.weightCount, theta);
      const lossAfter = problem.evaluate(theta).loss;
      const at = `scale ${scale}: l1 ${l1Before} → ${l1After}, loss ${lossBefore} → ${lossAfter} in ${r.steps} steps`;
      assert.ok(l1After <= l1Before * (1 + 1e-6), at);
      assert.ok(l1After > 0, `${at}: collapsed to the all-zero network`);
      // the backtracking test's float32 slack (1e-5·|L| per step) is all the loss may gain;
      // without the function-value restart the net runs into w = 0 (loss ~ L_null) instead
      assert.ok(lossAfter <= lossBefore * (1 + settings.maxSteps * 1e-5), at);
    }
  });
}

for (const k of backends()) {
  test(`[${k.name}] heavy-ball steps keep the corrector's guarantees and take one forward pass per step (the line search's, reused for the gradient)`, () => {
    const problem = regressionProblem(k, 64, 4);
    const layout = problem.mlp.layout;
    const fit = adamFit(k, problem);
    // forward passes of the gradient calls: a call that reuses the kept forward pass runs none
    let gradientCalls = 0, ownForward = 0;
    const lossAndGradient = problem.lossAndGradient.bind(problem);
    problem.lossAndGradient = (...args: Parameters<Problem['lossAndGradient']>) => {
      if (args[2]) {
        gradientCalls++;
        if (!args[3]) ownForward++;
      }
      return lossAndGradient(...args);
    };
    const theta = k.alloc(layout.size);
    for (const heavyBall of [undefined, 0.9]) {
      for (const scale of [0.3, 0.5, 0.7]) {
        theta.set(fit);
        for (let i = 0; i < layout.weightCount; i++) theta[i]! *= scale;
        const l1Before = k.l1Norm(layout.weightCount, theta);
        const lossBefore = problem.evaluate(theta).loss;
        gradientCalls = ownForward = 0;
        const r = new Corrector(k, problem, layout.weightCount).run(theta, {
          h: 1, maxSteps: 400, tolerance: 1e-4, moveTolerance: 1e-4, lossScale: problem.nullLoss, l1Scale: 10,
          accelerate: true, restartBound: 'project', ...(heavyBall !== undefined && { heavyBall }),
        });
        const l1After = k.l1Norm(layout.weightCount, theta);
        const lossAfter = problem.evaluate(theta).loss;
        const at = `β ${heavyBall}, scale ${scale}: l1 ${l1Before} → ${l1After}, loss ${lossBefore} → ${lossAfter} in ${r.steps} steps, ${ownForward} of ${gradientCalls} gradients with their own forward pass`;
        assert.ok(r.steps >= 20, at);
        assert.ok(l1After <= l1Before * (1 + 1e-6) && l1After > 0, at);
        assert.ok(lossAfter <= lossBefore * (1 + 400 * 1e-5), at);
        if (heavyBall === undefined) assert.ok(ownForward >= 0.5 * gradientCalls, at);
        // only the first step's: later gradients are at the last accepted candidate, whose
        // forward pass the line search left, or (after a function-value restart) still in place
        else assert.equal(ownForward, 1, at);
      }
    }
  });
}

for (const k of backends()) {
  test(`[${k.name}] a full-batch corrector's progress test takes θ's loss from its own steps (no forward pass of its own), also at a fixed α`, () => {
    const problem = regressionProblem(k, 64, 5);
    const layout = problem.mlp.layout;
    const theta = k.alloc(layout.size);
    let evaluations = 0;
    const evaluate = problem.evaluate.bind(problem);
    problem.evaluate = (...args: Parameters<Problem['evaluate']>) => {
      evaluations++;
      return evaluate(...args);
    };
    for (const fixedAlpha of [undefined, 0.9]) {
      initParameters(layout, 'relu', 7, theta);
      evaluations = 0;
      const r = new Corrector(k, problem, layout.weightCount).run(theta, {
        h: 1, maxSteps: 2000, tolerance: 1e-3, moveTolerance: 1e-3, lossScale: problem.nullLoss, l1Scale: 10,
        accelerate: true, restartBound: 'project', stop: 'move', ...(fixedAlpha !== undefined && { fixedAlpha }),
      });
      // the progress test ran (checks every 5 steps, at least three) and ended the corrector
      assert.ok(r.steps >= 15 && r.steps < 2000, `α ${fixedAlpha}: ${r.steps} steps`);
      assert.equal(evaluations, 0, `α ${fixedAlpha}: forward passes of θ outside the corrector's steps`);
    }
  });

  test(`[${k.name}] a fixed-α corrector with minL1 stops at its first step below it, on the same trajectory as the full run`, () => {
    const problem = regressionProblem(k, 64, 4);
    const layout = problem.mlp.layout;
    const p = layout.weightCount;
    const fit = adamFit(k, problem);
    const l1Fit = k.l1Norm(p, fit);
    // a λ far beyond the fit's: the run slides towards much smaller l1
    const settings: CorrectorSettings = {
      h: 1, maxSteps: 3000, tolerance: 1e-4, moveTolerance: 1e-5, lossScale: problem.nullLoss, l1Scale: l1Fit,
      accelerate: true, restartBound: 'project', stop: 'move', fixedAlpha: 1 / (1 + 0.05 * problem.nullLoss),
    };
    const full = k.alloc(layout.size);
    full.set(fit);
    const all = new Corrector(k, problem, p).run(full, settings);
    const l1End = k.l1Norm(p, full);
    assert.ok(l1End < 0.6 * l1Fit, `the full run ends at l1 ${l1End} of ${l1Fit}`);
    const minL1 = 0.5 * (l1Fit + l1End);
    const cut = k.alloc(layout.size);
    cut.set(fit);
    const r = new Corrector(k, problem, p).run(cut, { ...settings, minL1 });
    const l1Cut = k.l1Norm(p, cut);
    assert.ok(l1Cut < minL1, `stopped at l1 ${l1Cut}, above ${minL1}`);
    assert.equal(r.converged, false);
    assert.ok(r.steps < all.steps, `${r.steps} steps against the full run's ${all.steps}`);
    // the steps before it are the full run's: one step fewer ends above minL1
    const before = k.alloc(layout.size);
    before.set(fit);
    new Corrector(k, problem, p).run(before, { ...settings, maxSteps: r.steps - 1 });
    assert.ok(k.l1Norm(p, before) >= minL1, `the step before is at l1 ${k.l1Norm(p, before)}`);
  });

  test(`[${k.name}] a kept forward pass gives the same loss and gradient as a fresh one, and is never reused twice`, () => {
    const problem = regressionProblem(k, 40, 6);
    const layout = problem.mlp.layout;
    const theta = k.alloc(layout.size);
    const other = k.alloc(layout.size);
    initParameters(layout, 'relu', 3, theta);
    initParameters(layout, 'relu', 4, other);
    const batch = problem.nextBatch();
    const fresh = k.alloc(layout.size);
    const lossFresh = problem.lossAndGradient(theta, batch, fresh);
    // loss-only call, then the gradient from the kept forward pass
    const lossOnly = problem.lossAndGradient(theta, batch, null);
    const reused = k.alloc(layout.size);
    const lossReused = problem.lossAndGradient(theta, batch, reused, true);
    assert.equal(lossOnly, lossFresh);
    assert.equal(lossReused, lossFresh);
    assert.deepEqual(Array.from(reused), Array.from(fresh));
    // after a backward pass nothing is kept: the flag falls back to a full pass (here at another θ)
    const again = k.alloc(layout.size);
    const expected = k.alloc(layout.size);
    const lossOther = problem.lossAndGradient(other, batch, expected);
    assert.equal(problem.lossAndGradient(other, batch, again, true), lossOther);
    assert.deepEqual(Array.from(again), Array.from(expected));
  });
}

for (const k of backends()) {
  test(`[${k.name}] riding the l1 bound, the projected momentum reaches a lower loss than the reference restart rule in the same steps`, () => {
    // Iris with a 4-16-16-3 ReLU net: a near-perfect fit, shrunk to 40 % of its l1 as the sparser
    // predictor does, then 100 corrector steps under each rule (no early stop)
    const raw = loadDataset('iris');
    const ds = applyStandardizer(raw, fitStandardizer(raw));
    const problem = new Problem(k, { layers: [4, 16, 16, 3], activation: 'relu', loss: 'cross-entropy' }, toDevice(k, ds.x, ds.y, ds.rows, 4), null, ds.rows, 1);
    const layout = problem.mlp.layout;
    const fit = adamFit(k, problem, 3, 0.01, 1500);
    const l1Fit = k.l1Norm(layout.weightCount, fit);
    const losses: Record<string, number> = {};
    for (const restartBound of ['step', 'project'] as const) {
      const theta = k.alloc(layout.size);
      theta.set(fit);
      shrinkPredictor(k, theta, layout.weightCount, 0.6 * l1Fit);
      const l1Before = k.l1Norm(layout.weightCount, theta);
      new Corrector(k, problem, layout.weightCount).run(theta, {
        h: 1, maxSteps: 100, tolerance: 1e-30, moveTolerance: 0, lossScale: problem.nullLoss, l1Scale: l1Fit, accelerate: true, restartBound,
      });
      assert.ok(k.l1Norm(layout.weightCount, theta) <= l1Before * (1 + 1e-6), `${restartBound}: no denser`);
      losses[restartBound] = problem.evaluate(theta).loss;
    }
    // measured: 0.017 against 0.048
    assert.ok(losses['project']! < 0.6 * losses['step']!, `project ${losses['project']} vs step ${losses['step']}`);
  });
}

for (const k of backends()) {
  test(`[${k.name}] from a random init (a full-batch network's initial corrector) the projected momentum ends no denser, not at w = 0 and lower than the reference rule`, () => {
    // Iris with a 4-16-16-3 ReLU and a 4-4-4-3 tanh net, each from several random inits, under the
    // full-batch initial corrector's rule and, for comparison, the reference rule
    const raw = loadDataset('iris');
    const ds = applyStandardizer(raw, fitStandardizer(raw));
    for (const [layers, activation] of [[[4, 16, 16, 3], 'relu'], [[4, 4, 4, 3], 'tanh']] as const) {
      const problem = new Problem(k, { layers: [...layers], activation, loss: 'cross-entropy' }, toDevice(k, ds.x, ds.y, ds.rows, 4), null, ds.rows, 1);
      const layout = problem.mlp.layout;
      const theta = k.alloc(layout.size);
      for (const seed of [1, 2, 3]) {
        const loss: Record<string, number> = {};
        for (const restartBound of ['step', 'project'] as const) {
          initParameters(layout, activation, seed, theta);
          const l1Before = k.l1Norm(layout.weightCount, theta);
          const lossBefore = problem.evaluate(theta).loss;
          const r = new Corrector(k, problem, layout.weightCount).run(theta, {
            h: 1, maxSteps: 2000, tolerance: 1e-3, moveTolerance: 1e-4, lossScale: problem.nullLoss, l1Scale: l1Before,
            accelerate: true, restartBound, stop: 'move', measureStationarity: true,
          });
          const l1After = k.l1Norm(layout.weightCount, theta);
          loss[restartBound] = problem.evaluate(theta).loss;
          const at = `${layers.join('-')} ${activation} seed ${seed}, ${restartBound}: l1 ${l1Before} → ${l1After}, loss ${lossBefore} → ${loss[restartBound]} in ${r.steps} steps`;
          assert.ok(l1After > 0.1 * l1Before, `${at}: collapsed towards w = 0`);
          assert.ok(l1After <= l1Before * (1 + 1e-6), `${at}: denser`);
          assert.ok(loss[restartBound]! < 0.5 * lossBefore, `${at}: the loss did not fall`);
        }
        // measured: lower in all six cases (0.0105 against 0.0368 at best, 0.0353 against 0.0357 at worst)
        assert.ok(loss['project']! <= loss['step']!, `${layers.join('-')} seed ${seed}: project ${loss['project']} vs step ${loss['step']}`);
      }
      k.free(theta);
    }
  });
}

for (const k of backends()) {
  test(`[${k.name}] full batch, within an l1 ball (the ε-constraint problem): the corrector reaches the exact lasso path's loss at that l1 and reads its λ off the MPG step`, () => {
    // for a convex loss min L over ‖w‖₁ ≤ τ is the lasso solution whose l1 is τ: warm-started along
    // the path from the dense end, as the sparser branch goes
    const problem = lassoProblem(k, lassoFixture.n);
    const theta = k.alloc(problem.mlp.layout.size);
    const corrector = new Corrector(k, problem, problem.mlp.layout.weightCount);
    let h = 1;
    for (const point of [...lassoFixture.path].reverse()) {
      const r = corrector.run(theta, {
        h, maxSteps: 5000, tolerance: 1e-4, moveTolerance: 1e-9, lossScale: lassoFixture.path[0]!.loss, l1Scale: 1, accelerate: true,
        restartBound: 'project', stop: 'stationarity', l1Bound: point.l1,
      });
      h = r.h;
      assertAtLassoPoint(k, problem, theta, point, r, 1e-4, 0.05);
    }
  });
}
