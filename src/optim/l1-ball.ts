import type { Kernels } from '../kernels/kernels.js';

/**
 * Projects w[0 ..< p) onto the l1 ball of the given radius, in place: the soft-threshold S_τ with
 * ‖S_τ(w)‖₁ = radius (w is left alone when it is inside already). l1(τ) = Σ max(|w_i| - τ, 0) is
 * convex, decreasing and piecewise linear, so Newton from τ = 0 (slope: minus the count of
 * |w_i| > τ) approaches the root from below and lands on it once it is in the root's piece:
 * usually a few passes when w is just outside the ball, as after a corrector step. Each pass is
 * one l1Excess kernel call (on wasm its compares in SIMD, its sum in index order, so τ has the
 * bits of the JS loop it replaces, which was 3 % of the default MNIST run's single-thread time:
 * the heavy-ball corrector projects after most steps). Returns τ. A radius of 0 zeroes w[0 ..< p).
 */
export function projectOntoL1Ball(k: Kernels, w: Float32Array, p: number, radius: number): number {
  const v = w.subarray(0, p);
  if (!(radius > 0)) {
    // the ball is the origin: every weight 0, exactly whatever Newton's last step to τ = max|w_i|
    // would round to (the ε-constraint correctors' last step asks for it)
    let max = 0;
    for (let i = 0; i < p; i++) max = Math.max(max, Math.abs(v[i]!));
    v.fill(0);
    return max;
  }
  let tau = 0;
  for (let it = 0; it < 100; it++) {
    const [l1, m] = k.l1Excess(p, v, tau);
    if (m === 0 || l1 - radius <= 1e-12 * radius) break;
    const next = tau + (l1 - radius) / m;
    // τ stalls only where rounding ends Newton's finite steps
    if (!(next > tau)) break;
    tau = next;
  }
  if (tau > 0) k.proxGradient(p, v, v, 0, tau, v);
  return tau;
}
