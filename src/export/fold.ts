/**
 * Folding the feature standardisation into the first layer, so that an exported network takes
 * raw features. With x' = (x - m) / s per feature:
 *
 *     x'·W + b = x·W' + b',   W'[i, j] = W[i, j] / s[i],   b'[j] = b[j] - Σ_i m[i] · W'[i, j]
 *
 * Exact algebra; only float32 rounding differs (sums are taken in doubles and rounded once).
 * A zero weight stays exactly zero, so the sparsity pattern and the non-zero count are kept.
 */
import type { Standardizer } from '../data/types.js';
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
  return copy;
}
