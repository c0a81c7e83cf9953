// The multi-threaded wasm GEMMs against the single-threaded ones: row splits (gemm, gemmNT,
// gemmTN on tall C) must agree bit for bit, the k split of gemmTN up to float summation order;
// on many shapes (odd and tiny ones, forced parallel by lowering the work threshold), on
// unaligned subarray views, with and without accumulate. Plus a whole Mlp.lossAndGradient, pool
// reuse, thread-count validation, and that a process using the pool exits by itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Act, createWasmKernels, type WasmKernels } from '../src/kernels/index.js';
import { wasmTuning, workersSpawned, parseThreads } from '../src/kernels/wasm/index.js';
import { Mlp } from '../src/nn/mlp.js';
import { initParameters } from '../src/nn/init.js';
import { Rng } from '../src/util/rng.js';
import { RegpathError } from '../src/errors.js';

type GemmName = 'gemm' | 'gemmTN' | 'gemmNT';

const one = createWasmKernels({ threads: 1 });
const two = createWasmKernels({ threads: 2 });
const three = createWasmKernels({ threads: 3 });
before(async () => {
  // Start the workers and give them time to come up, so the chunks below really run on them.
  for (const w of [two, three]) {
    const a = w.alloc(2000 * 784), b = w.alloc(784 * 20), c = w.alloc(2000 * 20);
    w.gemm(2000, 20, 784, a, b, c, false);
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(two.workers, 1);
  assert.equal(three.workers, 2);
});
after(() => {
  two.close();
  three.close();
});

/** Run fn with every GEMM forced parallel (tiny shapes included), then restore the tuning. */
function forced<T>(fn: () => T, splitK = false): T {
  const saved = { ...wasmTuning };
  Object.assign(wasmTuning, { minParallelFlops: 0, minChunkRows: 1, minChunkRowsTN: 1, minChunkK: 1, chunksPerThread: 4, tnSplitK: splitK });
  try {
    return fn();
  } finally {
    Object.assign(wasmTuning, saved);
  }
}

function operandSizes(kind: GemmName, m: number, n: number, k: number): [number, number] {
  return kind === 'gemm' ? [m * k, k * n] : kind === 'gemmTN' ? [k * m, k * n] : [m * k, n * k];
}

/** A view of `data.length` floats at float offset `off` of a fresh buffer of backend w. */
function place(w: WasmKernels, data: Float32Array, off: number): Float32Array {
  const whole = w.alloc(off + data.length + 3);
  whole.fill(-7);
  whole.set(data, off);
  return whole.subarray(off, off + data.length);
}

function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** C from backend w for the given operands (views at offset off), with C's initial values c0. */
function product(
  w: WasmKernels, kind: GemmName, m: number, n: number, k: number,
  a: Float32Array, b: Float32Array, c0: Float32Array, acc: boolean, off: number,
): { c: Float32Array; guard: Float32Array } {
  const va = place(w, a, off);
  const vb = place(w, b, (off + 1) % 4);
  const whole = w.alloc(off + m * n + 3);
  whole.fill(-7);
  whole.set(c0, off);
  const vc = whole.subarray(off, off + m * n);
  w[kind](m, n, k, va, vb, vc, acc);
  return { c: Float32Array.from(vc), guard: Float32Array.from([...whole.subarray(0, off), ...whole.subarray(off + m * n)]) };
}

/** |Σ|a||b|| bound per entry of C, for the summation-order tolerance of the k split. */
function absProduct(kind: GemmName, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c0: Float32Array, acc: boolean): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = acc ? Math.abs(c0[i * n + j]!) : 0;
      for (let p = 0; p < k; p++) {
        const x = kind === 'gemm' ? a[i * k + p]! : kind === 'gemmTN' ? a[p * m + i]! : a[i * k + p]!;
        const y = kind === 'gemm' ? b[p * n + j]! : kind === 'gemmTN' ? b[p * n + j]! : b[j * k + p]!;
        s += Math.abs(x * y);
      }
      out[i * n + j] = s;
    }
  }
  return out;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [2, 3, 1], [3, 1, 5], [5, 7, 3], [7, 20, 13], [9, 10, 33], [17, 19, 64], [33, 8, 100],
  [64, 20, 20], [131, 20, 77], [200, 21, 9], [130, 3, 300], [257, 10, 20], [1000, 20, 31],
];

describe('threaded wasm GEMMs agree with one thread', () => {
  for (const [kind, splitK] of [['gemm', false], ['gemmNT', false], ['gemmTN', false], ['gemmTN', true]] as [GemmName, boolean][]) {
    for (const [threads, w] of [[2, two], [3, three]] as [number, WasmKernels][]) {
      test(`${kind}${splitK ? ' (k split)' : ''}, ${threads} threads, ${SHAPES.length} shapes × accumulate × offsets`, () => {
        const rng = new Rng(threads * 31 + kind.length);
        forced(() => {
          for (const [m, n, k] of SHAPES) {
            for (const acc of [false, true]) {
              const off = (m + n + k) % 4;
              const [sa, sb] = operandSizes(kind, m, n, k);
              const a = randn(rng, sa);
              const b = randn(rng, sb);
              const c0 = randn(rng, m * n);
              const ref = product(one, kind, m, n, k, a, b, c0, acc, off);
              const got = product(w, kind, m, n, k, a, b, c0, acc, off);
              assert.ok(got.guard.every((x) => x === -7), `${kind}(${m},${n},${k}) wrote outside C`);
              // gemmTN with short C and the k split: same sums in another order.
              const exact = !wasmTuning.tnSplitK || m >= wasmTuning.tnRowsMin;
              const bound = exact ? null : absProduct(kind, m, n, k, a, b, c0, acc);
              for (let i = 0; i < m * n; i++) {
                const x = got.c[i]!;
                const y = ref.c[i]!;
                if (exact) {
                  if (!Object.is(x, y)) assert.fail(`${kind}(${m},${n},${k}) acc=${acc} [${i}]: ${x} vs one thread ${y}`);
                } else if (Math.abs(x - y) > 4 * (k + 2) * 2 ** -24 * bound![i]! + 1e-30) {
                  assert.fail(`${kind}(${m},${n},${k}) acc=${acc} [${i}]: ${x} vs one thread ${y} (bound ${bound![i]})`);
                }
              }
            }
          }
        }, splitK);
      });
    }
  }

  test('the hot shapes at batch 5,600 with the default settings: bit-identical to one thread', () => {
    const rng = new Rng(7);
    const hot: [GemmName, number, number, number][] = [
      ['gemm', 5600, 20, 784], ['gemm', 5600, 20, 20], ['gemmTN', 784, 20, 5600], ['gemmTN', 20, 20, 5600],
      ['gemmTN', 20, 10, 5600], ['gemmNT', 5600, 20, 20], ['gemmNT', 5600, 20, 10],
    ];
    for (const [kind, m, n, k] of hot) {
      const [sa, sb] = operandSizes(kind, m, n, k);
      const a = randn(rng, sa);
      const b = randn(rng, sb);
      const c0 = new Float32Array(m * n);
      const ref = product(one, kind, m, n, k, a, b, c0, false, 0);
      const got = product(two, kind, m, n, k, a, b, c0, false, 0);
      for (let i = 0; i < m * n; i++) {
        if (!Object.is(got.c[i], ref.c[i])) assert.fail(`${kind}(${m},${n},${k})[${i}]: ${got.c[i]} vs one thread ${ref.c[i]}`);
      }
    }
  });
});

describe('threaded softmax cross-entropy', () => {
  test('loss and gradient are bit-identical for 1, 2 and 3 threads (blocked partial sums), also with bad labels and aliasing', () => {
    const rng = new Rng(17);
    for (const [m, n] of [[1, 3], [255, 10], [256, 10], [257, 4], [3001, 10], [8000, 10]] as [number, number][]) {
      for (const alias of [false, true]) {
        const logits = randn(rng, m * n).map((v) => 3 * v);
        // one bad label (row 7) in the aliased runs: its row's loss is NaN, the others are exact
        const labels = Float32Array.from({ length: m }, (_, i) => (alias && i === 7 ? n + 0.5 : rng.int(n)));
        const results = [one, two, three].map((w) => {
          const pl = place(w, logits, 1);
          const py = place(w, labels, 2);
          const pg = alias ? pl : place(w, new Float32Array(m * n), 3);
          const loss = forced(() => Object.assign(wasmTuning, { softmaxBlockRows: 64 }) && w.softmaxCrossEntropy(m, n, pl, py, pg));
          return { loss, grad: Float32Array.from(pg) };
        });
        for (const r of results.slice(1)) {
          assert.ok(Object.is(r.loss, results[0]!.loss), `${m}×${n}: loss ${r.loss} vs ${results[0]!.loss}`);
          assert.deepEqual(r.grad, results[0]!.grad, `${m}×${n}: gradient`);
        }
        assert.equal(Number.isNaN(results[0]!.loss), alias && m > 7, 'only a bad label makes the loss NaN');
      }
    }
  });
});

describe('threaded element-wise layer kernels', () => {
  test('biasActivate and activationBackward give the same bits for 1, 2 and 3 threads, every activation', () => {
    const rng = new Rng(23);
    for (const [m, n] of [[1, 1], [7, 3], [257, 20], [2000, 10]] as [number, number][]) {
      for (const act of [Act.identity, Act.relu, Act.tanh, Act.sigmoid]) {
        const z = randn(rng, m * n), bias = randn(rng, n), g = randn(rng, m * n);
        const outs = [one, two, three].map((w) => {
          const pz = place(w, z, 1), pb = place(w, bias, 2), pg = place(w, g, 3);
          forced(() => {
            w.biasActivate(m, n, pz, pb, act);
            w.activationBackward(m * n, pz, pg, act);
          });
          return [Float32Array.from(pz), Float32Array.from(pg)];
        });
        for (const o of outs.slice(1)) {
          assert.deepEqual(o[0], outs[0]![0], `${m}×${n} act ${act}: activations`);
          assert.deepEqual(o[1], outs[0]![1], `${m}×${n} act ${act}: gradient`);
        }
      }
    }
  });
});

describe('a training step with threads', () => {
  test('Mlp.lossAndGradient of 784-20-20-10 ReLU agrees with one thread (forced parallel with the k split; default settings: bit-identical)', () => {
    const arch = { layers: [784, 20, 20, 10], activation: 'relu' as const, loss: 'cross-entropy' as const };
    for (const [rows, force] of [[300, true], [2000, false]] as [number, boolean][]) {
      const results = [one, two, three].map((w) => {
        const rng = new Rng(rows);
        const mlp = new Mlp(w, arch, rows);
        const theta = w.alloc(mlp.layout.size);
        initParameters(mlp.layout, 'relu', 3, theta);
        const x = w.alloc(rows * 784);
        for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
        const y = w.alloc(rows);
        for (let i = 0; i < rows; i++) y[i] = rng.int(10);
        const grad = w.alloc(mlp.layout.size);
        const r = force ? forced(() => mlp.lossAndGradient(theta, x, y, rows, grad), true) : mlp.lossAndGradient(theta, x, y, rows, grad);
        return { loss: r.loss, correct: r.correct, grad: Float32Array.from(grad) };
      });
      const ref = results[0]!;
      let scale = 0;
      for (const g of ref.grad) scale = Math.max(scale, Math.abs(g));
      for (const r of results.slice(1)) {
        if (!force) {
          // Row splits only: the same floats as one thread.
          assert.equal(r.loss, ref.loss);
          assert.deepEqual(r.grad, ref.grad);
        }
        assert.ok(Math.abs(r.loss - ref.loss) <= 1e-6 * Math.abs(ref.loss), `loss ${r.loss} vs ${ref.loss}`);
        assert.equal(r.correct, ref.correct);
        for (let i = 0; i < ref.grad.length; i++) {
          if (Math.abs(r.grad[i]! - ref.grad[i]!) > 1e-5 * scale) assert.fail(`rows ${rows}: grad[${i}] ${r.grad[i]} vs ${ref.grad[i]}`);
        }
      }
    }
  });
});

describe('the pool', () => {
  test('is created once and reused: no new workers per call', () => {
    const w = createWasmKernels({ threads: 2 });
    try {
      const m = 2000, n = 20, k = 784;
      const a = w.alloc(m * k), b = w.alloc(k * n), c = w.alloc(m * n), d = w.alloc(m * n);
      w.gemm(8, 4, 4, a, b, c, false); // small: stays on the main thread, starts nothing
      assert.equal(w.workers, 0);
      const before = workersSpawned();
      w.gemm(m, n, k, a, b, c, false);
      assert.equal(w.workers, 1);
      assert.equal(workersSpawned(), before + 1);
      for (let i = 0; i < 50; i++) {
        w.gemm(m, n, k, a, b, c, false);
        w.gemmNT(m, n, n, c, b, d, true);
        w.gemmTN(k, n, m, a, c, b, false);
      }
      assert.equal(workersSpawned(), before + 1);
      assert.equal(w.workers, 1);
    } finally {
      w.close();
    }
  });

  test('one thread never starts a worker', () => {
    const w = createWasmKernels({ threads: 1 });
    const before = workersSpawned();
    const m = 3000, n = 20, k = 784;
    const a = w.alloc(m * k), b = w.alloc(k * n), c = w.alloc(m * n);
    w.gemm(m, n, k, a, b, c, false);
    w.gemmTN(k, n, m, a, c, b, false);
    assert.equal(workersSpawned(), before);
    assert.equal(w.threads, 1);
    assert.equal(w.workers, 0);
  });

  test('setThreads switches the pool; bad thread counts are clear errors', () => {
    const w = createWasmKernels({ threads: 3 });
    const m = 2000, n = 20, k = 784;
    const a = w.alloc(m * k), b = w.alloc(k * n), c = w.alloc(m * n);
    w.gemm(m, n, k, a, b, c, false);
    assert.equal(w.workers, 2);
    w.setThreads(1);
    assert.equal(w.workers, 0);
    w.gemm(m, n, k, a, b, c, false);
    assert.equal(w.workers, 0);
    w.close();
    for (const bad of [0, -1, 65, 2.5, NaN, '3x']) {
      assert.throws(() => createWasmKernels({ threads: bad as number }), (e: unknown) => e instanceof RegpathError && e.code === 'BAD_OPTION' && /1 to 64/.test(e.message));
    }
    assert.equal(parseThreads('4', 'REGPATH_THREADS'), 4);
    assert.throws(() => parseThreads('four', 'REGPATH_THREADS'), /REGPATH_THREADS must be an integer from 1 to 64, not 'four'/);
  });

  test('a process that used the pool exits by itself, and process.exit works', () => {
    const index = fileURLToPath(new URL('../src/kernels/index.js', import.meta.url));
    const script = (tail: string): string => `
      const { createWasmKernels } = await import(${JSON.stringify(index)});
      const w = createWasmKernels({ threads: 3 });
      const m = 2000, n = 20, k = 784;
      const a = w.alloc(m * k), b = w.alloc(k * n), c = w.alloc(m * n);
      for (let i = 0; i < 5; i++) w.gemm(m, n, k, a, b, c, false);
      if (w.workers !== 2) throw new Error('no workers: ' + w.workers);
      ${tail}`;
    for (const [tail, code] of [['', 0], ['process.exit(7);', 7], ['setTimeout(() => process.exit(0), 10);', 0]] as [string, number][]) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(tail)], { encoding: 'utf8', timeout: 20000 });
      assert.equal(r.error, undefined, `the child did not exit: ${String(r.error)}`);
      assert.equal(r.status, code, r.stderr);
      assert.equal(r.stderr, '');
    }
  });

  test('REGPATH_THREADS sets the process default; a bad value is an error naming it', () => {
    const index = fileURLToPath(new URL('../src/kernels/wasm/index.js', import.meta.url));
    const script = `const { createWasmKernels } = await import(${JSON.stringify(index)}); console.log(createWasmKernels().threads);`;
    const ok = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, REGPATH_THREADS: '3' } });
    assert.equal(ok.stdout.trim(), '3', ok.stderr);
    const bad = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, REGPATH_THREADS: '0' } });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /REGPATH_THREADS must be an integer from 1 to 64, not '0'/);
  });
});
