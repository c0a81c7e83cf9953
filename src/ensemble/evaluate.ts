import type { Kernels } from '../kernels/kernels.js';
import { Mlp } from '../nn/mlp.js';
import type { DeviceData } from '../nn/problem.js';
import { rowChunks } from '../nn/chunks.js';
import { Rng } from '../util/rng.js';
import { meanWeights, sampleWeights, type Ensemble } from './model.js';

export interface Accuracy {
  loss: number;
  accuracy: number;
}

/**
 * Deterministic networks drawn from an ensemble, evaluated on all inputs: the mean-field network
 * (weights μ/√N, no noise) and sampled subnetworks (each weight 0 w.p. π, else N(m, Ξ), over √N).
 * They are plain ReLU MLPs with zero biases, so the path's Mlp runs them.
 */
export class Evaluator {
  readonly mlp: Mlp;
  private readonly theta: Float32Array;
  /** Views on the weights of each layer (biases stay 0). */
  readonly weights: Float32Array[] = [];

  constructor(private readonly k: Kernels, layers: readonly number[], maxRows = 2048) {
    this.mlp = new Mlp(k, { layers: [...layers], activation: 'relu', loss: 'cross-entropy' }, maxRows);
    this.theta = k.alloc(this.mlp.layout.size);
    for (let l = 0; l < this.mlp.layout.depth; l++) this.weights.push(this.mlp.layout.weights(this.theta, l));
  }

  /** Mean loss and accuracy of the current weights over `data`, in chunks of the workspace. */
  evaluate(data: DeviceData): Accuracy {
    let loss = 0, correct = 0;
    for (const { rows, x, y } of rowChunks(data, this.mlp.maxRows)) {
      const r = this.mlp.lossAndGradient(this.theta, x, y, rows, null);
      loss += r.loss * rows;
      correct += r.correct;
    }
    return { loss: loss / data.rows, accuracy: correct / data.rows };
  }

  meanField(e: Ensemble, data: DeviceData): Accuracy {
    meanWeights(e, this.weights);
    return this.evaluate(data);
  }

  /** Accuracy of `samples` subnetworks drawn with a generator seeded by `seed`. */
  sampled(e: Ensemble, data: DeviceData, samples: number, seed: number): { mean: number; std: number; accuracies: number[] } {
    const rng = new Rng(seed);
    const acc: number[] = [];
    for (let s = 0; s < samples; s++) {
      sampleWeights(e, rng, this.weights);
      acc.push(this.evaluate(data).accuracy);
    }
    return { ...meanStd(acc), accuracies: acc };
  }
}

/** Mean and sample standard deviation (0 for fewer than two values). */
export function meanStd(xs: number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}
