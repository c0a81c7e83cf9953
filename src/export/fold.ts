/**
 * Folding the standardisation into the network, so that an exported network takes raw features
 * and (regression) predicts in the target's units. With x' = (x - m) / s per feature, the first
 * layer becomes
 *
 *     x'·W + b = x·W' + b',   W'[i, j] = W[i, j] / s[i],   b'[j] = b[j] - Σ_i m[i] · W'[i, j]
 *
 * and with a target fitted as y' = (y - μ) / σ, the output layer h·W + b becomes h·σW + (σb + μ).
 * Exact algebra; only float32 rounding differs (sums are taken in doubles and rounded once).
 * A zero weight stays exactly zero, so the sparsity pattern and the non-zero count are kept.
 */
import type { Standardizer, TargetScale } from '../data/types.js';
import { planModel } from '../nn/architecture.js';
import { inputShapeOf, specsOf, type Architecture } from '../nn/mlp.js';
import type { DenseLayer } from '../nn/sparse.js';

export function foldStandardizer(layers: DenseLayer[], s: Standardizer | null): DenseLayer[] {
  const copy = layers.map((l) => ({ ...l, kernel: Float32Array.from(l.kernel), bias: Float32Array.from(l.bias) }));
  if (!s) return copy;
  const first = copy[0]!;
  const { fanIn, fanOut } = first;
  if (s.mean.length !== fanIn || s.std.length !== fanIn) {
    throw new Error(`internal: standardizer for ${s.mean.length} features, first layer takes ${fanIn}`);
  }
  const w = layers[0]!.kernel;
  const shift = new Float64Array(fanOut);
  for (let i = 0; i < fanIn; i++) {
    const inv = 1 / s.std[i]!;
    const m = s.mean[i]!;
    for (let j = 0; j < fanOut; j++) {
      const v = w[i * fanOut + j]!;
      if (v === 0) continue;
      const scaled = Math.fround(v * inv); // the weight as stored, so b' matches it
      first.kernel[i * fanOut + j] = scaled;
      shift[j]! += m * scaled;
    }
  }
  const b = layers[0]!.bias;
  for (let j = 0; j < fanOut; j++) first.bias[j] = b[j]! - shift[j]!;
  const last = copy[copy.length - 1]!;
  if (s.target) foldTarget(last.kernel, last.bias, s.target);
  return copy;
}

/**
 * A network with image layers: a copy of θ with the target scale folded into its output layer
 * (the features' standardisation stays in the graph, see onnx-layers.ts).
 */
export function foldTargetIntoNetwork(network: { arch: Architecture; theta: Float32Array }, s: Standardizer | null): { arch: Architecture; theta: Float32Array } {
  if (!s?.target) return network;
  const { arch } = network;
  const { layout } = planModel(specsOf(arch), inputShapeOf(arch), arch.layers[arch.layers.length - 1]!);
  const theta = Float32Array.from(network.theta);
  const out = layout.depth - 1;
  foldTarget(layout.weights(theta, out), layout.bias(theta, out), s.target);
  return { arch, theta };
}

/** Output layer (in place): W ← σW, b ← σb + μ. */
function foldTarget(kernel: Float32Array, bias: Float32Array, t: TargetScale): void {
  for (let i = 0; i < kernel.length; i++) if (kernel[i] !== 0) kernel[i] = t.std * kernel[i]!;
  for (let j = 0; j < bias.length; j++) bias[j] = t.mean + t.std * bias[j]!;
}
