import type { Kernels } from '../kernels/kernels.js';

/**
 * The second objective of a path: which norm of the penalised prefix θ_pen (the weights, by
 * default) is traded against the loss.
 *
 *     l1:  P(θ) = ‖θ_pen‖₁      prox_{sλP}(z) = S_{sλ}(z), the soft-threshold (exact zeros)
 *     l2:  P(θ) = ‖θ_pen‖₂²     prox_{sλP}(z) = z / (1 + 2sλ), weight decay
 *
 * The l2 prox is the closed form of argmin_y ‖y - z‖²/(2s) + λ‖y‖²; with it a proximal step has
 * the same fixed point as a gradient step on L + λ‖θ_pen‖² (∇L + 2λθ = 0), so the sweep's warm
 * starts and step-size rules carry over unchanged. It shrinks but never zeroes a weight.
 */
export type PenaltyName = 'l1' | 'l2';

export interface Penalty {
  readonly name: PenaltyName;
  /** P over the first n entries of θ (double precision). */
  value(k: Kernels, n: number, theta: Float32Array): number;
  /** In place on w: w ← prox of tau·P (tau = step·λ). */
  prox(k: Kernels, w: Float32Array, tau: number): void;
}

export const L1: Penalty = {
  name: 'l1',
  value: (k, n, theta) => k.l1Norm(n, theta),
  prox: (k, w, tau) => k.proxGradient(w.length, w, w, 0, tau, w),
};

export const L2: Penalty = {
  name: 'l2',
  value: (k, n, theta) => k.dot(n, theta, theta),
  prox: (k, w, tau) => k.scale(w.length, 1 / (1 + 2 * tau), w),
};

export function penaltyOf(name: PenaltyName | undefined): Penalty {
  return name === 'l2' ? L2 : L1;
}
