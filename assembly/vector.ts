// Vector kernels. These are memory-bound (n is a parameter count, ~10⁴–10⁶), so they favour
// exactness over raw lane count: reductions promote f32x4 to two f64x2 and accumulate in
// double precision; axpy/scale compute in f64x2 and round once, exactly like the js twin.
import { loadPart, storePart, high, hsum2 } from './simd';

/** Σ |x_i|, accumulated in f64. */
export function l1Norm(n: i32, x: usize): f64 {
  if (n <= 0) return 0;
  let s0 = f64x2.splat(0), s1 = s0, s2 = s0, s3 = s0;
  const n8 = <usize>(n & ~7) << 2;
  let o: usize = 0;
  for (; o < n8; o += 32) {
    const u = f32x4.abs(v128.load(x + o));
    const v = f32x4.abs(v128.load(x + o, 16));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(u));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(high(u)));
    s2 = f64x2.add(s2, f64x2.promote_low_f32x4(v));
    s3 = f64x2.add(s3, f64x2.promote_low_f32x4(high(v)));
  }
  const r = n & 7;
  if (r >= 4) {
    const u = f32x4.abs(v128.load(x + o));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(u));
    s1 = f64x2.add(s1, f64x2.promote_low_f32x4(high(u)));
    o += 16;
  }
  if (r & 3) {
    const u = f32x4.abs(loadPart(x + o, r & 3));
    s2 = f64x2.add(s2, f64x2.promote_low_f32x4(u));
    s3 = f64x2.add(s3, f64x2.promote_low_f32x4(high(u)));
  }
  return hsum2(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
}

/** Σ x_i y_i, each product exact in f64 and accumulated in f64. */
export function dot(n: i32, x: usize, y: usize): f64 {
  if (n <= 0) return 0;
  let s0 = f64x2.splat(0), s1 = s0;
  const nv = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) {
    const u = v128.load(x + o);
    const v = v128.load(y + o);
    s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(u), f64x2.promote_low_f32x4(v)));
    s1 = f64x2.add(s1, f64x2.mul(f64x2.promote_low_f32x4(high(u)), f64x2.promote_low_f32x4(high(v))));
  }
  const t = n & 3;
  if (t) {
    const u = loadPart(x + o, t);
    const v = loadPart(y + o, t);
    s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(u), f64x2.promote_low_f32x4(v)));
    s1 = f64x2.add(s1, f64x2.mul(f64x2.promote_low_f32x4(high(u)), f64x2.promote_low_f32x4(high(v))));
  }
  return hsum2(f64x2.add(s0, s1));
}

/** Four f32 lanes from two f64x2 (each rounded once). */
@inline export function demote4(lo: v128, hi: v128): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

@inline function axpy4(alpha: v128, u: v128, v: v128): v128 {
  const lo = f64x2.add(f64x2.promote_low_f32x4(v), f64x2.mul(alpha, f64x2.promote_low_f32x4(u)));
  const hi = f64x2.add(f64x2.promote_low_f32x4(high(v)), f64x2.mul(alpha, f64x2.promote_low_f32x4(high(u))));
  return demote4(lo, hi);
}

/** y ← y + alpha·x (computed in f64, rounded once). */
export function axpy(n: i32, alpha: f64, x: usize, y: usize): void {
  if (n <= 0) return;
  const a = f64x2.splat(alpha);
  const nv = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) v128.store(y + o, axpy4(a, v128.load(x + o), v128.load(y + o)));
  const t = n & 3;
  if (t) storePart(y + o, axpy4(a, loadPart(x + o, t), loadPart(y + o, t)), t);
}

@inline function scale4(alpha: v128, u: v128): v128 {
  return demote4(
    f64x2.mul(alpha, f64x2.promote_low_f32x4(u)),
    f64x2.mul(alpha, f64x2.promote_low_f32x4(high(u))),
  );
}

/** x ← alpha·x (computed in f64, rounded once). */
export function scale(n: i32, alpha: f64, x: usize): void {
  if (n <= 0) return;
  const a = f64x2.splat(alpha);
  const nv = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) v128.store(x + o, scale4(a, v128.load(x + o)));
  const t = n & 3;
  if (t) storePart(x + o, scale4(a, loadPart(x + o, t)), t);
}

/** Number of entries with x_i ≠ 0 (NaN counts, ±0 does not). */
export function countNonzero(n: i32, x: usize): i32 {
  if (n <= 0) return 0;
  const z = f32x4.splat(0);
  // A lane of ne() is -1 where x ≠ 0, so subtracting it counts.
  let c = i32x4.splat(0);
  const nv = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) c = i32x4.sub(c, f32x4.ne(v128.load(x + o), z));
  const t = n & 3;
  if (t) c = i32x4.sub(c, f32x4.ne(loadPart(x + o, t), z));
  return i32x4.extract_lane(c, 0) + i32x4.extract_lane(c, 1) + i32x4.extract_lane(c, 2) + i32x4.extract_lane(c, 3);
}

/**
 * The l1 norm of the soft-threshold S_τ(x) and its support, for projecting onto an l1 ball:
 * out[0] = Σ max(|x_i| − τ, 0), out[1] = #{i : |x_i| > τ} (as f64). The terms are exact in f64 and
 * added one by one in index order, like the js twin, so both give the same bits (a projection's
 * threshold steers the whole path after it); SIMD forms and compares the terms.
 */
export function l1Excess(n: i32, x: usize, tau: f64, out: usize): void {
  const zero = f64x2.splat(0);
  const t = f64x2.splat(tau);
  let s: f64 = 0;
  let c0 = zero, c1 = zero;
  const nv = <usize>(max(n, 0) & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) {
    const u = f32x4.abs(v128.load(x + o));
    const lo = f64x2.sub(f64x2.promote_low_f32x4(u), t);
    const hi = f64x2.sub(f64x2.promote_low_f32x4(high(u)), t);
    // a lane of gt() is -1 where |x| − τ > 0: subtracting counts
    const glo = f64x2.gt(lo, zero);
    const ghi = f64x2.gt(hi, zero);
    c0 = i64x2.sub(c0, glo);
    c1 = i64x2.sub(c1, ghi);
    // adding the masked term (+0 where |x| ≤ τ) leaves s as the js twin's skipped add does
    const mlo = v128.and(lo, glo);
    const mhi = v128.and(hi, ghi);
    s = s + f64x2.extract_lane(mlo, 0);
    s = s + f64x2.extract_lane(mlo, 1);
    s = s + f64x2.extract_lane(mhi, 0);
    s = s + f64x2.extract_lane(mhi, 1);
  }
  const c = i64x2.add(c0, c1);
  let count = i64x2.extract_lane(c, 0) + i64x2.extract_lane(c, 1);
  for (let i = <i32>(nv >> 2); i < n; i++) {
    const d = <f64>abs(load<f32>(x + (<usize>i << 2))) - tau;
    if (d > 0) {
      s += d;
      count++;
    }
  }
  store<f64>(out, s);
  store<f64>(out, <f64>count, 8);
}
