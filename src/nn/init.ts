import type { ActName } from '../kernels/kernels.js';
import { Rng } from '../util/rng.js';
import type { ParameterLayout } from './layout.js';

/**
 * Seeded initialisation: He normal (std √(2/fan_in)) for ReLU layers, Glorot normal
 * (std √(2/(fan_in+fan_out))) for tanh, sigmoid and identity, biases zero; the output layer
 * always uses Glorot since no ReLU follows it.
 */
export function initParameters(layout: ParameterLayout, activation: ActName, seed: number, theta: Float32Array): void {
  const rng = new Rng(seed);
  theta.fill(0);
  for (let l = 0; l < layout.depth; l++) {
    const fanIn = layout.fanIn(l);
    const fanOut = layout.fanOut(l);
    const isOutput = l === layout.depth - 1;
    const std = activation === 'relu' && !isOutput ? Math.sqrt(2 / fanIn) : Math.sqrt(2 / (fanIn + fanOut));
    const w = layout.weights(theta, l);
    for (let i = 0; i < w.length; i++) w[i] = std * rng.normal();
  }
}
