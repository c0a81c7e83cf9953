import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Adam, Proximal, Sgd } from '../src/optim/optimizer.js';
import { Rng } from '../src/util/rng.js';
import { backends } from './helpers/backends.js';
import { solveLasso } from './reference/lasso.js';

for (const k of backends()) {
  test(`[${k.name}] SGD with momentum and Adam follow their update rules`, () => {
    const rng = new Rng(1);
    const n = 37;
    const x = k.alloc(n), g = k.alloc(n);
    for (let i = 0; i < n; i++) x[i] = rng.normal();
    const ref = Float64Array.from(x);
    const v = new Float64Array(n);
    const sgd = new Sgd(k, n, 0.1, 0.9);
    for (let t = 0; t < 5; t++) {
      for (let i = 0; i < n; i++) g[i] = rng.normal();
      sgd.step(x, g);
      for (let i = 0; i < n; i++) {
        v[i] = 0.9 * v[i]! + g[i]!;
        ref[i] = ref[i]! - 0.1 * v[i]!;
      }
    }
    for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i]! - ref[i]!) < 1e-5, `sgd ${i}`);

    const adam = new Adam(k, n, 0.01);
    const m = new Float64Array(n), s = new Float64Array(n);
    ref.set(x);
    for (let t = 1; t <= 5; t++) {
      for (let i = 0; i < n; i++) g[i] = rng.normal();
      adam.step(x, g);
      for (let i = 0; i < n; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        s[i] = 0.999 * s[i]! + 0.001 * g[i]! * g[i]!;
        ref[i] = ref[i]! - (0.01 * m[i]! / (1 - 0.9 ** t)) / (Math.sqrt(s[i]! / (1 - 0.999 ** t)) + 1e-8);
      }
    }
    for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i]! - ref[i]!) < 1e-5, `adam ${i}`);
  });

  for (const momentum of [0, 0.9]) test(`[${k.name}] proximal gradient (momentum ${momentum}) converges to the exact lasso solution with exact zeros`, () => {
    // least squares (1/n)‖y - Xw‖² + λ‖w‖₁, no intercept in the data (centred), p = 8
    const rng = new Rng(2);
    const n = 80, p = 8;
    const X = new Float64Array(n * p), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) X[i * p + j] = rng.normal();
      y[i] = 2 * X[i * p]! - X[i * p + 1]! + 0.5 * rng.normal();
    }
    const lambda = 0.3;
    const exact = solveLasso(X, y, n, p, 'regression', lambda);
    // θ = [w (p), b]; gradient of the MSE by hand
    const theta = k.alloc(p + 1), grad = k.alloc(p + 1);
    const opt = new Proximal(k, new Sgd(k, p + 1, 0.05, momentum), p, lambda);
    for (let it = 0; it < 3000; it++) {
      grad.fill(0);
      for (let i = 0; i < n; i++) {
        let r = theta[p]!;
        for (let j = 0; j < p; j++) r += X[i * p + j]! * theta[j]!;
        r -= y[i]!;
        for (let j = 0; j < p; j++) grad[j]! += (2 * r * X[i * p + j]!) / n;
        grad[p]! += (2 * r) / n;
      }
      opt.step(theta, grad);
    }
    for (let j = 0; j < p; j++) {
      assert.ok(Math.abs(theta[j]! - exact.W[j]!) < 1e-4, `w${j}: ${theta[j]} vs ${exact.W[j]}`);
      if (exact.W[j] === 0) assert.equal(theta[j], 0, `w${j} must be exactly zero`);
    }
  });
}
