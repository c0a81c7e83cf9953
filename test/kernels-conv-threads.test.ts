// The conv and pooling kernels of the wasm backend on 1, 2 and 3 threads: bit-identical results
// (forced parallel on small shapes, with small im2col blocks so that the weight gradient is cut
// into several partial sums), equal to the js twin up to rounding, and a scratch too small for
// the threads still gives the same bits (on one thread) while one too small for any is an error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { conv2dOutput, createJsKernels, createWasmKernels, pool2dOutput, type Conv2DShape, type Pool2DShape, type WasmKernels } from '../src/kernels/index.js';
import { convPlan, convTuning, wasmTuning } from '../src/kernels/wasm/index.js';
import { Rng } from '../src/util/rng.js';
import { RegpathError } from '../src/errors.js';

const one = createWasmKernels({ threads: 1 });
const two = createWasmKernels({ threads: 2 });
const three = createWasmKernels({ threads: 3 });
const js = createJsKernels();
before(async () => {
  for (const w of [two, three]) {
    const a = w.alloc(2000 * 784), b = w.alloc(784 * 20), c = w.alloc(2000 * 20);
    w.gemm(2000, 20, 784, a, b, c, false);
  }
  await new Promise((r) => setTimeout(r, 300));
});
after(() => {
  two.close();
  three.close();
});

/** fn with every job forced parallel and im2col blocks of `slot` floats, then the tuning restored. */
function forced<T>(slot: number, fn: () => T): T {
  const saved = { ...wasmTuning }, savedConv = { ...convTuning };
  Object.assign(wasmTuning, { minParallelFlops: 0, chunksPerThread: 4 });
  Object.assign(convTuning, { slotFloats: slot, blocksPerPartial: 1 });
  try {
    return fn();
  } finally {
    Object.assign(wasmTuning, saved);
    Object.assign(convTuning, savedConv);
  }
}

function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

function copyIn(k: { alloc(n: number): Float32Array }, data: Float32Array): Float32Array {
  const b = k.alloc(data.length);
  b.set(data);
  return b;
}

/** All conv outputs of backend k: y, dx, dw (and dw accumulated onto dw0). */
function convAll(k: WasmKernels | typeof js, s: Conv2DShape, x: Float32Array, w: Float32Array, dy: Float32Array, dw0: Float32Array, scratchLength?: number): Float32Array[] {
  const [outH, outW] = conv2dOutput(s);
  const scratch = k.alloc(scratchLength ?? k.conv2dScratchSize(s));
  const vx = copyIn(k, x), vw = copyIn(k, w), vdy = copyIn(k, dy);
  const y = k.alloc(s.batch * outH * outW * s.outC), dx = k.alloc(x.length).fill(9), dw = k.alloc(w.length).fill(9);
  const dwAcc = copyIn(k, dw0);
  k.conv2dForward(s, vx, vw, y, scratch);
  k.conv2dBackwardInput(s, vdy, vw, dx, scratch);
  k.conv2dBackwardWeight(s, vx, vdy, dw, scratch, false);
  k.conv2dBackwardWeight(s, vx, vdy, dwAcc, scratch, true);
  return [y, dx, dw, dwAcc].map((b) => Float32Array.from(b));
}

function poolAll(k: WasmKernels | typeof js, s: Pool2DShape, x: Float32Array, dy: Float32Array): (Float32Array | Int32Array)[] {
  const vx = copyIn(k, x), vdy = copyIn(k, dy);
  const y = k.alloc(dy.length), arg = k.allocInt(dy.length), dx = k.alloc(x.length), ya = k.alloc(dy.length), dxa = k.alloc(x.length);
  k.maxPool2dForward(s, vx, y, arg);
  k.maxPool2dBackward(s, vdy, arg, dx);
  k.avgPool2dForward(s, vx, ya);
  k.avgPool2dBackward(s, vdy, dxa);
  return [Float32Array.from(y), Int32Array.from(arg), Float32Array.from(dx), Float32Array.from(ya), Float32Array.from(dxa)];
}

function assertSame(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what} [${i}]: ${a[i]} vs one thread ${b[i]}`);
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) if (!(Math.abs(a[i]! - b[i]!) <= 2e-5 * scale)) assert.fail(`${what} [${i}]: ${a[i]} vs js ${b[i]}`);
}

const CONV: Conv2DShape[] = [
  { batch: 5, inH: 9, inW: 8, inC: 3, outC: 7, kH: 3, kW: 3, strideH: 1, strideW: 1, padH: 0, padW: 0 },
  { batch: 7, inH: 8, inW: 8, inC: 6, outC: 16, kH: 4, kW: 4, strideH: 2, strideW: 1, padH: 1, padW: 2 },
  { batch: 3, inH: 6, inW: 7, inC: 1, outC: 5, kH: 5, kW: 5, strideH: 1, strideW: 1, padH: 2, padW: 2 },
  { batch: 9, inH: 12, inW: 10, inC: 1, outC: 6, kH: 5, kW: 5, strideH: 1, strideW: 1, padH: 0, padW: 0 }, // LeNet's conv1, direct kernels
];
const POOL: Pool2DShape[] = [
  { batch: 9, inH: 6, inW: 7, channels: 6, kH: 2, kW: 2, strideH: 2, strideW: 2 },
  { batch: 5, inH: 7, inW: 7, channels: 3, kH: 3, kW: 3, strideH: 2, strideW: 1 },
];

describe('threaded conv and pooling kernels', () => {
  for (const [si, s] of CONV.entries()) {
    test(`conv2d ${Object.values(s).join(',')}: 1, 2, 3 threads bit-identical, close to js`, () => {
      const rng = new Rng(300 + si);
      const [outH, outW] = conv2dOutput(s);
      const x = randn(rng, s.batch * s.inH * s.inW * s.inC), w = randn(rng, s.kH * s.kW * s.inC * s.outC);
      const dy = randn(rng, s.batch * outH * outW * s.outC), dw0 = randn(rng, w.length);
      forced(64 * s.kH * s.kW * s.inC, () => {
        assert.ok(convPlan(s).partials > 1, 'the weight gradient is cut into partial sums');
        const ref = convAll(one, s, x, w, dy, dw0);
        for (const k of [two, three]) {
          const got = convAll(k, s, x, w, dy, dw0);
          ['y', 'dx', 'dw', 'dw accumulated'].forEach((name, i) => assertSame(got[i]!, ref[i]!, `${k.threads} threads: ${name}`));
        }
        const twin = convAll(js, s, x, w, dy, dw0);
        ['y', 'dx', 'dw', 'dw accumulated'].forEach((name, i) => assertClose(ref[i]!, twin[i]!, name));
        // a scratch with one slot: the same bits on one thread; none: a clear error
        const plan = convPlan(s);
        const small = convAll(three, s, x, w, dy, dw0, plan.headFloats + plan.slotFloats);
        ref.forEach((r, i) => assertSame(small[i]!, r, 'one-slot scratch'));
        assert.throws(() => convAll(three, s, x, w, dy, dw0, plan.headFloats + plan.slotFloats - 1), (e: unknown) =>
          e instanceof RegpathError && /wasm kernel conv2dForward: the scratch has \d+ floats, the shape needs at least/.test(e.message));
      });
    });
  }

  for (const [si, s] of POOL.entries()) {
    test(`pooling ${Object.values(s).join(',')}: 1, 2, 3 threads bit-identical, equal to js`, () => {
      const rng = new Rng(400 + si);
      const [outH, outW] = pool2dOutput(s);
      const x = randn(rng, s.batch * s.inH * s.inW * s.channels), dy = randn(rng, s.batch * outH * outW * s.channels);
      forced(0, () => {
        const ref = poolAll(one, s, x, dy);
        for (const k of [two, three]) poolAll(k, s, x, dy).forEach((g, i) => assertSame(g, ref[i]!, `${k.threads} threads: output ${i}`));
        const twin = poolAll(js, s, x, dy);
        [0, 1, 2].forEach((i) => assertSame(ref[i]!, twin[i]!, `max pool output ${i} vs js`));
        [3, 4].forEach((i) => assertClose(ref[i]!, twin[i]!, `avg pool output ${i} vs js`));
      });
    });
  }
});
