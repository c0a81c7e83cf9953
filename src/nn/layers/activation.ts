/**
 * Activations, as Keras's Dense and Conv2D carry them: y = act(z + b), fused with the bias into
 * one pass over z (relu, tanh, sigmoid, or identity for the output layer), and the backward pass
 * through it, expressed through the output y: relu' = [y > 0], tanh' = 1 - y², σ' = y(1 - y).
 */
import type { ActCode, Kernels } from '../../kernels/kernels.js';

/** In place over m rows of n units: z ← act(z + bias). */
export function activateForward(k: Kernels, m: number, n: number, z: Float32Array, bias: Float32Array, act: ActCode): void {
  k.biasActivate(m, n, z, bias, act);
}

/** In place over m rows of n units: dy ← dy ⊙ act'(·) (the gradient before the activation), from the output y. */
export function activateBackward(k: Kernels, m: number, n: number, y: Float32Array, dy: Float32Array, act: ActCode): void {
  if (act !== 0) k.activationBackward(m * n, y, dy, act);
}
