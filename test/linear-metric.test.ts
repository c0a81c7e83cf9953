// A linear model's corrector in glmnet's coordinates (src/path/linear-metric.ts): the same step as
// the Euclidean MPG step on centred unit-variance data, a projection that lands on the l1 sphere,
// and on diabetes with raw target and features the exact lasso solution at glmnet's end in a
// fraction of the steps the Euclidean corrector needs (about 10,000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Problem, toDevice } from '../src/nn/problem.js';
import type { Architecture } from '../src/nn/mlp.js';
import { Corrector, type CorrectorSettings } from '../src/path/corrector.js';
import { LinearMetric, l1BallGap, linearMetric } from '../src/path/linear-metric.js';
import { projectOntoL1Ball } from '../src/optim/l1-ball.js';
import { MpgSolver } from '../src/optim/mpg.js';
import { lambdaMax as pathLambdaMax } from '../src/path/lambda-max.js';
import { loadDataset } from '../src/data/index.js';
import { Rng } from '../src/util/rng.js';
import { solveLasso, lambdaMax } from './reference/lasso.js';
import { backends } from './helpers/backends.js';

const here = path.dirname(fileURLToPath(import.meta.url));

for (const k of backends()) {
  test(`[${k.name}] unit scales and zero means give the Euclidean MPG step; the projection lands on the l1 sphere`, () => {
    const rng = new Rng(3);
    const features = 4, outputs = 3, n = features * outputs + outputs, p = features * outputs;
    const theta = k.alloc(n), g = k.alloc(n), a = k.alloc(n), b = k.alloc(n);
    for (let i = 0; i < n; i++) {
      theta[i] = rng.normal();
      g[i] = rng.normal();
    }
    const metric = new LinearMetric(k, new Float64Array(features).fill(1), new Float64Array(features), outputs, p);
    const plain = new MpgSolver(k);
    for (const h of [0.05, 0.5]) {
      const ra = metric.step(theta, g, p, h, a);
      const rb = plain.step(theta, g, p, h, b);
      assert.ok(Math.abs(ra.alpha - rb.alpha) < 1e-5, `α* ${ra.alpha} vs ${rb.alpha}`);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `y[${i}] ${a[i]} vs ${b[i]}`);
      assert.ok(Math.abs(ra.stepNormSq - rb.stepNormSq) < 1e-5 * rb.stepNormSq);
    }
    // scaled, centred: the projection keeps the centred intercepts and reaches the radius
    const scale = Float64Array.from([0.05, 2, 1, 0.3]), mean = Float64Array.from([1, -2, 0, 5]);
    const m = new LinearMetric(k, scale, mean, outputs, p);
    a.set(theta);
    const radius = 0.5 * k.l1Norm(p, theta);
    m.projectOntoL1Ball(a, p, radius);
    assert.ok(Math.abs(k.l1Norm(p, a) - radius) < 1e-4 * radius, `l1 ${k.l1Norm(p, a)} vs ${radius}`);
    for (let o = 0; o < outputs; o++) {
      const centred = (t: Float32Array): number => t[p + o]! + [...mean].reduce((s, mj, j) => s + mj * t[j * outputs + o]!, 0);
      assert.ok(Math.abs(centred(a) - centred(theta)) < 1e-4, `centred intercept ${o}`);
    }
    // the metric's distance: the weights' scaled squares plus the centred intercepts' squares
    b.set(theta);
    b[0]! += 1;
    assert.ok(Math.abs(m.distanceSquared(b, theta) - (0.05 ** 2 + mean[0]! ** 2)) < 1e-6);
  });

  test(`[${k.name}] diabetes, raw target and features: glmnet's end to the exact lasso solution in ≤ 500 steps, where the Euclidean corrector is not there after 5,000`, () => {
    const ds = loadDataset(path.join(here, '..', '..', 'bench', 'data', 'diabetes.csv'), { task: 'regression' });
    const arch: Architecture = { layers: [ds.features, 1], activation: 'relu', loss: 'mse' };
    const problem = new Problem(k, arch, toDevice(k, ds.x, ds.y, ds.rows, ds.features), null, ds.rows, 1);
    const p = problem.mlp.layout.weightCount;
    const lambda = 1e-4 * pathLambdaMax(problem, p);
    const X = Float64Array.from(ds.x), y = Float64Array.from(ds.y);
    assert.ok(Math.abs(lambda / (1e-4 * lambdaMax(X, y, ds.rows, ds.features, 'regression')) - 1) < 1e-4);
    const exact = solveLasso(X, y, ds.rows, ds.features, 'regression', lambda);
    const settings: CorrectorSettings = {
      h: 1, maxSteps: 5000, tolerance: 1e-5, moveTolerance: 0, lossScale: problem.nullLoss, l1Scale: 1,
      accelerate: true, restartBound: 'step', fixedAlpha: 1 / (1 + lambda), stop: 'stationarity',
    };
    const solve = (metric: LinearMetric | null): { steps: number; converged: boolean; excess: number } => {
      const theta = k.alloc(problem.mlp.layout.size);
      const r = new Corrector(k, problem, p, metric ?? undefined).run(theta, settings);
      const objective = problem.evaluate(theta).loss + lambda * k.l1Norm(p, theta);
      return { steps: r.steps, converged: r.converged, excess: (objective - (exact.loss + lambda * exact.l1)) / (problem.nullLoss - exact.loss) };
    };
    const pre = solve(linearMetric(problem, p));
    const plain = solve(null);
    assert.ok(pre.converged, 'converged in the metric');
    assert.ok(Math.abs(pre.excess) < 1e-5, `objective ${pre.excess} of the loss range off the exact lasso solution`);
    // 227 (js) and 242 (wasm) steps; the Euclidean corrector on the same problem needs about 10,000
    assert.ok(pre.steps <= 500, `${pre.steps} steps in the metric`);
    assert.ok(!plain.converged && plain.steps === settings.maxSteps, `Euclidean: ${plain.steps} steps, converged ${plain.converged}`);
  });

  test(`[${k.name}] the Frank–Wolfe gap bounds the loss excess on the l1 ball and vanishes at its minimiser`, () => {
    // L(w) = ½‖w − c‖²: its minimiser on the ball ‖w‖₁ ≤ r is the projection of c
    const rng = new Rng(7);
    const n = 12;
    const c = k.alloc(n), best = k.alloc(n), z = k.alloc(n), g = k.alloc(n);
    for (let i = 0; i < n; i++) c[i] = rng.normal();
    const r = 0.4 * k.l1Norm(n, c);
    best.set(c);
    projectOntoL1Ball(k, best, n, r);
    const loss = (w: Float32Array): number => 0.5 * w.reduce((s, x, i) => s + (x - c[i]!) ** 2, 0);
    for (let i = 0; i < n; i++) g[i] = best[i]! - c[i]!;
    assert.ok(Math.abs(l1BallGap(g, best, n)) < 1e-5, `gap at the minimiser ${l1BallGap(g, best, n)}`);
    for (let t = 0; t < 20; t++) {
      for (let i = 0; i < n; i++) z[i] = rng.normal();
      const scale = r / k.l1Norm(n, z);
      for (let i = 0; i < n; i++) {
        z[i]! *= scale;
        g[i] = z[i]! - c[i]!;
      }
      const excess = loss(z) - loss(best);
      assert.ok(excess > 0 && l1BallGap(g, z, n) >= excess - 1e-5, `gap ${l1BallGap(g, z, n)} vs excess ${excess}`);
    }
  });
}
