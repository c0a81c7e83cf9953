import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mlp, rowsWithin, workspaceBytesPerRow, type Architecture } from '../src/nn/mlp.js';
import { Problem, toDevice } from '../src/nn/problem.js';
import { parseArch } from '../src/nn/architecture.js';
import { initParameters } from '../src/nn/init.js';
import { Rng } from '../src/util/rng.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { backends } from './helpers/backends.js';

/**
 * A model whose full-batch activations exceed its workspace cap evaluates its loss, accuracy and
 * full-batch gradient in row chunks, to the numbers of one pass over all rows; and the cap is
 * real: what the model allocates for its rows stays within it.
 */
const conv: Architecture = {
  layers: [8 * 8 * 2, 3], activation: 'relu', loss: 'cross-entropy', specs: parseArch('conv4k3,pool2,fc6'), inputShape: { h: 8, w: 8, c: 2 },
};
const mlp: Architecture = { layers: [10, 7, 5, 3], activation: 'tanh', loss: 'cross-entropy' };

/** Kernels that count the bytes allocated (the model's buffers), passing every call on. */
function counting(k: Kernels): { k: Kernels; bytes: () => number } {
  let bytes = 0;
  const c: Kernels = Object.create(k);
  c.alloc = (n) => ((bytes += 4 * n), k.alloc(n));
  c.allocInt = (n) => ((bytes += 4 * n), k.allocInt(n));
  return { k: c, bytes: () => bytes };
}

for (const k of backends()) {
  for (const [name, arch] of [['conv4k3,pool2,fc6', conv], ['mlp 10-7-5-3', mlp]] as const) {
    test(`[${k.name}] ${name}: chunked evaluation under a small workspace cap = one pass over all rows`, () => {
      const rows = 53, testRows = 29, d = arch.layers[0]!;
      const rng = new Rng(5);
      const data = (n: number) => {
        const x = new Float32Array(n * d).map(() => rng.normal());
        const y = new Float32Array(n).map(() => rng.int(3));
        return toDevice(k, x, y, n, d);
      };
      const train = data(rows), held = data(testRows);
      const cap = 7 * workspaceBytesPerRow(arch);
      assert.ok(rows * workspaceBytesPerRow(arch) > cap, 'the full batch does not fit the cap');
      const whole = new Problem(k, arch, train, held, rows, 1);
      const chunked = new Problem(k, arch, train, held, rows, 1, cap);
      assert.equal(whole.mlp.maxRows, rows);
      assert.equal(chunked.mlp.maxRows, 7);
      const theta = k.alloc(whole.mlp.layout.size);
      initParameters(whole.mlp.layout, arch.activation, 3, theta);
      for (let i = whole.mlp.layout.weightCount; i < theta.length; i++) theta[i] = 0.1 * rng.normal();

      for (const set of [train, held]) {
        const a = whole.evaluate(theta, set), b = chunked.evaluate(theta, set);
        assert.equal(b.accuracy, a.accuracy, 'accuracy');
        assert.ok(Math.abs(b.loss - a.loss) <= 1e-6 * a.loss, `loss ${b.loss} vs ${a.loss}`);
      }
      // the full-batch gradient through the training interface
      const ga = k.alloc(theta.length), gb = k.alloc(theta.length);
      const la = whole.lossAndGradient(theta, whole.nextBatch(), ga);
      const lb = chunked.lossAndGradient(theta, chunked.nextBatch(), gb);
      assert.ok(Math.abs(lb - la) <= 1e-6 * la, `loss ${lb} vs ${la}`);
      let scale = 0;
      for (const g of ga) scale = Math.max(scale, Math.abs(g));
      for (let i = 0; i < ga.length; i++) assert.ok(Math.abs(gb[i]! - ga[i]!) <= 1e-5 * scale, `gradient ${i}: ${gb[i]} vs ${ga[i]}`);
    });
  }

  test(`[${k.name}] a model's row buffers stay within its workspace estimate`, () => {
    for (const arch of [conv, mlp]) {
      // from 1,000 rows on the conv scratch has reached its block size: what grows is the row buffers
      const base = counting(k);
      new Mlp(base.k, arch, 1000);
      const c = counting(k);
      new Mlp(c.k, arch, 2000);
      // (the saved-product slots of the input Dense layer are allocated on first use; 4 KB for the conv
      // scratch's last growth)
      const grown = c.bytes() - base.bytes();
      assert.ok(grown > 0.6 * 1000 * workspaceBytesPerRow(arch) && grown <= 1000 * workspaceBytesPerRow(arch) + 4096, `${grown} bytes for 1000 more rows`);
      assert.equal(rowsWithin(arch, 10 * workspaceBytesPerRow(arch) + 1), 10);
      assert.equal(rowsWithin(arch, 1), 1);
    }
  });
}
