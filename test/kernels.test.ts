// The wasm kernels against their js twin (the oracle), on seeded random inputs over many shapes,
// on subarray views at offsets that are not 16-byte aligned, with guard zones around every
// buffer to catch out-of-bounds writes; plus edge cases, error handling and the allocator.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Act, type ActCode, createJsKernels, createWasmKernels, type Kernels, type WasmKernels } from '../src/kernels/index.js';
import { Rng } from '../src/util/rng.js';
import { RegpathError } from '../src/errors.js';

const js = createJsKernels();
const wasm: WasmKernels = createWasmKernels();
// The GEMMs exist in two builds (fused multiply-add with relaxed SIMD, plain SIMD); both are
// checked. Where this runtime cannot run relaxed SIMD, both names give the baseline build.
const baselineWasm: WasmKernels = createWasmKernels({ simd: 'baseline' });

const U32 = 2 ** -23; // float32 ulp of 1 (twice the unit roundoff)
const SENTINEL = Math.fround(-12345.678);
const GUARD = 5; // floats of guard zone after each view
const OFFSETS = [0, 1, 2, 3]; // floats: 0 is 16-byte aligned, 1..3 are not

function randn(rng: Rng, n: number, scale = 1, zeros = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = zeros > 0 && rng.uniform() < zeros ? 0 : scale * rng.normal();
  return a;
}

/** A wasm buffer holding `data` at float offset `off`, with sentinel guard zones around it. */
class Placed {
  readonly whole: Float32Array;
  readonly view: Float32Array;
  constructor(private readonly k: WasmKernels, data: Float32Array, readonly off: number) {
    this.whole = k.alloc(off + data.length + GUARD);
    this.whole.fill(SENTINEL);
    this.whole.set(data, off);
    this.view = this.whole.subarray(off, off + data.length);
  }
  /** The guard zones are untouched. */
  check(what: string): void {
    const w = this.whole;
    for (let i = 0; i < w.length; i++) {
      if (i >= this.off && i < this.off + this.view.length) continue;
      if (!Object.is(w[i], SENTINEL)) assert.fail(`${what}: wrote outside its buffer at guard index ${i - this.off} (value ${w[i]})`);
    }
  }
  free(): void {
    this.k.free(this.whole);
  }
}

function place(data: Float32Array, off: number): Placed {
  return new Placed(wasm, data, off);
}

/** Element-wise |actual - expected| ≤ tol(i), NaN only where expected is NaN. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (!(Number.isNaN(e) && Number.isNaN(a))) assert.fail(`${what}[${i}]: got ${a}, expected ${e}`);
      continue;
    }
    if (!(Math.abs(a - e) <= tol(i))) assert.fail(`${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > tol ${tol(i)})`);
  }
}

/** Bit-for-bit equality (Object.is: NaN equals NaN, +0 differs from -0). */
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
  }
}

function assertScalarClose(actual: number, expected: number, tol: number, what: string): void {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${what}: got ${actual}, expected NaN`);
    return;
  }
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
}

const abs = (a: Float32Array): Float32Array => a.map(Math.abs);

// ---- GEMM family ---------------------------------------------------------------------------

type GemmName = 'gemm' | 'gemmTN' | 'gemmNT';

/** Sizes of A and B for each variant (C is always m×n). */
function gemmSizes(kind: GemmName, m: number, n: number, k: number): [number, number] {
  if (kind === 'gemm') return [m * k, k * n];
  if (kind === 'gemmTN') return [k * m, k * n];
  return [m * k, n * k];
}

function checkGemm(
  kind: GemmName, m: number, n: number, k: number, accumulate: boolean, off: number, rng: Rng, w: WasmKernels = wasm,
): void {
  const [sa, sb] = gemmSizes(kind, m, n, k);
  const a = randn(rng, sa, 1, 0.05);
  const b = randn(rng, sb);
  const c0 = randn(rng, m * n);
  const expected = c0.slice();
  js[kind](m, n, k, a, b, expected, accumulate);
  // Error bound: float32 summation of k products (+ C) is within ~k·u·Σ|terms|.
  const mag = accumulate ? abs(c0) : new Float32Array(m * n);
  js[kind](m, n, k, abs(a), abs(b), mag, accumulate);
  const pa = new Placed(w, a, off);
  const pb = new Placed(w, b, (off + 1) % 4);
  const pc = new Placed(w, c0, (off + 2) % 4);
  w[kind](m, n, k, pa.view, pb.view, pc.view, accumulate);
  const what = `${w.simd} ${kind}(${m},${n},${k},acc=${accumulate},off=${off})`;
  assertClose(pc.view, expected, (i) => (k + 4) * U32 * mag[i]! + 1e-30, what);
  pa.check(`${what} a`);
  pb.check(`${what} b`);
  pc.check(`${what} c`);
  assertSame(pa.view, a, `${what} a unchanged`);
  assertSame(pb.view, b, `${what} b unchanged`);
  pa.free();
  pb.free();
  pc.free();
}

describe('wasm GEMM family agrees with the js twin', () => {
  const ms = [1, 2, 3, 5, 7, 17, 33, 129];
  const ns = [1, 2, 3, 4, 5, 7, 8, 10, 17, 19, 20, 21, 33, 45];
  const ks = [1, 2, 3, 5, 7, 17, 33, 129];
  for (const kind of ['gemm', 'gemmTN', 'gemmNT'] as const) {
    test(`${kind}: ${ms.length * ns.length * ks.length} shapes × both accumulate modes, unaligned views`, () => {
      const rng = new Rng(kind.length * 1000 + 7);
      let t = 0;
      for (const m of ms) {
        for (const n of ns) {
          for (const k of ks) {
            for (const accumulate of [false, true]) checkGemm(kind, m, n, k, accumulate, t++ % 4, rng);
          }
        }
      }
    });
    test(`${kind}: the baseline (non-FMA) build too`, () => {
      // Node 20 compiles relaxed SIMD once the loader has set V8's flag, so auto must pick it
      assert.equal(wasm.simd, 'fma', 'the default build on Node 20+');
      assert.equal(baselineWasm.simd, 'baseline');
      const rng = new Rng(kind.length * 1000 + 9);
      let t = 0;
      for (const m of [1, 3, 7, 33]) {
        for (const n of [1, 3, 4, 5, 8, 17, 20, 21]) {
          for (const k of [1, 5, 129]) checkGemm(kind, m, n, k, t % 2 === 0, t++ % 4, rng, baselineWasm);
        }
      }
      for (const [m, n, k] of [[300, 20, 784], [784, 20, 300]] as const) checkGemm(kind, m, n, k, false, t++ % 4, rng, baselineWasm);
    });
    test(`${kind}: blocked shapes (several k blocks, row blocks and column panels)`, () => {
      const rng = new Rng(kind.length * 1000 + 8);
      const shapes: [number, number, number][] = [
        [300, 20, 784], [784, 20, 300], [257, 45, 1100], [131, 61, 300], [260, 10, 20], [4, 20, 2100], [1, 1, 3000],
        [300, 24, 9], [64, 40, 130],
      ];
      let t = 0;
      for (const [m, n, k] of shapes) for (const accumulate of [false, true]) checkGemm(kind, m, n, k, accumulate, t++ % 4, rng);
    });
    test(`${kind}: k = 0 gives C = 0 (or leaves C) and m or n = 0 does nothing`, () => {
      const pc = place(new Float32Array([1, 2, 3, 4, 5, 6]), 1);
      wasm[kind](2, 3, 0, wasm.alloc(0), wasm.alloc(0), pc.view, true);
      assertSame(pc.view, new Float32Array([1, 2, 3, 4, 5, 6]), `${kind} k=0 accumulate`);
      wasm[kind](2, 3, 0, wasm.alloc(0), wasm.alloc(0), pc.view, false);
      assertSame(pc.view, new Float32Array(6), `${kind} k=0`);
      pc.check(`${kind} k=0`);
      wasm[kind](0, 3, 4, wasm.alloc(0), wasm.alloc(12), wasm.alloc(0), false);
      wasm[kind](3, 0, 4, wasm.alloc(12), wasm.alloc(0), wasm.alloc(0), false);
    });
  }
  test('raw exports run on sub-blocks through leading dimensions (as worker threads will)', () => {
    const rng = new Rng(77);
    const m = 37;
    const n = 23;
    const k = 29;
    const raw = wasm.raw;
    for (const kind of ['gemm', 'gemmTN', 'gemmNT'] as const) {
      const [sa, sb] = gemmSizes(kind, m, n, k);
      const a = randn(rng, sa);
      const b = randn(rng, sb);
      const expected = new Float32Array(m * n);
      js[kind](m, n, k, a, b, expected, false);
      const mag = new Float32Array(m * n);
      js[kind](m, n, k, abs(a), abs(b), mag, false);
      const tol = (i: number): number => (k + 4) * U32 * mag[i]! + 1e-30;
      const pa = place(a, 1);
      const pb = place(b, 2);
      const pc = place(new Float32Array(m * n), 3);
      const A = pa.view.byteOffset;
      const B = pb.view.byteOffset;
      const C = pc.view.byteOffset;
      // Row ranges of C.
      for (const [i0, i1] of [[0, 10], [10, 11], [11, 37]] as const) {
        const rows = i1 - i0;
        if (kind === 'gemm') raw.gemm(rows, n, k, A + 4 * i0 * k, k, B, n, C + 4 * i0 * n, n, 0);
        else if (kind === 'gemmTN') raw.gemmTN(rows, n, k, A + 4 * i0, m, B, n, C + 4 * i0 * n, n, 0);
        else raw.gemmNT(rows, n, k, A + 4 * i0 * k, k, B, k, C + 4 * i0 * n, n, 0);
      }
      assertClose(pc.view, expected, tol, `${kind} by row blocks`);
      // Column ranges of C.
      pc.view.fill(0);
      for (const [j0, j1] of [[0, 9], [9, 23]] as const) {
        const cols = j1 - j0;
        if (kind === 'gemm') raw.gemm(m, cols, k, A, k, B + 4 * j0, n, C + 4 * j0, n, 0);
        else if (kind === 'gemmTN') raw.gemmTN(m, cols, k, A, m, B + 4 * j0, n, C + 4 * j0, n, 0);
        else raw.gemmNT(m, cols, k, A, k, B + 4 * j0 * k, k, C + 4 * j0, n, 0);
      }
      assertClose(pc.view, expected, tol, `${kind} by column blocks`);
      // Two halves of k, the second accumulated.
      const k0 = 13;
      if (kind === 'gemm') {
        raw.gemm(m, n, k0, A, k, B, n, C, n, 0);
        raw.gemm(m, n, k - k0, A + 4 * k0, k, B + 4 * k0 * n, n, C, n, 1);
      } else if (kind === 'gemmTN') {
        raw.gemmTN(m, n, k0, A, m, B, n, C, n, 0);
        raw.gemmTN(m, n, k - k0, A + 4 * k0 * m, m, B + 4 * k0 * n, n, C, n, 1);
      } else {
        raw.gemmNT(m, n, k0, A, k, B, k, C, n, 0);
        raw.gemmNT(m, n, k - k0, A + 4 * k0, k, B + 4 * k0, k, C, n, 1);
      }
      assertClose(pc.view, expected, tol, `${kind} by halves of k`);
      for (const p of [pa, pb, pc]) {
        p.check(`${kind} sub-blocks`);
        p.free();
      }
    }
  });
  test('gemm on all four alignments of each operand', () => {
    const rng = new Rng(99);
    for (const kind of ['gemm', 'gemmTN', 'gemmNT'] as const) {
      for (const off of OFFSETS) for (const accumulate of [false, true]) checkGemm(kind, 9, 13, 11, accumulate, off, rng);
    }
  });
});

// ---- layer pieces --------------------------------------------------------------------------

const SHAPES: [number, number][] = [
  [1, 1], [1, 2], [2, 3], [3, 5], [5, 7], [7, 4], [17, 20], [33, 10], [129, 17], [64, 33], [9, 1], [1, 129],
];
const LENGTHS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 129, 1000, 4099];

describe('wasm layer kernels agree with the js twin', () => {
  test('biasActivate, every activation (identity/relu exact, tanh/sigmoid within 1 ulp)', () => {
    const rng = new Rng(11);
    let t = 0;
    for (const [m, n] of SHAPES) {
      for (const act of [Act.identity, Act.relu, Act.tanh, Act.sigmoid] as ActCode[]) {
        const z = randn(rng, m * n, 3, 0.1);
        const bias = randn(rng, n);
        if (n > 1) bias[0] = 0;
        const expected = z.slice();
        js.biasActivate(m, n, expected, bias, act);
        const off = t++ % 4;
        const pz = place(z, off);
        const pbias = place(bias, (off + 3) % 4);
        wasm.biasActivate(m, n, pz.view, pbias.view, act);
        const what = `biasActivate(${m},${n},act=${act},off=${off})`;
        if (act === Act.identity || act === Act.relu) assertSame(pz.view, expected, what);
        else assertClose(pz.view, expected, (i) => U32 * Math.abs(expected[i]!), what);
        pz.check(what);
        pbias.check(what);
        pz.free();
        pbias.free();
      }
    }
  });

  test('activationBackward, every activation (bit-exact)', () => {
    const rng = new Rng(12);
    let t = 0;
    for (const n of LENGTHS) {
      for (const act of [Act.identity, Act.relu, Act.tanh, Act.sigmoid] as ActCode[]) {
        const a = randn(rng, n, 1, 0.2);
        if (act === Act.tanh) a.forEach((v, i) => (a[i] = Math.tanh(v)));
        if (act === Act.sigmoid) a.forEach((v, i) => (a[i] = 1 / (1 + Math.exp(-v))));
        const grad = randn(rng, n);
        const expected = grad.slice();
        js.activationBackward(n, a, expected, act);
        const off = t++ % 4;
        const pa = place(a, off);
        const pg = place(grad, (off + 1) % 4);
        wasm.activationBackward(n, pa.view, pg.view, act);
        const what = `activationBackward(${n},act=${act},off=${off})`;
        assertSame(pg.view, expected, what);
        pa.check(what);
        pg.check(what);
        pa.free();
        pg.free();
      }
    }
  });

  test('relu backward at exactly 0 (and -0, NaN) zeroes the gradient', () => {
    const a = new Float32Array([0, -0, 1e-30, -1e-30, NaN, 2, 0]);
    const grad = new Float32Array([5, 6, 7, 8, 9, 10, -3]);
    const expected = new Float32Array([0, 0, 7, 0, 0, 10, 0]);
    const pa = place(a, 1);
    const pg = place(grad, 2);
    wasm.activationBackward(a.length, pa.view, pg.view, Act.relu);
    assertSame(pg.view, expected, 'wasm relu backward');
    const jg = grad.slice();
    js.activationBackward(a.length, a, jg, Act.relu);
    assertSame(jg, expected, 'js relu backward');
    pa.free();
    pg.free();
  });

  test('colSums, both accumulate modes (bit-exact)', () => {
    const rng = new Rng(13);
    let t = 0;
    for (const [m, n] of [...SHAPES, [0, 5] as [number, number], [1000, 21] as [number, number]]) {
      for (const accumulate of [false, true]) {
        const a = randn(rng, m * n);
        const out = randn(rng, n);
        const expected = out.slice();
        js.colSums(m, n, a, expected, accumulate);
        const off = t++ % 4;
        const pa = place(a, off);
        const po = place(out, (off + 2) % 4);
        wasm.colSums(m, n, pa.view, po.view, accumulate);
        const what = `colSums(${m},${n},acc=${accumulate},off=${off})`;
        assertSame(po.view, expected, what);
        pa.check(what);
        po.check(what);
        pa.free();
        po.free();
      }
    }
  });
});

// ---- losses ----------------------------------------------------------------------------------

function labelsFor(rng: Rng, m: number, n: number): Float32Array {
  const y = new Float32Array(m);
  for (let i = 0; i < m; i++) y[i] = rng.int(n);
  return y;
}

// The wasm softmax takes its exponentials in float32 (assembly/vmath.ts, within 2 ulps) of
// l_j - max rounded to float32 (an error of half an ulp of the difference, the size of the
// rounding already in the logits), sums them in four float32 lanes and the lanes in f64; the js
// twin works in f64 throughout. Per row the sum's relative error is at most (3 + n/4) ulps, which
// is the error of log(sum) and so bounds the mean loss's absolute error; a gradient entry
// p_j/(sum·m) carries the errors of p_j and the sum and two roundings (the scale, the product),
// plus the rounded difference's |x|·e^x·2^-24 ≤ 2^-24/e relative to the sum, absolute.
const softmaxLossTol = (loss: number, n: number): number => 1e-12 * Math.abs(loss) + (3 + n / 4) * U32;
const softmaxGradTol = (g: number, n: number, m: number): number => (6 + n / 4) * U32 * Math.abs(g) + U32 / m;

describe('wasm losses agree with the js twin', () => {
  test('softmaxCrossEntropy: loss and gradient, separate and aliased gradient', () => {
    const rng = new Rng(21);
    let t = 0;
    // the long shapes take the row-sum products through several flushes (see assembly/loss.ts)
    for (const [m, n] of [...SHAPES, [500, 10], [3000, 10], [4000, 2]] as [number, number][]) {
      for (const alias of [false, true]) {
        const logits = randn(rng, m * n, 4);
        const labels = labelsFor(rng, m, n);
        const expGrad = new Float32Array(m * n);
        const expLoss = js.softmaxCrossEntropy(m, n, logits, labels, expGrad);
        const off = t++ % 4;
        const pl = place(logits, off);
        const py = place(labels, (off + 1) % 4);
        const pg = alias ? pl : place(new Float32Array(m * n), (off + 2) % 4);
        const loss = wasm.softmaxCrossEntropy(m, n, pl.view, py.view, pg.view);
        const what = `softmaxCrossEntropy(${m},${n},alias=${alias},off=${off})`;
        assertScalarClose(loss, expLoss, softmaxLossTol(expLoss, n), what);
        assertClose(pg.view, expGrad, (i) => softmaxGradTol(expGrad[i]!, n, m), `${what} grad`);
        if (!alias) assertSame(pl.view, logits, `${what} logits unchanged`);
        pl.check(what);
        py.check(what);
        pg.check(what);
        pl.free();
        py.free();
        if (!alias) pg.free();
      }
    }
  });

  test('softmaxCrossEntropy: the float32 exponential over its whole range, ±80, ties, one huge logit', () => {
    // Rows [0, x, x - 1] with label 0 for x from 0 down to -100: p_1 = e^x/(1 + e^x + e^{x-1})
    // checks the exponential at every exponent it builds (2^0 .. 2^-126) and its cut to 0 below
    // ln 2^-126 = -87.34; the differences 0 - x are exact in float32.
    const xs: number[] = [];
    for (let x = 0; x >= -100; x -= 0.173) xs.push(Math.fround(x));
    const m = xs.length;
    const n = 3;
    const logits = new Float32Array(m * n);
    xs.forEach((x, i) => logits.set([0, x, Math.fround(x - 1)], i * n));
    const pl = place(logits, 1);
    const py = place(new Float32Array(m), 2);
    const pg = place(new Float32Array(m * n), 3);
    const loss = wasm.softmaxCrossEntropy(m, n, pl.view, py.view, pg.view);
    let expected = 0;
    xs.forEach((x, i) => {
      const x2 = Math.fround(x - 1);
      const sum = 1 + Math.exp(x) + Math.exp(x2);
      expected += Math.log(sum) / m;
      const g1 = pg.view[i * n + 1]! * m;
      const g2 = pg.view[i * n + 2]! * m;
      if (x >= -87.3) assertScalarClose(g1, Math.exp(x) / sum, 4 * U32 * Math.exp(x) / sum + 2 ** -149 * m, `p_1 at x = ${x}`);
      else assert.ok(g1 >= 0 && g1 <= 2 ** -126 * m, `p_1 at x = ${x} is ${g1}`);
      if (x2 >= -87.3) assertScalarClose(g2, Math.exp(x2) / sum, 4 * U32 * Math.exp(x2) / sum + 2 ** -149 * m, `p_2 at x = ${x}`);
      // the label's entry is -(p_1 + p_2)/m (gradients below 2^-126 are float32 subnormals: 2^-149 apart)
      assertScalarClose(pg.view[i * n]! * m, -(Math.exp(x) + Math.exp(x2)) / sum, 8 * U32 * (Math.exp(x) + Math.exp(x2)) / sum + 2 ** -126 * m, `p_0 at x = ${x}`);
    });
    assertScalarClose(loss, expected, softmaxLossTol(expected, n), 'loss over the exponential range');
    pl.free();
    py.free();
    pg.free();
    // ±80 (a difference of 160: e^-160 is 0 in float32), ten equal logits (two vectors and a
    // tail: every p is 1/10), one huge logit, as label and not.
    const rows: [number[], number, number][] = [
      [[80, -80], 0, Math.log1p(Math.exp(-160))],
      [[80, -80], 1, 160 + Math.log1p(Math.exp(-160))],
      [[-80, 80, -80, 80, 80], 0, 160 + Math.log(3)],
      [Array(10).fill(2.5), 7, Math.log(10)],
      [[1e4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0, 0],
      [[1e4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 9, 1e4],
    ];
    for (const [row, label, want] of rows) {
      const k = row.length;
      const a = place(new Float32Array(row), 0);
      const b = place(new Float32Array([label]), 1);
      const g = place(new Float32Array(k), 2);
      const l = wasm.softmaxCrossEntropy(1, k, a.view, b.view, g.view);
      assertScalarClose(l, want, softmaxLossTol(want, k), `loss of [${row}] label ${label}`);
      const jg = new Float32Array(k);
      js.softmaxCrossEntropy(1, k, new Float32Array(row), new Float32Array([label]), jg);
      assertClose(g.view, jg, (i) => softmaxGradTol(jg[i]!, k, 1), `grad of [${row}] label ${label}`);
      a.free();
      b.free();
      g.free();
    }
  });

  test('softmaxCrossEntropy is stable for huge logits', () => {
    const m = 4;
    const n = 3;
    const logits = new Float32Array([1000, 0, -1000, 3e38, -3e38, 1e30, -1e30, -1e30, -3e38, 88, 89, 90]);
    const labels = new Float32Array([0, 1, 0, 2]);
    const pl = place(logits, 3);
    const py = place(labels, 1);
    const pg = place(new Float32Array(m * n), 2);
    const loss = wasm.softmaxCrossEntropy(m, n, pl.view, py.view, pg.view);
    // Rows: ~0, 6e38 (label far below the max), 0 (ties at the max: log 2), log(1+e^-1+e^-2).
    const big = Math.fround(3e38);
    const expected = (0 + (big + big) + Math.log(2) + (Math.log(1 + Math.exp(-1) + Math.exp(-2)) + 2)) / m;
    assert.ok(Number.isFinite(loss), `loss ${loss} is finite`);
    assertScalarClose(loss, expected, 1e-12 * Math.abs(expected) + 1e-12, 'huge-logit loss');
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) {
        const g = pg.view[i * n + j]!;
        assert.ok(Number.isFinite(g), `grad[${i},${j}] = ${g} is finite`);
        s += g;
      }
      assert.ok(Math.abs(s) < 1e-7, `grad row ${i} sums to ~0 (${s})`);
    }
    const jg = new Float32Array(m * n);
    const jl = js.softmaxCrossEntropy(m, n, logits, labels, jg);
    assertScalarClose(loss, jl, softmaxLossTol(jl, n), 'huge logits vs js');
    assertClose(pg.view, jg, (i) => softmaxGradTol(jg[i]!, n, m), 'huge logits grad vs js');
    pl.free();
    py.free();
    pg.free();
  });

  test('labels are floats: integer-valued floats work, non-integer or out-of-range labels give NaN', () => {
    const m = 3;
    const n = 4;
    const logits = new Float32Array([1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 5, 0]);
    const pl = place(logits, 1);
    for (const labs of [[3, 0, 2], [3.0, 1.0, 2.0], [1.5, 0, 2], [-1, 0, 2], [0, 1, 2.25]]) {
      const labels = new Float32Array(labs);
      const py = place(labels, 2);
      const pg = place(new Float32Array(m * n), 3);
      const jg = new Float32Array(m * n);
      const jl = js.softmaxCrossEntropy(m, n, logits, labels, jg);
      const wl = wasm.softmaxCrossEntropy(m, n, pl.view, py.view, pg.view);
      assertScalarClose(wl, jl, softmaxLossTol(jl, n), `loss with labels ${labs}`);
      assertClose(pg.view, jg, (i) => softmaxGradTol(jg[i]!, n, m), `grad with labels ${labs}`);
      assert.equal(wasm.countCorrect(m, n, pl.view, py.view), js.countCorrect(m, n, logits, labels), `countCorrect with labels ${labs}`);
      pg.check('labels');
      py.free();
      pg.free();
    }
    assert.equal(wasm.countCorrect(m, n, pl.view, place(new Float32Array([3, 0, 2]), 0).view), 3);
    // An out-of-range label never reads outside its row (the js twin would read the next row's
    // logits there): the loss is NaN, the row's gradient is the plain softmax.
    const py = place(new Float32Array([4, 0, 2]), 2);
    const pg = place(new Float32Array(m * n), 3);
    assert.ok(Number.isNaN(wasm.softmaxCrossEntropy(m, n, pl.view, py.view, pg.view)));
    const row0 = pg.view.subarray(0, n);
    assert.ok(Math.abs(row0.reduce((s, v) => s + v, 0) - 1 / m) < 1e-7, 'row with a bad label: softmax/m');
    pl.free();
  });

  test('countCorrect (first arg-max wins, ties, NaN)', () => {
    const rng = new Rng(22);
    let t = 0;
    for (const [m, n] of SHAPES) {
      const logits = randn(rng, m * n);
      // Some ties and NaNs.
      for (let i = 0; i < m * n; i += 7) logits[i] = logits[Math.max(0, i - 1)]!;
      if (m * n > 5) logits[5] = NaN;
      const labels = labelsFor(rng, m, n);
      const off = t++ % 4;
      const pl = place(logits, off);
      const py = place(labels, (off + 1) % 4);
      assert.equal(wasm.countCorrect(m, n, pl.view, py.view), js.countCorrect(m, n, logits, labels), `countCorrect(${m},${n})`);
      pl.free();
      py.free();
    }
  });

  test('meanSquaredError: loss and gradient, separate and aliased gradient', () => {
    const rng = new Rng(23);
    let t = 0;
    for (const [m, n] of SHAPES) {
      for (const alias of [false, true]) {
        const pred = randn(rng, m * n);
        const target = randn(rng, m * n);
        const expGrad = new Float32Array(m * n);
        const expLoss = js.meanSquaredError(m, n, pred, target, expGrad);
        const off = t++ % 4;
        const pp = place(pred, off);
        const pt = place(target, (off + 1) % 4);
        const pg = alias ? pp : place(new Float32Array(m * n), (off + 3) % 4);
        const loss = wasm.meanSquaredError(m, n, pp.view, pt.view, pg.view);
        const what = `meanSquaredError(${m},${n},alias=${alias},off=${off})`;
        assertScalarClose(loss, expLoss, 1e-13 * expLoss, what);
        assertSame(pg.view, expGrad, `${what} grad`);
        pp.check(what);
        pt.check(what);
        pg.check(what);
        pp.free();
        pt.free();
        if (!alias) pg.free();
      }
    }
  });
});

// ---- vectors ---------------------------------------------------------------------------------

describe('wasm vector kernels agree with the js twin', () => {
  test('l1Norm and dot (f64 accumulation)', () => {
    const rng = new Rng(31);
    let t = 0;
    for (const n of LENGTHS) {
      const x = randn(rng, n, 1, 0.1);
      const y = randn(rng, n);
      const off = t++ % 4;
      const px = place(x, off);
      const py = place(y, (off + 1) % 4);
      let mag = 0;
      for (let i = 0; i < n; i++) mag += Math.abs(x[i]! * y[i]!);
      assertScalarClose(wasm.l1Norm(n, px.view), js.l1Norm(n, x), 1e-14 * js.l1Norm(n, x), `l1Norm(${n})`);
      assertScalarClose(wasm.dot(n, px.view, py.view), js.dot(n, x, y), 1e-14 * mag, `dot(${n})`);
      px.free();
      py.free();
    }
  });

  test('l1Norm and dot are accumulated in double precision', () => {
    // 2^24 + 1 + 1 + ... is not representable step by step in float32.
    const n = 1001;
    const x = new Float32Array(n).fill(1);
    x[0] = 2 ** 24;
    const px = place(x, 1);
    assert.equal(wasm.l1Norm(n, px.view), 2 ** 24 + 1000);
    assert.equal(wasm.dot(n, px.view, px.view), 2 ** 48 + 1000);
    px.free();
  });

  test('l1Excess: the soft-threshold\'s l1 norm (bit-exact with the js twin) and support (a direct count)', () => {
    const rng = new Rng(33);
    let t = 0;
    for (const n of LENGTHS) {
      const x = randn(rng, n, 1, 0.3);
      if (n > 3) x[1] = -0;
      const px = place(x, t++ % 4);
      for (const tau of [0, 0.1, 0.5, 10]) {
        const [s, c] = wasm.l1Excess(n, px.view, tau);
        const [es, ec] = js.l1Excess(n, x, tau);
        let direct = 0;
        for (let i = 0; i < n; i++) if (Math.abs(x[i]!) > tau) direct++;
        assert.equal(c, direct, `count(${n}, ${tau})`);
        assert.equal(ec, direct, `js count(${n}, ${tau})`);
        // the same terms added in the same order: the same bits (a projection's τ steers the path)
        assert.equal(s, es, `sum(${n}, ${tau})`);
        if (tau === 0) assert.ok(Math.abs(s - js.l1Norm(n, x)) <= 1e-12 * Math.max(1, s));
      }
      px.check(`l1Excess(${n})`);
      px.free();
    }
  });

  test('axpy and scale (bit-exact), countNonzero', () => {
    const rng = new Rng(32);
    let t = 0;
    for (const n of LENGTHS) {
      const x = randn(rng, n, 1, 0.3);
      const y = randn(rng, n);
      if (n > 3) {
        x[1] = -0;
        x[2] = NaN;
      }
      const alpha = rng.normal() * 0.37;
      const off = t++ % 4;
      const px = place(x, off);
      const py = place(y, (off + 2) % 4);
      assert.equal(wasm.countNonzero(n, px.view), js.countNonzero(n, x), `countNonzero(${n})`);
      const ey = y.slice();
      js.axpy(n, alpha, x, ey);
      wasm.axpy(n, alpha, px.view, py.view);
      assertSame(py.view, ey, `axpy(${n})`);
      const ex = x.slice();
      js.scale(n, alpha, ex);
      wasm.scale(n, alpha, px.view);
      assertSame(px.view, ex, `scale(${n})`);
      px.check(`vectors(${n}) x`);
      py.check(`vectors(${n}) y`);
      px.free();
      py.free();
    }
  });
});

// ---- proximal operators ------------------------------------------------------------------------

/** The y that proxGradient writes (and the js twin's proxL1 / proxLinearDecrease describe). */
function proxY(x: number, g: number, step: number, tau: number): number {
  const z = Math.fround(x - Math.fround(step) * g);
  const t = Math.fround(tau);
  return Math.fround(z > t ? z - t : z < -t ? z + t : 0);
}

describe('wasm proximal kernels', () => {
  const params: [number, number][] = [[0.01, 0.003], [0.1, 0], [0, 0.5], [1 / 3, 1e-4], [0.5, 0.25], [1e-3, 1e-7]];

  test('proxGradient writes exactly the y its statistics describe, and agrees with the js twin', () => {
    const rng = new Rng(41);
    let t = 0;
    for (const n of LENGTHS) {
      for (const [step, tau] of params) {
        const x = randn(rng, n, 0.1, 0.3);
        const g = randn(rng, n);
        const off = t++ % 4;
        const px = place(x, off);
        const pg = place(g, (off + 1) % 4);
        const po = place(new Float32Array(n), (off + 2) % 4);
        wasm.proxGradient(n, px.view, pg.view, step, tau, po.view);
        const what = `prox(${n}, step=${step}, tau=${tau})`;
        const y = new Float32Array(n);
        for (let i = 0; i < n; i++) y[i] = proxY(x[i]!, g[i]!, step, tau);
        assertSame(po.view, y, `${what} y`);
        // The js proxGradient rounds step/tau differently: within an ulp of the inputs' scale.
        const jy = new Float32Array(n);
        js.proxGradient(n, x, g, step, tau, jy);
        assertClose(po.view, jy, (i) => 2 * U32 * (Math.abs(x[i]!) + Math.abs(step * g[i]!) + tau) + 1e-30, `${what} vs js`);
        // Statistics: vs the js twin and vs the written y.
        let l1 = 0;
        let dec = 0;
        let mag = 0;
        for (let i = 0; i < n; i++) {
          l1 += Math.abs(y[i]!);
          dec += g[i]! * (y[i]! - x[i]!);
          mag += Math.abs(g[i]! * (y[i]! - x[i]!));
        }
        const wl1 = wasm.proxL1(n, px.view, pg.view, step, tau);
        const wdec = wasm.proxLinearDecrease(n, px.view, pg.view, step, tau);
        assertScalarClose(wl1, l1, 1e-14 * l1, `${what} proxL1 vs written y`);
        assertScalarClose(wl1, js.proxL1(n, x, g, step, tau), 1e-14 * l1, `${what} proxL1 vs js`);
        assertScalarClose(wl1, wasm.l1Norm(n, po.view), 1e-14 * l1, `${what} proxL1 vs l1Norm(y)`);
        assertScalarClose(wdec, dec, 1e-14 * mag, `${what} proxLinearDecrease vs written y`);
        assertScalarClose(wdec, js.proxLinearDecrease(n, x, g, step, tau), 1e-14 * mag, `${what} proxLinearDecrease vs js`);
        // the fused pass sums in the same order as the two separate ones: identical results
        assert.deepEqual(wasm.proxStats(n, px.view, pg.view, step, tau), [wdec, wl1], `${what} proxStats`);
        const [jd, jl] = js.proxStats(n, x, g, step, tau);
        assertScalarClose(jd, wdec, 1e-14 * mag, `${what} js proxStats decrease`);
        assertScalarClose(jl, wl1, 1e-14 * l1, `${what} js proxStats l1`);
        px.check(what);
        pg.check(what);
        po.check(what);
        px.free();
        pg.free();
        po.free();
      }
    }
  });

  test('proxGradient with out aliasing x', () => {
    const rng = new Rng(42);
    for (const n of [1, 3, 7, 129, 1000]) {
      const x = randn(rng, n, 0.1);
      const g = randn(rng, n);
      const px = place(x, 1);
      const pg = place(g, 2);
      const po = place(new Float32Array(n), 3);
      wasm.proxGradient(n, px.view, pg.view, 0.05, 0.01, po.view);
      wasm.proxGradient(n, px.view, pg.view, 0.05, 0.01, px.view);
      assertSame(px.view, po.view, `aliased prox(${n})`);
      px.check('aliased prox');
      px.free();
      pg.free();
      po.free();
    }
  });

  test('NaN and edge values shrink like the js twin', () => {
    const x = new Float32Array([NaN, 0, -0, 0.003, -0.003, 1e30, -1e-30, 0.0030000001]);
    const g = new Float32Array([1, NaN, 0, 0, 0, 1, 0, 0]);
    const px = place(x, 2);
    const pg = place(g, 3);
    const po = place(new Float32Array(x.length), 1);
    wasm.proxGradient(x.length, px.view, pg.view, 0.01, 0.003, po.view);
    const jy = new Float32Array(x.length);
    js.proxGradient(x.length, x, g, 0.01, 0.003, jy);
    assertClose(po.view, jy, () => 1e-9, 'edge prox');
    px.free();
    pg.free();
    po.free();
  });
});

// ---- optimisers ------------------------------------------------------------------------------

describe('wasm optimiser updates agree with the js twin (bit-exact)', () => {
  test('momentumStep and adamStep', () => {
    const rng = new Rng(51);
    let t = 0;
    for (const n of LENGTHS) {
      const x = randn(rng, n);
      const g = randn(rng, n);
      const v = randn(rng, n, 0.1);
      const m2 = randn(rng, n, 0.1);
      const v2 = randn(rng, n, 0.01).map(Math.abs);
      const off = t++ % 4;
      const px = place(x, off);
      const pg = place(g, (off + 1) % 4);
      const pv = place(v, (off + 2) % 4);
      const ex = x.slice();
      const ev = v.slice();
      js.momentumStep(n, ex, g, ev, 0.05, 0.9);
      wasm.momentumStep(n, px.view, pg.view, pv.view, 0.05, 0.9);
      assertSame(px.view, ex, `momentum x (${n})`);
      assertSame(pv.view, ev, `momentum v (${n})`);
      const pm2 = place(m2, (off + 3) % 4);
      const pv2 = place(v2, off);
      const em = m2.slice();
      const ev2 = v2.slice();
      const ex2 = ex.slice();
      const b1 = 0.9;
      const b2 = 0.999;
      const step = 7;
      js.adamStep(n, ex2, g, em, ev2, 1e-3, b1, b2, 1e-8, 1 - b1 ** step, 1 - b2 ** step);
      wasm.adamStep(n, px.view, pg.view, pm2.view, pv2.view, 1e-3, b1, b2, 1e-8, 1 - b1 ** step, 1 - b2 ** step);
      assertSame(px.view, ex2, `adam x (${n})`);
      assertSame(pm2.view, em, `adam m (${n})`);
      assertSame(pv2.view, ev2, `adam v (${n})`);
      for (const p of [px, pg, pv, pm2, pv2]) {
        p.check(`optim(${n})`);
        p.free();
      }
    }
  });
});

// ---- argument checks ---------------------------------------------------------------------------

function assertInternal(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RegpathError, `expected a RegpathError, got ${String(e)}`);
    assert.equal(e.code, 'INTERNAL');
    assert.match(e.message, pattern);
    return true;
  });
}

describe('wasm argument checks', () => {
  test('a buffer not from this backend is a programming error', () => {
    const mine = wasm.alloc(16);
    const plain = new Float32Array(16);
    assertInternal(() => wasm.gemm(4, 4, 1, plain, mine, mine, false), /gemm.*'a'.*not a buffer of this wasm backend/);
    assertInternal(() => wasm.l1Norm(16, plain), /l1Norm.*'x'/);
    assertInternal(() => wasm.proxGradient(16, mine, mine, 0.1, 0.1, plain), /proxGradient.*'out'/);
    const other = createWasmKernels();
    const theirs = other.alloc(16);
    assertInternal(() => wasm.dot(16, mine, theirs), /dot.*'y'.*not a buffer/);
    assertInternal(() => other.dot(16, mine, theirs), /dot.*'x'.*not a buffer/);
    assertInternal(() => wasm.free(plain), /not allocated by this wasm backend/);
    wasm.free(mine);
  });

  test('a buffer too short for the shapes is a programming error', () => {
    const a = wasm.alloc(12);
    const b = wasm.alloc(12);
    const c = wasm.alloc(15);
    assertInternal(() => wasm.gemm(4, 4, 3, a, b, c, false), /gemm.*'c' has 15 floats, the shapes need 16/);
    assertInternal(() => wasm.axpy(13, 1, a, b), /axpy.*'x' has 12/);
    for (const buf of [a, b, c]) wasm.free(buf);
  });
});

// ---- allocator ---------------------------------------------------------------------------------

describe('wasm allocator', () => {
  test('buffers are 16-byte aligned, zeroed, disjoint', () => {
    const k = createWasmKernels();
    const bufs: Float32Array[] = [];
    for (let n = 0; n < 40; n++) {
      const a = k.alloc(n);
      assert.equal(a.length, n);
      assert.equal(a.byteOffset % 16, 0, `alloc(${n}) alignment`);
      assert.ok(a.every((v) => v === 0), `alloc(${n}) zeroed`);
      a.fill(n + 1);
      bufs.push(a);
    }
    bufs.forEach((a, n) => assert.ok(a.every((v) => v === n + 1), `buffer ${n} intact`));
  });

  test('freed blocks are reused (best fit, merged with neighbours) and re-zeroed', () => {
    const k = createWasmKernels();
    const live0 = k.heap.stats().liveBytes; // the backend's own scratch (proxStats' results)
    const a = k.alloc(100);
    const b = k.alloc(50);
    const c = k.alloc(100);
    const keep = k.alloc(4); // keeps c below the top
    a.fill(1);
    b.fill(2);
    c.fill(3);
    const aOff = a.byteOffset;
    const bOff = b.byteOffset;
    const cOff = c.byteOffset;
    k.free(b);
    const b2 = k.alloc(48);
    assert.equal(b2.byteOffset, bOff, 'a freed block is reused');
    assert.ok(b2.every((v) => v === 0), 'reused block is zeroed');
    k.free(b2);
    k.free(a);
    // a and b merged: 400 + 200 bytes at a's offset.
    const ab = k.alloc(150);
    assert.equal(ab.byteOffset, aOff, 'merged neighbours are reused');
    assert.ok(ab.every((v) => v === 0));
    k.free(ab);
    k.free(c);
    const abc = k.alloc(250);
    assert.equal(abc.byteOffset, aOff, 'three merged neighbours are reused');
    assert.ok(cOff > aOff);
    // Freeing the block at the top lowers the top.
    const top = k.heap.stats().top;
    k.free(keep);
    assert.ok(k.heap.stats().top < top, 'freeing the top block lowers the top');
    k.free(abc);
    assert.equal(k.heap.stats().liveBytes, live0);
    assert.equal(k.heap.stats().freeBlocks, 0, 'everything merged back into the top');
  });

  test('double free, subarray free and bad lengths are programming errors', () => {
    const k = createWasmKernels();
    const a = k.alloc(10);
    assertInternal(() => k.free(a.subarray(2)), /no live buffer starts at byte/);
    assertInternal(() => k.free(a.subarray(0, 5)), /expected the whole buffer of 10 floats/);
    k.free(a);
    assertInternal(() => k.free(a), /no live buffer starts at byte/);
    assertInternal(() => k.alloc(-1), /non-negative integer/);
    assertInternal(() => k.alloc(1.5), /non-negative integer/);
  });

  test('growing the memory keeps earlier views valid (and usable by the kernels)', () => {
    const k = createWasmKernels();
    const small = k.alloc(1001);
    for (let i = 0; i < small.length; i++) small[i] = i - 500;
    const before = k.memory.buffer.byteLength;
    const big = k.alloc(16 * 1024 * 1024); // 64 MiB: forces growth
    assert.ok(k.memory.buffer.byteLength > before, 'memory grew');
    assert.notEqual(small.buffer.byteLength, 0, 'old view not detached');
    assert.equal(small[1000], 500);
    assert.equal(big[big.length - 1], 0);
    // Kernels accept views on the old and new SharedArrayBuffer objects alike.
    assert.equal(k.l1Norm(small.length, small), 250500);
    big.set(small.subarray(0, 10), big.length - 10);
    k.axpy(10, 1, big.subarray(big.length - 10), small);
    assert.equal(small[0], -1000);
    k.free(big);
    const again = k.alloc(10);
    assert.ok(again.every((v) => v === 0));
  });
});

// ---- backend selection ------------------------------------------------------------------------

describe('backend selection', () => {
  const url = new URL('../src/kernels/index.js', import.meta.url).href;
  const run = (env: Record<string, string>): { out: string; err: string; status: number | null } => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    delete childEnv['REGPATH_KERNELS'];
    delete childEnv['REGPATH_SIMD'];
    const script = `import { kernels } from ${JSON.stringify(url)}; const k = kernels(); console.log(k.name + (k.simd ? ' ' + k.simd : ''));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...childEnv, ...env },
      encoding: 'utf8',
    });
    return { out: r.stdout.trim(), err: r.stderr, status: r.status };
  };

  test('wasm by default, js with REGPATH_KERNELS=js', () => {
    const byDefault = run({});
    assert.equal(byDefault.out, 'wasm fma');
    assert.equal(byDefault.err, '');
    assert.equal(run({ REGPATH_KERNELS: 'js' }).out, 'js');
    assert.equal(run({ REGPATH_KERNELS: 'wasm' }).out, 'wasm fma');
    const bad = run({ REGPATH_KERNELS: 'gpu' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.err, /REGPATH_KERNELS must be 'wasm' or 'js'/);
  });

  test('REGPATH_SIMD picks the build: fma, baseline, and an error for anything else', () => {
    assert.equal(run({ REGPATH_SIMD: 'baseline' }).out, 'wasm baseline');
    assert.equal(run({ REGPATH_SIMD: 'fma' }).out, 'wasm fma');
    assert.equal(run({ REGPATH_SIMD: 'auto' }).out, 'wasm fma');
    const bad = run({ REGPATH_SIMD: 'avx512' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.err, /REGPATH_SIMD must be 'auto', 'fma' or 'baseline', not 'avx512'/);
  });

  test('both backends expose the same kernels', () => {
    const names = (k: Kernels): string[] => Object.keys(k).filter((key) => typeof (k as unknown as Record<string, unknown>)[key] === 'function').sort();
    for (const name of names(js)) assert.equal(typeof (wasm as unknown as Record<string, unknown>)[name], 'function', name);
  });
});
