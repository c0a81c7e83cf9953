// Convolution and pooling kernels on every backend against a naive float64 reference written
// from the definition (the forward), and their gradients against central finite differences of
// that reference; subarray views at unaligned offsets with guard zones; bias gradient and
// activation through the dense kernels on the (batch·outH·outW) × outC view.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { conv2dOutput, pool2dOutput, type Conv2DShape, type Kernels, type Pool2DShape } from '../src/kernels/index.js';
import { Rng } from '../src/util/rng.js';
import { backends } from './helpers/backends.js';

const SENTINEL = Math.fround(-4321.5);

function randn(rng: Rng, n: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.fround(rng.normal());
  return a;
}

/** A backend buffer with `data` at float offset off (unaligned for off 1..3) and guard zones. */
function place(k: Kernels, data: ArrayLike<number>, off: number): { view: Float32Array; check: (what: string) => void } {
  const whole = k.alloc(off + data.length + 4);
  whole.fill(SENTINEL);
  whole.set(data, off);
  const view = whole.subarray(off, off + data.length);
  return {
    view,
    check(what) {
      for (let i = 0; i < whole.length; i++) {
        if (i >= off && i < off + data.length) continue;
        if (whole[i] !== SENTINEL) assert.fail(`${what}: wrote outside its buffer (guard index ${i - off})`);
      }
    },
  };
}

/** x[n, y, x, c] with zero outside the image: the definition of zero padding. */
function at(s: { inH: number; inW: number }, C: number, x: ArrayLike<number>, n: number, iy: number, ix: number, c: number): number {
  if (iy < 0 || iy >= s.inH || ix < 0 || ix >= s.inW) return 0;
  return x[((n * s.inH + iy) * s.inW + ix) * C + c]!;
}

/** y[n, oy, ox, o] = Σ_{ky, kx, c} x[n, oy·sH + ky - pH, ox·sW + kx - pW, c] · w[ky, kx, c, o], in float64. */
function refConv(s: Conv2DShape, x: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const [outH, outW] = conv2dOutput(s);
  const y = new Float64Array(s.batch * outH * outW * s.outC);
  let t = 0;
  for (let n = 0; n < s.batch; n++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let o = 0; o < s.outC; o++, t++) {
          let sum = 0;
          for (let ky = 0; ky < s.kH; ky++)
            for (let kx = 0; kx < s.kW; kx++)
              for (let c = 0; c < s.inC; c++)
                sum += at(s, s.inC, x, n, oy * s.strideH + ky - s.padH, ox * s.strideW + kx - s.padW, c) * w[((ky * s.kW + kx) * s.inC + c) * s.outC + o]!;
          y[t] = sum;
        }
  return y;
}

function refPool(s: Pool2DShape, x: ArrayLike<number>, max: boolean): Float64Array {
  const [outH, outW] = pool2dOutput(s);
  const y = new Float64Array(s.batch * outH * outW * s.channels);
  let t = 0;
  for (let n = 0; n < s.batch; n++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let c = 0; c < s.channels; c++, t++) {
          let acc = max ? -Infinity : 0;
          for (let ky = 0; ky < s.kH; ky++)
            for (let kx = 0; kx < s.kW; kx++) {
              const v = at(s, s.channels, x, n, oy * s.strideH + ky, ox * s.strideW + kx, c);
              acc = max ? Math.max(acc, v) : acc + v;
            }
          y[t] = max ? acc : acc / (s.kH * s.kW);
        }
  return y;
}

/** Σ r·f(v): the scalar whose gradient with respect to f's output is r. */
function dotR(r: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += r[i]! * y[i]!;
  return s;
}

/** Central differences of v ↦ Σ r·f(v) at every entry of v (float64 throughout). */
function finiteDiff(v: Float64Array, f: (v: Float64Array) => Float64Array, r: ArrayLike<number>, h: number): Float64Array {
  const g = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const keep = v[i]!;
    v[i] = keep + h;
    const up = dotR(r, f(v));
    v[i] = keep - h;
    const down = dotR(r, f(v));
    v[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tol * scale)) {
      assert.fail(`${what}: entry ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${tol * scale})`);
    }
  }
}

const CONV_SHAPES: Conv2DShape[] = [
  { batch: 2, inH: 6, inW: 7, inC: 3, outC: 5, kH: 3, kW: 3, strideH: 1, strideW: 1, padH: 0, padW: 0 },
  { batch: 3, inH: 7, inW: 6, inC: 4, outC: 8, kH: 3, kW: 2, strideH: 2, strideW: 1, padH: 1, padW: 1 },
  { batch: 2, inH: 5, inW: 5, inC: 1, outC: 6, kH: 5, kW: 5, strideH: 1, strideW: 1, padH: 2, padW: 2 },
  { batch: 1, inH: 9, inW: 8, inC: 9, outC: 3, kH: 4, kW: 4, strideH: 3, strideW: 2, padH: 0, padW: 1 },
  { batch: 2, inH: 3, inW: 4, inC: 13, outC: 9, kH: 1, kW: 1, strideH: 1, strideW: 1, padH: 0, padW: 0 },
  // one input channel and horizontal stride 1 take wasm's direct kernels (outC ≤ 8): rows whose
  // width is no multiple of 4, padding on the left and right, vertical stride, outC < 4 and = 8
  { batch: 2, inH: 9, inW: 11, inC: 1, outC: 3, kH: 3, kW: 4, strideH: 2, strideW: 1, padH: 1, padW: 2 },
  { batch: 3, inH: 8, inW: 7, inC: 1, outC: 8, kH: 4, kW: 3, strideH: 1, strideW: 1, padH: 0, padW: 1 },
];

const POOL_SHAPES: Pool2DShape[] = [
  { batch: 2, inH: 6, inW: 6, channels: 5, kH: 2, kW: 2, strideH: 2, strideW: 2 },
  { batch: 2, inH: 7, inW: 5, channels: 8, kH: 2, kW: 2, strideH: 2, strideW: 2 }, // odd sizes drop the last row / column
  { batch: 1, inH: 7, inW: 7, channels: 3, kH: 3, kW: 3, strideH: 2, strideW: 2 }, // overlapping windows
  { batch: 3, inH: 4, inW: 6, channels: 1, kH: 2, kW: 3, strideH: 1, strideW: 3 },
];

const label = (s: object): string => Object.values(s).join(',');

for (const k of backends()) {
  describe(`conv2d kernels (${k.name})`, () => {
    for (const [si, s] of CONV_SHAPES.entries()) {
      test(`shape ${label(s)}`, () => {
        const rng = new Rng(100 + si);
        const [outH, outW] = conv2dOutput(s);
        const xs = s.batch * s.inH * s.inW * s.inC, ws = s.kH * s.kW * s.inC * s.outC, ys = s.batch * outH * outW * s.outC;
        const x = randn(rng, xs), w = randn(rng, ws), r = randn(rng, ys);
        const scratch = k.alloc(k.conv2dScratchSize(s));
        const off = si % 4;
        const px = place(k, x, off), pw = place(k, w, (off + 1) % 4), pr = place(k, r, (off + 2) % 4);

        const py = place(k, new Float64Array(ys), (off + 3) % 4);
        k.conv2dForward(s, px.view, pw.view, py.view, scratch);
        py.check('conv2dForward');
        assertNear(py.view, refConv(s, x, w), 1e-5, 'forward vs float64 reference');

        const pdx = place(k, new Float64Array(xs).fill(7), off);
        k.conv2dBackwardInput(s, pr.view, pw.view, pdx.view, scratch);
        pdx.check('conv2dBackwardInput');
        assertNear(pdx.view, finiteDiff(x, (v) => refConv(s, v, w), r, 1e-3), 1e-5, 'input gradient vs finite differences');

        const pdw = place(k, new Float64Array(ws).fill(7), (off + 1) % 4);
        k.conv2dBackwardWeight(s, px.view, pr.view, pdw.view, scratch, false);
        pdw.check('conv2dBackwardWeight');
        const gw = finiteDiff(w, (v) => refConv(s, x, v), r, 1e-3);
        assertNear(pdw.view, gw, 1e-5, 'weight gradient vs finite differences');
        k.conv2dBackwardWeight(s, px.view, pr.view, pdw.view, scratch, true);
        assertNear(pdw.view, gw.map((g) => 2 * g), 1e-5, 'weight gradient accumulated twice');
      });
    }

    test('bias and activation on the output rows: forward and gradient agree with finite differences', () => {
      const s = CONV_SHAPES[1]!;
      const rng = new Rng(7);
      const [outH, outW] = conv2dOutput(s);
      const rows = s.batch * outH * outW;
      const x = randn(rng, s.batch * s.inH * s.inW * s.inC), w = randn(rng, s.kH * s.kW * s.inC * s.outC);
      const b = randn(rng, s.outC), r = randn(rng, rows * s.outC);
      const scratch = k.alloc(k.conv2dScratchSize(s));
      const vx = place(k, x, 0).view, vw = place(k, w, 0).view, vb = place(k, b, 0).view;
      const y = k.alloc(rows * s.outC);
      k.conv2dForward(s, vx, vw, y, scratch);
      k.biasActivate(rows, s.outC, y, vb, 2);
      const f = (bias: Float64Array): Float64Array => refConv(s, x, w).map((v, i) => Math.tanh(v + bias[i % s.outC]!));
      assertNear(y, f(b), 1e-5, 'tanh(conv + bias)');
      const g = place(k, r, 0).view;
      k.activationBackward(rows * s.outC, y, g, 2);
      const db = k.alloc(s.outC);
      k.colSums(rows, s.outC, g, db, false);
      assertNear(db, finiteDiff(b, f, r, 1e-4), 1e-4, 'bias gradient');
    });
  });

  describe(`pooling kernels (${k.name})`, () => {
    for (const [si, s] of POOL_SHAPES.entries()) {
      test(`shape ${label(s)}`, () => {
        const rng = new Rng(200 + si);
        const [outH, outW] = pool2dOutput(s);
        const xs = s.batch * s.inH * s.inW * s.channels, ys = s.batch * outH * outW * s.channels;
        const x = randn(rng, xs), r = randn(rng, ys);
        const off = si % 4;
        const px = place(k, x, off), pr = place(k, r, (off + 1) % 4);

        const py = place(k, new Float64Array(ys), (off + 2) % 4);
        const arg = k.allocInt(ys);
        k.maxPool2dForward(s, px.view, py.view, arg);
        py.check('maxPool2dForward');
        assertNear(py.view, refPool(s, x, true), 0, 'max pool forward');
        for (let o = 0; o < ys; o++) assert.equal(x[arg[o]!], py.view[o], `argmax of output ${o} points at the maximum`);
        const pdx = place(k, new Float64Array(xs).fill(7), (off + 3) % 4);
        k.maxPool2dBackward(s, pr.view, arg, pdx.view);
        pdx.check('maxPool2dBackward');
        // x is random normal: no ties, so h = 1e-6 stays inside every window's order
        assertNear(pdx.view, finiteDiff(x, (v) => refPool(s, v, true), r, 1e-6), 1e-6, 'max pool gradient vs finite differences');

        k.avgPool2dForward(s, px.view, py.view);
        py.check('avgPool2dForward');
        assertNear(py.view, refPool(s, x, false), 1e-6, 'avg pool forward');
        pdx.view.fill(7);
        k.avgPool2dBackward(s, pr.view, pdx.view);
        pdx.check('avgPool2dBackward');
        assertNear(pdx.view, finiteDiff(x, (v) => refPool(s, v, false), r, 1e-3), 1e-6, 'avg pool gradient vs finite differences');
      });
    }

    test('max pool: ties go to the first entry of the window, and the gradient follows', () => {
      const s: Pool2DShape = { batch: 1, inH: 2, inW: 4, channels: 2, kH: 2, kW: 2, strideH: 2, strideW: 2 };
      // channel 0: all zeros (relu output); channel 1: the maximum 3 twice in the second window
      const x = Float32Array.from([0, 1, 0, 2, 0, 1, 0, 3, 0, 2, 0, 0, 0, 3, 0, 1]);
      const y = k.alloc(4), arg = k.allocInt(4), dx = k.alloc(16);
      k.maxPool2dForward(s, place(k, x, 0).view, y, arg);
      assert.deepEqual([...y], [0, 2, 0, 3]);
      assert.deepEqual([...arg], [0, 3, 4, 7]);
      k.maxPool2dBackward(s, place(k, [1, 2, 3, 4], 0).view, arg, dx);
      assert.deepEqual([...dx], [1, 0, 0, 2, 3, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]);
    });
  });
}
