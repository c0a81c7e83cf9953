// Proximal (soft-thresholding) step and the two statistics the multiobjective step bisects on.
//
// All three compute y through the same function `step4`, so proxL1 and proxLinearDecrease
// describe exactly the float32 y that proxGradient writes:
//   s = f32(step), t = f32(tau)
//   z = f32(x - s·g)            (x - s·g in f64: the product is exact, one rounding to f32)
//   y = S_t(z) = z > t ? z - t : z < -t ? z + t : 0   (exact in f64, then rounded to f32)
// which is the js twin's proxL1 / proxLinearDecrease formula. The sums run in f64.
import { loadPart, storePart, high, hsum2 } from './simd';
import { demote4 } from './vector';

/** Soft threshold of two f64 lanes by t (t ≥ 0); NaN maps to 0 like the js twin. */
@inline function shrink2(z: v128, t: v128, nt: v128): v128 {
  const zero = f64x2.splat(0);
  const up = f64x2.gt(z, t);
  const down = f64x2.lt(z, nt);
  return v128.bitselect(f64x2.sub(z, t), v128.bitselect(f64x2.add(z, t), zero, down), up);
}

/** y (f32x4) for four entries x, g. */
@inline function step4(x: v128, g: v128, s: v128, t: v128, nt: v128): v128 {
  const zlo = f64x2.sub(f64x2.promote_low_f32x4(x), f64x2.mul(s, f64x2.promote_low_f32x4(g)));
  const zhi = f64x2.sub(f64x2.promote_low_f32x4(high(x)), f64x2.mul(s, f64x2.promote_low_f32x4(high(g))));
  // Round z to f32 first (as proxGradient's intermediate is), then shrink in f64 (exact for
  // f32 inputs) and round once more.
  const z = demote4(zlo, zhi);
  return demote4(
    shrink2(f64x2.promote_low_f32x4(z), t, nt),
    shrink2(f64x2.promote_low_f32x4(high(z)), t, nt),
  );
}

/** out ← S_tau(x - step·g); out may alias x. */
export function proxGradient(n: i32, x: usize, g: usize, step: f64, tau: f64, out: usize): void {
  if (n <= 0) return;
  const s = f64x2.splat(<f64><f32>step);
  const t = f64x2.splat(<f64><f32>tau);
  const nt = f64x2.neg(t);
  const nv = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) v128.store(out + o, step4(v128.load(x + o), v128.load(g + o), s, t, nt));
  const r = n & 3;
  if (r) storePart(out + o, step4(loadPart(x + o, r), loadPart(g + o, r), s, t, nt), r);
}

/** Adds g·(y - x) for four entries to two f64x2 partial sums. */
@inline function decrease4(acc: v128, xv: v128, gv: v128, y: v128, hi: bool): v128 {
  let gl = gv, yl = y, xl = xv;
  if (hi) {
    gl = high(gv);
    yl = high(y);
    xl = high(xv);
  }
  const gg = f64x2.promote_low_f32x4(gl);
  const yy = f64x2.promote_low_f32x4(yl);
  const xx = f64x2.promote_low_f32x4(xl);
  return f64x2.add(acc, f64x2.mul(gg, f64x2.sub(yy, xx)));
}

/**
 * The statistics of the y that proxGradient would write, in one pass, summed in f64: Σ g_i (y_i - x_i)
 * into out[0] when DEC, Σ |y_i| into out[1] when L1 (compile-time flags: a statistic not asked for
 * is not computed). Unused lanes of the tail hold x = g = 0, so y = 0 and they add 0.
 */
@inline function stats(DEC: bool, L1: bool, n: i32, x: usize, g: usize, step: f64, tau: f64, out: usize): void {
  const s = f64x2.splat(<f64><f32>step);
  const t = f64x2.splat(<f64><f32>tau);
  const nt = f64x2.neg(t);
  let d0 = f64x2.splat(0), d1 = d0, l0 = d0, l1 = d0;
  const nv = <usize>(max(n, 0) & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) {
    const xv = v128.load(x + o);
    const gv = v128.load(g + o);
    const y = step4(xv, gv, s, t, nt);
    if (DEC) {
      d0 = decrease4(d0, xv, gv, y, false);
      d1 = decrease4(d1, xv, gv, y, true);
    }
    if (L1) {
      const ay = f32x4.abs(y);
      l0 = f64x2.add(l0, f64x2.promote_low_f32x4(ay));
      l1 = f64x2.add(l1, f64x2.promote_low_f32x4(high(ay)));
    }
  }
  const r = n > 0 ? n & 3 : 0;
  if (r) {
    const xv = loadPart(x + o, r);
    const gv = loadPart(g + o, r);
    const y = step4(xv, gv, s, t, nt);
    if (DEC) {
      d0 = decrease4(d0, xv, gv, y, false);
      d1 = decrease4(d1, xv, gv, y, true);
    }
    if (L1) {
      const ay = f32x4.abs(y);
      l0 = f64x2.add(l0, f64x2.promote_low_f32x4(ay));
      l1 = f64x2.add(l1, f64x2.promote_low_f32x4(high(ay)));
    }
  }
  if (DEC) store<f64>(out, hsum2(f64x2.add(d0, d1)));
  if (L1) store<f64>(out, hsum2(f64x2.add(l0, l1)), 8);
}

/**
 * Where the single-statistic exports park their result. They run on the main thread only (the
 * worker pool runs GEMM chunks), so one static slot is enough.
 */
const STATS_SLOT: usize = memory.data(16, 16);

/** Σ g_i (y_i - x_i) in f64 for the y that proxGradient would write. */
export function proxLinearDecrease(n: i32, x: usize, g: usize, step: f64, tau: f64): f64 {
  if (n <= 0) return 0;
  stats(true, false, n, x, g, step, tau, STATS_SLOT);
  return load<f64>(STATS_SLOT);
}

/** Σ |y_i| in f64 for the y that proxGradient would write. */
export function proxL1(n: i32, x: usize, g: usize, step: f64, tau: f64): f64 {
  if (n <= 0) return 0;
  stats(false, true, n, x, g, step, tau, STATS_SLOT);
  return load<f64>(STATS_SLOT, 8);
}

/**
 * Both statistics of one y in one pass (the multiobjective step's dual slope needs both at each
 * α): writes Σ g_i (y_i - x_i) to out[0] and Σ |y_i| to out[1] (f64), the same sums as
 * proxLinearDecrease and proxL1.
 */
export function proxStats(n: i32, x: usize, g: usize, step: f64, tau: f64, out: usize): void {
  stats(true, true, n, x, g, step, tau, out);
}
