// The sparse first layer restricted to its live weights (nn/first-layer.ts): products on the live
// units' columns and on a copy of S without the dead pixels must equal the full products exactly
// (every dropped term is ±0), on every backend, as the live sets grow and shrink and the cached
// copy of S goes stale.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsKernels, createWasmKernels, type Kernels } from '../src/kernels/index.js';
import { wasmTuning } from '../src/kernels/wasm/index.js';
import { initParameters } from '../src/nn/init.js';
import { Problem, toDevice, type DeviceData } from '../src/nn/problem.js';
import type { Architecture } from '../src/nn/mlp.js';
import { Rng } from '../src/util/rng.js';

const js = createJsKernels();
const wasm1 = createWasmKernels({ threads: 1 });
const wasm2 = createWasmKernels({ threads: 2 });
after(() => wasm2.close());

const FEATURES = 60;
const ARCH: Architecture = { layers: [FEATURES, 20, 7, 3], activation: 'relu', loss: 'cross-entropy' };

/** Image-like data: each pixel is its background value except in a share of the rows; busier pixels in the middle. */
function data(k: Kernels, rng: Rng, rows: number): DeviceData {
  const x = new Float32Array(rows * FEATURES);
  const y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < FEATURES; j++) {
      const p = 0.05 + 0.3 * Math.sin((Math.PI * j) / FEATURES);
      x[i * FEATURES + j] = rng.uniform() < p ? rng.normal() : -0.25 - 0.01 * j;
    }
    y[i] = rng.int(3);
  }
  return toDevice(k, x, y, rows, FEATURES);
}

/** Two problems on the same data, the first with the pruned first layer, the second without. */
function problems(k: Kernels): [Problem, Problem] {
  const saved = process.env['REGPATH_PRUNED_FIRST_LAYER'];
  try {
    const rng = new Rng(3);
    const train = data(k, rng, 203);
    const testSet = data(k, rng, 77);
    delete process.env['REGPATH_PRUNED_FIRST_LAYER'];
    const pruned = new Problem(k, ARCH, train, testSet, 1 << 20, 1);
    process.env['REGPATH_PRUNED_FIRST_LAYER'] = 'off';
    const full = new Problem(k, ARCH, train, testSet, 1 << 20, 1);
    assert.ok(pruned.sparseDensity !== null, 'the test data should take the sparse path');
    return [pruned, full];
  } finally {
    if (saved === undefined) delete process.env['REGPATH_PRUNED_FIRST_LAYER'];
    else process.env['REGPATH_PRUNED_FIRST_LAYER'] = saved;
  }
}

function assertSame(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length);
  // === treats +0 and -0 as equal: the pruned products write +0 where the full ones may sum to -0
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i])) assert.fail(`${what}[${i}]: pruned ${a[i]}, full ${b[i]}`);
}

/** Loss, gradient and both evaluations agree exactly between the two problems at θ. */
function check(pruned: Problem, full: Problem, theta: Float32Array, what: string): void {
  const k = pruned.k;
  const g1 = k.alloc(theta.length), g2 = k.alloc(theta.length);
  const l1 = pruned.lossAndGradient(theta, pruned.nextBatch(), g1);
  const l2 = full.lossAndGradient(theta, full.nextBatch(), g2);
  assert.equal(l1, l2, `${what}: loss`);
  assertSame(g1, g2, `${what}: gradient`);
  assert.deepEqual(pruned.evaluate(theta, pruned.test!), full.evaluate(theta, full.test!), `${what}: test evaluation`);
  assert.deepEqual(pruned.evaluate(theta), full.evaluate(theta), `${what}: training evaluation`);
}

describe('pruned sparse first layer', () => {
  const backends: [Kernels, string, number][] = [[js, 'js', 1], [wasm1, 'wasm, 1 thread', 1], [wasm2, 'wasm, 2 threads', 2]];
  for (const [k, label, threads] of backends) {
    test(`${label}: equals the full products bit for bit as units and pixels die and revive`, () => {
      const saved = { ...wasmTuning };
      // small shapes: force the 2-thread backend to split the products anyway
      if (threads > 1) Object.assign(wasmTuning, { minParallelFlops: 0, minChunkRows: 1, chunksPerThread: 4 });
      try {
        const [pruned, full] = problems(k);
        const layout = pruned.mlp.layout;
        const theta = k.alloc(layout.size);
        initParameters(layout, 'relu', 7, theta);
        const w1 = layout.weights(theta, 0), w2 = layout.weights(theta, 1);
        const counts = pruned.mlp.first.counts;

        check(pruned, full, theta, 'dense weights');
        assert.equal(counts.narrowForward + counts.narrowGradient + counts.rebuilds, 0, 'dense weights need the full products');

        // 5 units with incoming weights (padded to 8 columns), 6 feeding the next layer, a third of the pixels live
        const incoming = new Set([1, 2, 4, 18, 19]);
        const feeding = new Set([0, 2, 5, 9, 18, 19]);
        const livePixels = (j: number) => j % 3 === 0;
        for (let j = 0; j < FEATURES; j++) {
          for (let u = 0; u < 20; u++) if (!incoming.has(u) || !livePixels(j)) w1[j * 20 + u] = 0;
        }
        for (let u = 0; u < 20; u++) if (!feeding.has(u)) w2.fill(0, u * 7, u * 7 + 7);
        check(pruned, full, theta, 'few live units and pixels');
        assert.ok(counts.narrowForward > 0 && counts.narrowGradient > 0, 'the narrow products ran');
        const built = counts.rebuilds;
        assert.ok(built >= 1, 'a filtered copy of S was built');

        // a pixel outside the cached set comes alive: the copy must be rebuilt
        w1[1 * 20 + 2] = 0.5;
        check(pruned, full, theta, 'a revived pixel');
        assert.ok(counts.rebuilds > built, 'the stale copy was rebuilt');

        // most pixels die: the copy is rebuilt smaller, results still equal
        for (let j = 6; j < FEATURES; j++) w1.fill(0, j * 20, j * 20 + 20);
        check(pruned, full, theta, 'few pixels left');

        // a unit with only incoming weights, one with only outgoing weights
        w1[0 * 20 + 11] = -0.3;
        w2[13 * 7 + 4] = 0.7;
        check(pruned, full, theta, 'one-sided units');

        // no first-layer weight at all
        w1.fill(0);
        check(pruned, full, theta, 'an all-zero first layer');
        w2.fill(0);
        check(pruned, full, theta, 'all-zero first and second layers');
      } finally {
        Object.assign(wasmTuning, saved);
      }
    });
  }
});
