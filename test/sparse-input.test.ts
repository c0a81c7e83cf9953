// Sparse first-layer inputs: the csrGemm kernel (wasm, single- and multi-threaded, against the js
// twin and against a dense product), the S + 1·oᵀ decomposition, and a whole training problem
// whose loss, gradient and evaluation with sparse inputs equal the dense ones up to rounding.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsKernels, createWasmKernels, type CsrOperand, type Kernels } from '../src/kernels/index.js';
import { wasmTuning } from '../src/kernels/wasm/index.js';
import { initParameters } from '../src/nn/init.js';
import { Problem, toDevice } from '../src/nn/problem.js';
import { sparseInput, sparseRows } from '../src/nn/sparse-input.js';
import type { Architecture } from '../src/nn/mlp.js';
import { Rng } from '../src/util/rng.js';

const js = createJsKernels();
const wasm1 = createWasmKernels({ threads: 1 });
const wasm2 = createWasmKernels({ threads: 2 });
after(() => wasm2.close());

/** rows × cols with a share `density` of non-zeros, each column shifted by its own background value. */
function imageLike(rng: Rng, rows: number, cols: number, density: number, background: (j: number) => number): Float32Array {
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) x[i * cols + j] = rng.uniform() < density ? rng.normal() : background(j);
  }
  return x;
}

function toCsr(k: Kernels, dense: Float32Array, rows: number, cols: number): CsrOperand {
  let nnz = 0;
  for (const v of dense) if (v !== 0) nnz++;
  const a = { rowStart: k.allocInt(rows + 1), colIndex: k.allocInt(nnz), values: k.alloc(nnz) };
  let p = 0;
  for (let i = 0; i < rows; i++) {
    a.rowStart[i] = p;
    for (let j = 0; j < cols; j++) {
      const v = dense[i * cols + j]!;
      if (v !== 0) {
        a.colIndex[p] = j;
        a.values[p++] = v;
      }
    }
  }
  a.rowStart[rows] = p;
  return a;
}

function assertClose(actual: Float32Array, expected: Float32Array, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= tol * (1 + Math.abs(expected[i]!)))) assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

describe('csrSelectColumns', () => {
  for (const w of [js, wasm1]) {
    test(`${w.name} keeps exactly the marked columns' non-zeros, in order, on whole matrices and row ranges`, () => {
      const rng = new Rng(31);
      for (const [m, k] of [[1, 1], [9, 13], [64, 50]] as [number, number][]) {
        const dense = imageLike(rng, m, k, 0.4, () => 0);
        const a = toCsr(w, dense, m, k);
        const keep = w.allocInt(k);
        for (let j = 0; j < k; j++) keep[j] = rng.uniform() < 0.5 ? 1 : 0;
        for (const [r0, rows] of [[0, m], [Math.floor(m / 3), m - Math.floor(m / 3)]] as [number, number][]) {
          const view = { rowStart: a.rowStart.subarray(r0, r0 + rows + 1), colIndex: a.colIndex, values: a.values };
          const room = a.rowStart[r0 + rows]! - a.rowStart[r0]!;
          const out = { rowStart: w.allocInt(rows + 1), colIndex: w.allocInt(room), values: w.alloc(room) };
          const kept = w.csrSelectColumns(rows, view, keep, out);
          const expected = dense.slice(r0 * k, (r0 + rows) * k).map((v, p) => (keep[p % k] ? v : 0));
          const back = new Float32Array(rows * k);
          for (let i = 0; i < rows; i++) {
            for (let p = out.rowStart[i]!; p < out.rowStart[i + 1]!; p++) {
              assert.ok(p === out.rowStart[i] || out.colIndex[p]! > out.colIndex[p - 1]!, 'columns stay in order');
              back[i * k + out.colIndex[p]!] = out.values[p]!;
            }
          }
          assert.equal(out.rowStart[0], 0);
          assert.equal(kept, out.rowStart[rows]);
          assert.equal(kept, expected.filter((v) => v !== 0).length);
          assert.deepEqual(back, expected);
        }
      }
    });
  }
});

describe('csrGemm', () => {
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 1, 5], [7, 3, 9], [33, 4, 17], [40, 5, 31], [64, 19, 50], [65, 20, 784], [9, 21, 13], [30, 45, 60]];
  for (const w of [wasm1, wasm2]) {
    test(`wasm (${w.threads} thread${w.threads > 1 ? 's' : ''}) agrees with the js twin and with the dense product, whole and on row ranges`, () => {
      const rng = new Rng(11 + w.threads);
      const saved = { ...wasmTuning };
      if (w.threads > 1) Object.assign(wasmTuning, { minParallelFlops: 0, minChunkRows: 1, chunksPerThread: 4 });
      try {
        for (const [m, n, k] of shapes) {
          for (const density of [0, 0.1, 0.6]) {
            const dense = imageLike(rng, m, k, density, () => 0);
            const b = Float32Array.from({ length: k * n }, () => rng.normal());
            const c0 = Float32Array.from({ length: m * n }, () => rng.normal());
            for (const accumulate of [false, true]) {
              const expected = c0.slice();
              js.gemm(m, n, k, dense, b, expected, accumulate);
              const twin = c0.slice();
              js.csrGemm(m, n, toCsr(js, dense, m, k), b, twin, accumulate);
              assertClose(twin, expected, 1e-12, `js csrGemm ${m}×${n}×${k}`);
              const a = toCsr(w, dense, m, k);
              const wb = w.alloc(b.length);
              wb.set(b);
              const wc = w.alloc(c0.length);
              wc.set(c0);
              w.csrGemm(m, n, a, wb, wc, accumulate);
              assertClose(wc, expected, 1e-5, `wasm csrGemm ${m}×${n}×${k} density ${density} acc ${accumulate}`);
              // rows r0..r1 through a shifted rowStart view (absolute offsets)
              if (m >= 3) {
                const r0 = 1, count = m - 2;
                const part = w.alloc(count * n);
                w.csrGemm(count, n, { ...a, rowStart: a.rowStart.subarray(r0, r0 + count + 1) }, wb, part, false);
                const ref = new Float32Array(count * n);
                js.gemm(count, n, k, dense.subarray(r0 * k, (r0 + count) * k), b, ref, false);
                assertClose(part, ref, 1e-5, `wasm csrGemm rows ${r0}..${r0 + count}`);
              }
            }
          }
        }
      } finally {
        Object.assign(wasmTuning, saved);
      }
    });
  }

  test('two threads give bit-identical results to one (rows are independent)', () => {
    const rng = new Rng(5);
    const m = 300, n = 20, k = 784;
    const dense = imageLike(rng, m, k, 0.2, () => 0);
    const b = Float32Array.from({ length: k * n }, () => rng.normal());
    const run = (w: typeof wasm1): Float32Array => {
      const wb = w.alloc(b.length);
      wb.set(b);
      const c = w.alloc(m * n);
      w.csrGemm(m, n, toCsr(w, dense, m, k), wb, c, false);
      return c.slice();
    };
    const saved = { ...wasmTuning };
    Object.assign(wasmTuning, { minParallelFlops: 0, minChunkRows: 1 });
    try {
      assert.deepEqual(run(wasm2), run(wasm1));
    } finally {
      Object.assign(wasmTuning, saved);
    }
  });
});

describe('sparse inputs', () => {
  test('o is the most common value of each column, with or without a majority (ties: the smallest; never NaN)', () => {
    // columns: a 70 % majority; a 40 % plurality; a tie between 2 and -1 (30 % each); NaN in 60 %
    // of the rows and 5 in 30 %; all distinct (every value once: the smallest)
    const rows = 10, cols = 5;
    const column = [
      [1, 1, 1, 1, 1, 1, 1, 2, 3, 4],
      [7, 8, 7, 9, 7, 10, 7, 11, 12, 13],
      [2, -1, 2, -1, 2, -1, 0, 3, 4, 5],
      [NaN, 5, NaN, 5, NaN, 5, NaN, NaN, NaN, 6],
      [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const x = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[i * cols + j] = column[j]![i]!;
    const s = sparseInput(js, x, rows, cols, 1)!;
    assert.deepEqual([...s.offset], [1, 7, -1, 5, 0]);
  });

  test('S + 1·oᵀ rebuilds X exactly: o is each column\'s most common value, S by rows and by columns agree', () => {
    const rng = new Rng(3);
    const rows = 50, cols = 12;
    const x = imageLike(rng, rows, cols, 0.15, (j) => -0.25 * j);
    const s = sparseInput(js, x, rows, cols, 1)!;
    assert.ok(s, 'sparse form built');
    for (let j = 0; j < cols; j++) assert.equal(s.offset[j], Math.fround(-0.25 * j), `offset ${j}`);
    const rebuilt = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) rebuilt[i * cols + j] = s.offset[j]!;
      for (let p = s.byRow.rowStart[i]!; p < s.byRow.rowStart[i + 1]!; p++) {
        const j = s.byRow.colIndex[p]!;
        rebuilt[i * cols + j] = Math.fround(rebuilt[i * cols + j]! + s.byRow.values[p]!);
      }
    }
    assertClose(rebuilt, x, 1e-6, 'rebuilt');
    // Sᵀ: the same entries, found by column
    let count = 0;
    for (let j = 0; j < cols; j++) {
      for (let p = s.byColumn.rowStart[j]!; p < s.byColumn.rowStart[j + 1]!; p++) {
        const i = s.byColumn.colIndex[p]!;
        assert.equal(s.byColumn.values[p], Math.fround(x[i * cols + j]! - s.offset[j]!));
        count++;
      }
    }
    assert.equal(count, s.byRow.rowStart[rows]);
    assert.ok(Math.abs(s.density - count / (rows * cols)) < 1e-12);
    // a row range is a view
    const r = sparseRows(s, 10, 5);
    assert.equal(r.rowStart.length, 6);
    assert.equal(r.rowStart[0], s.byRow.rowStart[10]);
  });

  test('dense data (no dominant value per column) stays dense', () => {
    const rng = new Rng(4);
    const x = Float32Array.from({ length: 40 * 6 }, () => rng.normal());
    assert.equal(sparseInput(js, x, 40, 6), null);
  });

  for (const k of [js, wasm1, wasm2] as Kernels[]) {
    test(`[${k.name}${'threads' in k ? ` ${String(k.threads)}t` : ''}] a problem with sparse inputs has the dense loss, gradient and evaluation`, () => {
      const rng = new Rng(8);
      const rows = 300, d = 64;
      const x = imageLike(rng, rows, d, 0.2, (j) => -0.1 * (j % 7));
      const y = Float32Array.from({ length: rows }, () => rng.int(4));
      const arch: Architecture = { layers: [d, 6, 5, 4], activation: 'relu', loss: 'cross-entropy' };
      const train = toDevice(k, x, y, rows, d);
      const test = toDevice(k, x.subarray(0, 100 * d), y.subarray(0, 100), 100, d);
      const problem = new Problem(k, arch, train, test, rows, 1);
      assert.ok(problem.sparseDensity !== null && problem.sparseDensity < 0.3, 'sparse form in use');
      const theta = k.alloc(problem.mlp.layout.size);
      initParameters(problem.mlp.layout, 'relu', 2, theta);
      const batch = problem.nextBatch();
      assert.ok(batch.sparse, 'the full batch carries the sparse form');
      const gs = k.alloc(theta.length), gd = k.alloc(theta.length);
      const ls = problem.lossAndGradient(theta, batch, gs);
      const ld = problem.lossAndGradient(theta, { x: batch.x, y: batch.y, rows: batch.rows }, gd);
      assert.ok(Math.abs(ls - ld) <= 1e-5 * ld, `loss ${ls} vs ${ld}`);
      const scale = Math.max(...Array.from(gd, Math.abs));
      for (let i = 0; i < gd.length; i++) assert.ok(Math.abs(gs[i]! - gd[i]!) <= 1e-5 * scale, `gradient[${i}]: ${gs[i]} vs ${gd[i]}`);
      // evaluation walks the sparse rows in chunks; compare with the dense forward of the same rows
      const dense = problem.mlp.lossAndGradient(theta, test.x, test.y, test.rows, null).loss;
      assert.ok(Math.abs(problem.evaluate(theta, test).loss - dense) <= 1e-5 * dense);
    });
  }
});
