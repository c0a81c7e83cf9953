import type { Kernels } from '../kernels/kernels.js';

/** The non-zero magnitudes of the last call (reused; grown when needed). */
let scratch = new Float64Array(0);

/**
 * Projects w[0 ..< p) onto the l1 ball of the given radius, in place: the soft-threshold S_τ with
 * ‖S_τ(w)‖₁ = radius (w is left alone when it is inside already). l1(τ) = Σ max(|w_i| - τ, 0) is
 * convex, decreasing and piecewise linear, so Newton from τ = 0 (slope: minus the count of
 * |w_i| > τ) approaches the root from below and lands on it once it is in the root's piece:
 * usually a few passes when w is just outside the ball, as after a corrector step. τ only grows,
 * so an entry at or below it never counts again: each pass keeps just the entries above τ.
 * Returns τ.
 */
export function projectOntoL1Ball(k: Kernels, w: Float32Array, p: number, radius: number): number {
  const v = w.subarray(0, p);
  if (scratch.length < p) scratch = new Float64Array(p);
  const a = scratch;
  let m = 0;
  for (let i = 0; i < p; i++) {
    const x = Math.abs(v[i]!);
    if (x > 0) a[m++] = x;
  }
  let tau = 0;
  for (let it = 0; it < 100; it++) {
    let l1 = 0, kept = 0;
    for (let i = 0; i < m; i++) {
      const d = a[i]! - tau;
      if (d > 0) {
        l1 += d;
        a[kept++] = a[i]!;
      }
    }
    m = kept;
    if (m === 0 || l1 - radius <= 1e-12 * radius) break;
    tau += (l1 - radius) / m;
  }
  if (tau > 0) k.proxGradient(p, v, v, 0, tau, v);
  return tau;
}
