// Layer pieces: bias + activation (forward), activation derivative (backward), column sums
// (bias gradient). Activation codes match `Act` in src/kernels/kernels.ts.
//
// identity / relu are exact in f32x4. tanh and sigmoid are evaluated in f64x2 (vmath.ts) on the
// unrounded f64 sum z + bias, like the js twin, then rounded once. The
// backward formulas are evaluated in f64x2 and rounded once (bitwise equal to the js twin).
// colSums accumulates each column in f64, row after row, also exactly like the js twin.
import { loadPart, storePart, high } from './simd';
import { demote4 } from './vector';
import { tanhv, sigmoidv } from './vmath';

const IDENTITY: i32 = 0;
const RELU: i32 = 1;
const TANH: i32 = 2;
const SIGMOID: i32 = 3;

/** relu on four lanes: x where x > 0, else +0 (NaN → 0, like `x > 0 ? x : 0`). */
@inline function relu4(v: v128): v128 {
  return v128.and(v, f32x4.gt(v, f32x4.splat(0)));
}

/** act(z + bias) for four lanes: the sum in f64 (unrounded, as in the js twin), act in f64. */
@inline function smooth4(z: v128, b: v128, act: i32): v128 {
  const lo = f64x2.add(f64x2.promote_low_f32x4(z), f64x2.promote_low_f32x4(b));
  const hi = f64x2.add(f64x2.promote_low_f32x4(high(z)), f64x2.promote_low_f32x4(high(b)));
  if (act == TANH) return demote4(tanhv(lo), tanhv(hi));
  return demote4(sigmoidv(lo), sigmoidv(hi));
}

/** Row of n floats at z: z ← act(z + bias) for tanh / sigmoid. */
@inline function rowSmooth(n: i32, z: usize, bias: usize, act: i32): void {
  const nv = <usize>(n & ~3) << 2;
  const t = n & 3;
  let o: usize = 0;
  for (; o < nv; o += 16) v128.store(z + o, smooth4(v128.load(z + o), v128.load(bias + o), act));
  if (t) storePart(z + o, smooth4(loadPart(z + o, t), loadPart(bias + o, t), act), t);
}

/** In place, row-wise: z[i, j] ← act(z[i, j] + bias[j]) for an m×n matrix z. */
export function biasActivate(m: i32, n: i32, z: usize, bias: usize, act: i32): void {
  if (m <= 0 || n <= 0) return;
  const rowBytes = <usize>n << 2;
  const nv = <usize>(n & ~3) << 2;
  const t = n & 3;
  if (act == TANH) {
    for (let i = 0; i < m; i++) rowSmooth(n, z + <usize>i * rowBytes, bias, TANH);
    return;
  }
  if (act == SIGMOID) {
    for (let i = 0; i < m; i++) rowSmooth(n, z + <usize>i * rowBytes, bias, SIGMOID);
    return;
  }
  const relu = act == RELU;
  for (let i = 0; i < m; i++) {
    const zr = z + <usize>i * rowBytes;
    let o: usize = 0;
    if (relu) {
      for (; o < nv; o += 16) v128.store(zr + o, relu4(f32x4.add(v128.load(zr + o), v128.load(bias + o))));
      if (t) storePart(zr + o, relu4(f32x4.add(loadPart(zr + o, t), loadPart(bias + o, t))), t);
    } else {
      for (; o < nv; o += 16) v128.store(zr + o, f32x4.add(v128.load(zr + o), v128.load(bias + o)));
      if (t) storePart(zr + o, f32x4.add(loadPart(zr + o, t), loadPart(bias + o, t)), t);
    }
  }
}

/** grad·(1 - a²) for four lanes, in f64, rounded once. */
@inline function tanhBack4(a: v128, g: v128): v128 {
  const one = f64x2.splat(1);
  const alo = f64x2.promote_low_f32x4(a);
  const ahi = f64x2.promote_low_f32x4(high(a));
  return demote4(
    f64x2.mul(f64x2.promote_low_f32x4(g), f64x2.sub(one, f64x2.mul(alo, alo))),
    f64x2.mul(f64x2.promote_low_f32x4(high(g)), f64x2.sub(one, f64x2.mul(ahi, ahi))),
  );
}

/** grad·a·(1 - a) for four lanes, in f64, rounded once. */
@inline function sigmoidBack4(a: v128, g: v128): v128 {
  const one = f64x2.splat(1);
  const alo = f64x2.promote_low_f32x4(a);
  const ahi = f64x2.promote_low_f32x4(high(a));
  return demote4(
    f64x2.mul(f64x2.mul(f64x2.promote_low_f32x4(g), alo), f64x2.sub(one, alo)),
    f64x2.mul(f64x2.mul(f64x2.promote_low_f32x4(high(g)), ahi), f64x2.sub(one, ahi)),
  );
}

/** In place: grad ← grad · act'(·), the derivative taken through the activation output a. */
export function activationBackward(n: i32, a: usize, grad: usize, act: i32): void {
  if (n <= 0) return;
  const nv = <usize>(n & ~3) << 2;
  const t = n & 3;
  let o: usize = 0;
  if (act == RELU) {
    // Keep grad where a > 0, else +0 (a = 0, -0 and NaN all zero the gradient).
    const z = f32x4.splat(0);
    for (; o < nv; o += 16) v128.store(grad + o, v128.and(v128.load(grad + o), f32x4.gt(v128.load(a + o), z)));
    if (t) storePart(grad + o, v128.and(loadPart(grad + o, t), f32x4.gt(loadPart(a + o, t), z)), t);
  } else if (act == TANH) {
    for (; o < nv; o += 16) v128.store(grad + o, tanhBack4(v128.load(a + o), v128.load(grad + o)));
    if (t) storePart(grad + o, tanhBack4(loadPart(a + o, t), loadPart(grad + o, t)), t);
  } else if (act == SIGMOID) {
    for (; o < nv; o += 16) v128.store(grad + o, sigmoidBack4(v128.load(a + o), v128.load(grad + o)));
    if (t) storePart(grad + o, sigmoidBack4(loadPart(a + o, t), loadPart(grad + o, t)), t);
  }
  // identity: derivative 1, nothing to do.
}

/**
 * out[j] (+)= Σ_i a[i, j] over an m×n matrix, each column summed in f64 in row order.
 * Columns go in blocks of 8 (four f64x2 accumulators) so each pass reads 32 bytes per row.
 */
export function colSums(m: i32, n: i32, a: usize, out: usize, accumulate: i32): void {
  if (n <= 0) return;
  if (m < 0) m = 0;
  const rowBytes = <usize>n << 2;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
    let p = a + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      const u = v128.load(p);
      const v = v128.load(p, 16);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(u));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(high(u)));
      s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v));
      s3 = f64x2.add(s3, f64x2.promote_low_f32x4(high(v)));
      p += rowBytes;
    }
    finish(out + (<usize>j << 2), s0, s1, 4, accumulate);
    finish(out + (<usize>j << 2) + 16, s2, s3, 4, accumulate);
  }
  for (; j < n; j += 4) {
    const w = min(4, n - j);
    let s0 = f64x2.splat(0), s1 = s0;
    let p = a + (<usize>j << 2);
    for (let i = 0; i < m; i++) {
      let u: v128;
      if (w == 4) u = v128.load(p);
      else u = loadPart(p, w);
      s0 = f64x2.add(s0, f64x2.promote_low_f32x4(u));
      s1 = f64x2.add(s1, f64x2.promote_low_f32x4(high(u)));
      p += rowBytes;
    }
    finish(out + (<usize>j << 2), s0, s1, w, accumulate);
  }
}

/** out[0..w] ← (accumulate ? out : 0) + [s0, s1], in f64, rounded once. */
@inline function finish(out: usize, s0: v128, s1: v128, w: i32, accumulate: i32): void {
  if (accumulate) {
    let o: v128;
    if (w == 4) o = v128.load(out);
    else o = loadPart(out, w);
    s0 = f64x2.add(f64x2.promote_low_f32x4(o), s0);
    s1 = f64x2.add(f64x2.promote_low_f32x4(high(o)), s1);
  }
  const r = demote4(s0, s1);
  if (w == 4) v128.store(out, r);
  else storePart(out, r, w);
}
