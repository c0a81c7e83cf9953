// Optimiser updates, element-wise in f64x2 with one rounding per stored value, so they match
// the js twin bit for bit (the f64 intermediates v_i / m_i are used unrounded for x, as there).
import { loadPart, storePart, high } from './simd';
import { demote4 } from './vector';

/** The four f64 lanes of u as (lo, hi) halves. */
@inline function lo(u: v128): v128 {
  return f64x2.promote_low_f32x4(u);
}
@inline function hi(u: v128): v128 {
  return f64x2.promote_low_f32x4(high(u));
}

/** Heavy-ball SGD: v ← mu·v + g;  x ← x - lr·v. */
export function momentumStep(n: i32, x: usize, g: usize, v: usize, lr: f64, mu: f64): void {
  if (n <= 0) return;
  const l = f64x2.splat(lr);
  const u = f64x2.splat(mu);
  const nv = <usize>(n & ~3) << 2;
  const t = n & 3;
  for (let o: usize = 0; o <= nv; o += 16) {
    const full = o < nv;
    if (!full && t == 0) break;
    let xv: v128, gv: v128, vv: v128;
    if (full) {
      xv = v128.load(x + o);
      gv = v128.load(g + o);
      vv = v128.load(v + o);
    } else {
      xv = loadPart(x + o, t);
      gv = loadPart(g + o, t);
      vv = loadPart(v + o, t);
    }
    const v0 = f64x2.add(f64x2.mul(u, lo(vv)), lo(gv));
    const v1 = f64x2.add(f64x2.mul(u, hi(vv)), hi(gv));
    const vn = demote4(v0, v1);
    const xn = demote4(f64x2.sub(lo(xv), f64x2.mul(l, v0)), f64x2.sub(hi(xv), f64x2.mul(l, v1)));
    if (full) {
      v128.store(v + o, vn);
      v128.store(x + o, xn);
    } else {
      storePart(v + o, vn, t);
      storePart(x + o, xn, t);
    }
  }
}

/**
 * Adam: m ← b1·m + (1-b1)g;  v ← b2·v + (1-b2)g²;  x ← x - lr·(m/bc1) / (sqrt(v/bc2) + eps).
 */
export function adamStep(
  n: i32, x: usize, g: usize, m: usize, v: usize,
  lr: f64, b1: f64, b2: f64, eps: f64, bc1: f64, bc2: f64,
): void {
  if (n <= 0) return;
  const B1 = f64x2.splat(b1), C1 = f64x2.splat(1 - b1);
  const B2 = f64x2.splat(b2), C2 = f64x2.splat(1 - b2);
  const LR = f64x2.splat(lr), EPS = f64x2.splat(eps);
  const BC1 = f64x2.splat(bc1), BC2 = f64x2.splat(bc2);
  const nv = <usize>(n & ~3) << 2;
  const t = n & 3;
  for (let o: usize = 0; o <= nv; o += 16) {
    const full = o < nv;
    if (!full && t == 0) break;
    let xv: v128, gv: v128, mv: v128, vv: v128;
    if (full) {
      xv = v128.load(x + o);
      gv = v128.load(g + o);
      mv = v128.load(m + o);
      vv = v128.load(v + o);
    } else {
      xv = loadPart(x + o, t);
      gv = loadPart(g + o, t);
      mv = loadPart(m + o, t);
      vv = loadPart(v + o, t);
    }
    const g0 = lo(gv), g1 = hi(gv);
    // (1-b1)·g and (1-b2)·g·g associate left to right, as in the js twin.
    const m0 = f64x2.add(f64x2.mul(B1, lo(mv)), f64x2.mul(C1, g0));
    const m1 = f64x2.add(f64x2.mul(B1, hi(mv)), f64x2.mul(C1, g1));
    const v0 = f64x2.add(f64x2.mul(B2, lo(vv)), f64x2.mul(f64x2.mul(C2, g0), g0));
    const v1 = f64x2.add(f64x2.mul(B2, hi(vv)), f64x2.mul(f64x2.mul(C2, g1), g1));
    const s0 = f64x2.div(f64x2.mul(LR, f64x2.div(m0, BC1)), f64x2.add(f64x2.sqrt(f64x2.div(v0, BC2)), EPS));
    const s1 = f64x2.div(f64x2.mul(LR, f64x2.div(m1, BC1)), f64x2.add(f64x2.sqrt(f64x2.div(v1, BC2)), EPS));
    const mn = demote4(m0, m1);
    const vn = demote4(v0, v1);
    const xn = demote4(f64x2.sub(lo(xv), s0), f64x2.sub(hi(xv), s1));
    if (full) {
      v128.store(m + o, mn);
      v128.store(v + o, vn);
      v128.store(x + o, xn);
    } else {
      storePart(m + o, mn, t);
      storePart(v + o, vn, t);
      storePart(x + o, xn, t);
    }
  }
}
