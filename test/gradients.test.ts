import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mlp, type Architecture } from '../src/nn/mlp.js';
import { initParameters } from '../src/nn/init.js';
import { Rng } from '../src/util/rng.js';
import { backends } from './helpers/backends.js';
import type { ActName } from '../src/kernels/kernels.js';

/**
 * Every layer and loss: the back-propagated gradient agrees with central finite differences.
 * Float32 storage limits the agreement to ~1e-3 relative, far below what a wrong derivative gives.
 */
const cases: Array<{ layers: number[]; act: ActName; loss: Architecture['loss'] }> = [
  { layers: [5, 7, 3], act: 'relu', loss: 'cross-entropy' },
  { layers: [4, 6, 5, 3], act: 'tanh', loss: 'cross-entropy' },
  { layers: [3, 4, 2], act: 'sigmoid', loss: 'cross-entropy' },
  { layers: [6, 5, 1], act: 'identity', loss: 'mse' },
  { layers: [4, 8, 3, 1], act: 'tanh', loss: 'mse' },
  { layers: [4, 3], act: 'relu', loss: 'cross-entropy' }, // linear (softmax regression)
  { layers: [7, 1], act: 'relu', loss: 'mse' }, // linear regression
];

for (const k of backends()) {
  for (const c of cases) {
    test(`[${k.name}] gradient of ${c.layers.join('-')} ${c.act} ${c.loss} matches finite differences`, () => {
      const rows = 9;
      const rng = new Rng(42);
      const arch: Architecture = { layers: c.layers, activation: c.act, loss: c.loss };
      const mlp = new Mlp(k, arch, rows);
      const n = mlp.layout.size;
      const theta = k.alloc(n);
      initParameters(mlp.layout, c.act, 7, theta);
      // non-zero biases so that every bias path is exercised
      for (let i = mlp.layout.weightCount; i < n; i++) theta[i] = 0.3 * rng.normal();
      const d = c.layers[0]!;
      const out = c.layers[c.layers.length - 1]!;
      const x = k.alloc(rows * d);
      for (let i = 0; i < x.length; i++) x[i] = rng.normal();
      const y = k.alloc(rows);
      for (let i = 0; i < rows; i++) y[i] = c.loss === 'cross-entropy' ? rng.int(out) : rng.normal();
      const grad = k.alloc(n);
      mlp.lossAndGradient(theta, x, y, rows, grad);
      const g = Float64Array.from(grad);
      for (let i = 0; i < n; i++) {
        const eps = (c.act === 'relu' ? 2e-3 : 1e-2) * Math.max(1, Math.abs(theta[i]!));
        const keep = theta[i]!;
        theta[i] = keep + eps;
        const up = mlp.lossAndGradient(theta, x, y, rows, null).loss;
        theta[i] = keep - eps;
        const down = mlp.lossAndGradient(theta, x, y, rows, null).loss;
        theta[i] = keep;
        const fd = (up - down) / (2 * eps);
        const tol = 2e-3 + 2e-2 * Math.abs(fd);
        assert.ok(Math.abs(g[i]! - fd) <= tol, `param ${i}: backprop ${g[i]} vs finite difference ${fd}`);
      }
    });
  }
}
