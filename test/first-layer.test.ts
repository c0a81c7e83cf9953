// The sparse first layer restricted to its live weights (nn/first-layer.ts): products on the live
// units' columns and on a copy of S without the dead pixels must equal the full products exactly
// (every dropped term is ±0), on every backend, as the live sets grow and shrink and the cached
// copy of S goes stale.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsKernels, createWasmKernels, type CsrOperand, type Kernels } from '../src/kernels/index.js';
import { wasmTuning } from '../src/kernels/wasm/index.js';
import { initParameters } from '../src/nn/init.js';
import { Problem, toDevice, type DeviceData } from '../src/nn/problem.js';
import { SparseFirstLayer } from '../src/nn/first-layer.js';
import { sparseInput, sparseRows } from '../src/nn/sparse-input.js';
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

describe('SparseFirstLayer on a random walk of live sets', () => {
  const backends: [Kernels, string, number][] = [[js, 'js', 1], [wasm1, 'wasm, 1 thread', 1], [wasm2, 'wasm, 2 threads', 2]];
  for (const [k, label, threads] of backends) {
    test(`${label}: every product equals the full one while pixels and units come and go, on two operands`, () => {
      const saved = { ...wasmTuning };
      if (threads > 1) Object.assign(wasmTuning, { minParallelFlops: 0, minChunkRows: 1, chunksPerThread: 4 });
      try {
        const rng = new Rng(21);
        const rows = 150, fanOut = 20, next = 6;
        const d = data(k, rng, rows);
        const s = sparseInput(k, d.x.subarray(0, rows * FEATURES), rows, FEATURES, 1)!;
        assert.ok(s, 'sparse form');
        // two operands over different rows of the same matrix: the cache must keep them apart
        const ops = [
          { rows: 90, a: sparseRows(s, 0, 90) },
          { rows: 60, a: sparseRows(s, 90, 60) },
        ];
        const layer = new SparseFirstLayer(k, FEATURES, fanOut, rows);
        const w = k.alloc(FEATURES * fanOut), wn = k.alloc(fanOut * next);
        const out = k.alloc(rows * fanOut), ref = k.alloc(rows * fanOut);
        const delta = k.alloc(rows * fanOut), g = k.alloc(FEATURES * fanOut), gref = k.alloc(FEATURES * fanOut);
        const st = sparseInput(k, d.x.subarray(0, rows * FEATURES), rows, FEATURES, 1)!.byColumn;
        const check = (it: string, op: { rows: number; a: CsrOperand }): void => {
          layer.forward(op.rows, op.a, w, out);
          k.csrGemm(op.rows, fanOut, op.a, w, ref, false);
          assertSame(out.subarray(0, op.rows * fanOut), ref.subarray(0, op.rows * fanOut), `${it}: S·W`);
        };
        // By hand first: half the pixels (a copy is built), then the other half (with the first,
        // most of S: the full product), then the first half plus one pixel the copy lacks.
        const half = (j: number) => j < FEATURES / 2;
        const setPixels = (live: (j: number) => boolean) => {
          for (let j = 0; j < FEATURES; j++) for (let u = 0; u < fanOut; u++) w[j * fanOut + u] = live(j) && u % 3 === 0 ? 1 + j / 7 - u / 5 : 0;
        };
        setPixels(half);
        check('half the pixels', ops[0]!);
        setPixels((j) => !half(j));
        check('the other half', ops[0]!);
        setPixels((j) => half(j) || j === FEATURES - 1);
        check('half the pixels and one more', ops[0]!);

        const pixel = new Uint8Array(FEATURES).fill(1), unit = new Uint8Array(fanOut).fill(1), feeds = new Uint8Array(fanOut).fill(1);
        for (let it = 0; it < 400; it++) {
          // a walk: usually a few toggles, sometimes a jump to a new share of live pixels (some
          // near the share where the filtered copy stops paying)
          if (rng.uniform() < 0.1) {
            const share = [0.1, 0.5, 0.75, 0.85, 0.95, 1][rng.int(6)]!;
            for (let j = 0; j < FEATURES; j++) pixel[j] = rng.uniform() < share ? 1 : 0;
          } else {
            for (let t = 0; t < 3; t++) pixel[rng.int(FEATURES)] ^= 1;
          }
          if (rng.uniform() < 0.3) unit[rng.int(fanOut)] ^= 1;
          if (rng.uniform() < 0.3) feeds[rng.int(fanOut)] ^= 1;
          for (let j = 0; j < FEATURES; j++) {
            for (let u = 0; u < fanOut; u++) w[j * fanOut + u] = pixel[j] && unit[u] && rng.uniform() < 0.7 ? rng.normal() : 0;
          }
          for (let u = 0; u < fanOut; u++) for (let c = 0; c < next; c++) wn[u * next + c] = feeds[u] && rng.uniform() < 0.8 ? rng.normal() : 0;
          check(`step ${it}`, ops[rng.int(2)]!);
          // Δ columns of units that feed nothing are exactly zero, as in a backward pass
          for (let i = 0; i < rows; i++) for (let u = 0; u < fanOut; u++) delta[i * fanOut + u] = feeds[u] && wn.subarray(u * next, u * next + next).some((v) => v !== 0) ? rng.normal() : 0;
          layer.weightGradient(rows, st, delta, wn, g);
          k.csrGemm(FEATURES, fanOut, st, delta, gref, false);
          assertSame(g, gref, `step ${it}: SᵀΔ`);
        }
        const c = layer.counts;
        assert.ok(c.rebuilds > 3 && c.narrowForward > 20 && c.narrowGradient > 20, `the pruned paths ran: ${JSON.stringify(c)}`);
      } finally {
        Object.assign(wasmTuning, saved);
      }
    });
  }
});

describe('first-layer plans (saved and combined products)', () => {
  const backends: [Kernels, string][] = [[js, 'js'], [wasm1, 'wasm']];
  for (const [k, label] of backends) {
    for (const sparse of [true, false]) {
      test(`${label}, ${sparse ? 'sparse' : 'dense'} inputs: the combination of two saved products gives the extrapolated point's loss and gradient`, () => {
        const rng = new Rng(5);
        const rows = 120;
        const d = data(k, rng, rows);
        const saved = process.env['REGPATH_SPARSE_INPUT'];
        if (!sparse) process.env['REGPATH_SPARSE_INPUT'] = 'off';
        let problem: Problem;
        try {
          problem = new Problem(k, ARCH, d, null, 1 << 20, 1);
        } finally {
          if (saved === undefined) delete process.env['REGPATH_SPARSE_INPUT'];
          else process.env['REGPATH_SPARSE_INPUT'] = saved;
        }
        assert.equal(problem.sparseDensity !== null, sparse);
        const n = problem.mlp.layout.size;
        const theta = k.alloc(n), prev = k.alloc(n), z = k.alloc(n);
        initParameters(problem.mlp.layout, 'relu', 1, theta);
        for (let i = 0; i < n; i++) prev[i] = theta[i]! + 0.05 * rng.normal();
        const batch = problem.nextBatch();
        // θ into slot 2, θ_prev into slot 0 (as the corrector's line search leaves them)
        const lTheta = problem.lossAndGradient(theta, batch, null, false, { save: 2 });
        problem.lossAndGradient(prev, batch, null, false, { save: 0 });
        const beta = 0.6;
        z.set(theta);
        k.axpy(n, beta, theta, z);
        k.axpy(n, -beta, prev, z);
        const g1 = k.alloc(n), g2 = k.alloc(n);
        const combined = problem.lossAndGradient(z, batch, g1, false, { combine: { a: 1 + beta, sa: 2, b: -beta, sb: 0 } });
        const direct = problem.lossAndGradient(z, batch, g2);
        assert.ok(Math.abs(combined - direct) <= 1e-5 * direct, `loss: combined ${combined}, direct ${direct}`);
        let scale = 0;
        for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(g2[i]!));
        for (let i = 0; i < n; i++) assert.ok(Math.abs(g1[i]! - g2[i]!) <= 1e-4 * scale, `gradient[${i}]: ${g1[i]} vs ${g2[i]}`);
        // the unchanged θ from its slot alone: exactly its own forward pass
        const again = problem.lossAndGradient(theta, batch, null, false, { combine: { a: 1, sa: 2, b: 0, sb: 2 } });
        assert.equal(again, lTheta);
        // a wrong slot would change the loss: the test can tell the slots apart
        const wrong = problem.lossAndGradient(theta, batch, null, false, { combine: { a: 1, sa: 0, b: 0, sb: 0 } });
        assert.notEqual(wrong, lTheta);
      });
    }
  }
});
