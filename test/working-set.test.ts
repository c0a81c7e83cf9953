// The settling run's working set (src/path/working-set.ts): the row rule, per-row losses that
// average to the problem's loss, a problem restricted to some rows whose loss and gradient are
// those rows' share of the whole, and a path that reports the rows its settling run began on.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsKernels, createWasmKernels, type Kernels } from '../src/kernels/index.js';
import { initParameters } from '../src/nn/init.js';
import { Problem, toDevice } from '../src/nn/problem.js';
import type { Architecture } from '../src/nn/mlp.js';
import { Rng } from '../src/util/rng.js';
import { workingSetRows } from '../src/path/working-set.js';
import { computePath } from '../src/path/compute-path.js';

const wasm2 = createWasmKernels({ threads: 2 });
after(() => wasm2.close());

test('working set: the rows whose loss is above the share of the mean loss, in row order; all rows when no row has a loss', () => {
  // mean 0.251, so 1 % of it is 0.00251: row 2 (0.002) is left out, row 5 (0.004) kept
  const losses = Float64Array.from([1e-7, 0.5, 0.002, 0, 1.0, 0.004]);
  assert.deepEqual([...workingSetRows(losses, 0.01)], [1, 4, 5]);
  assert.deepEqual([...workingSetRows(losses, 0)], [0, 1, 2, 4, 5]);
  assert.deepEqual([...workingSetRows(new Float64Array(4), 0.01)], [0, 1, 2, 3]);
});

for (const k of [createJsKernels(), createWasmKernels({ threads: 1 }), wasm2] as Kernels[]) {
  test(`[${k.name}${'threads' in k ? ` ${String(k.threads)}t` : ''}] row losses average to the loss; a problem on some rows has their mean loss, and the two halves' gradients weighted by their rows make the whole`, () => {
    const rng = new Rng(5);
    const rows = 240, d = 40;
    // image-like inputs (mostly zeros), so the sparse first-layer form is in use
    const x = Float32Array.from({ length: rows * d }, () => (rng.uniform() < 0.25 ? rng.normal() : 0));
    const y = Float32Array.from({ length: rows }, () => rng.int(3));
    const arch: Architecture = { layers: [d, 7, 3], activation: 'relu', loss: 'cross-entropy' };
    const problem = new Problem(k, arch, toDevice(k, x, y, rows, d), null, rows, 1);
    assert.ok(problem.sparseDensity !== null, 'sparse form in use');
    const theta = k.alloc(problem.mlp.layout.size);
    initParameters(problem.mlp.layout, 'relu', 3, theta);
    const losses = problem.rowLosses(theta);
    const mean = losses.reduce((a, b) => a + b, 0) / rows;
    const whole = k.alloc(theta.length);
    const loss = problem.evaluate(theta, problem.train, whole).loss;
    assert.ok(Math.abs(mean - loss) <= 1e-5 * loss, `mean row loss ${mean} vs loss ${loss}`);
    // split at the mean loss: the rows above it and the rest
    const rule = workingSetRows(losses, 1);
    const rest = Int32Array.from({ length: rows }, (_, i) => i).filter((i) => !rule.includes(i));
    assert.ok(rule.length > 0 && rest.length > 0);
    const parts = [rule, rest].map((r) => {
      const sub = problem.restrictedTo(r);
      assert.equal(sub.train.rows, r.length);
      assert.ok(sub.fullBatch);
      const g = k.alloc(theta.length);
      const l = sub.evaluate(theta, sub.train, g).loss;
      const expected = Array.from(r, (i) => losses[i]!).reduce((a, b) => a + b, 0) / r.length;
      assert.ok(Math.abs(l - expected) <= 1e-5 * expected, `loss on ${r.length} rows ${l} vs ${expected}`);
      return { g, share: r.length / rows };
    });
    const scale = Math.max(...Array.from(whole, Math.abs));
    for (let i = 0; i < whole.length; i++) {
      const combined = parts[0]!.share * parts[0]!.g[i]! + parts[1]!.share * parts[1]!.g[i]!;
      assert.ok(Math.abs(combined - whole[i]!) <= 1e-5 * scale, `gradient[${i}]: ${combined} vs ${whole[i]}`);
    }
  });
}

test('a classification network\'s initial point reports the rows its settling run began on; a linear model\'s has none', async () => {
  // wine with 8 ReLU units fits most of its 142 training rows at the front's dense end
  const net = await computePath({ data: 'bench/data/wine.csv', hidden: [8], points: 10, seed: 1 });
  const initial = net.raw.find((p) => p.phase === 'initial')!;
  const rows = initial.workingSetRows;
  assert.ok(rows !== undefined && rows > 0 && rows <= 0.85 * 142, `working set: ${rows} rows`);
  const linear = await computePath({ data: 'bench/data/wine.csv', hidden: [], points: 10, seed: 1 });
  assert.equal(linear.raw.find((p) => p.phase === 'initial')!.workingSetRows, undefined);
});
