import type { Dataset } from '../data/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { rowChunks } from '../nn/chunks.js';
import { rowCrossEntropy } from '../nn/row-loss.js';
import { Mlp, WORKSPACE_BYTES, rowsWithin, type Architecture } from '../nn/mlp.js';

/** A network measured on held-out rows. */
export interface HeldOutScore {
  /** Mean loss per row (the training objective's loss: cross-entropy with natural log, or squared error). */
  loss: number;
  /** Standard error of that mean over the rows: sd(row losses) / √rows. */
  lossSE: number;
  accuracy?: number;
  /** √(acc(1-acc)/rows). */
  accuracySE?: number;
}

const CHUNK = 2048;

/**
 * Measures networks of one architecture on one held-out data set. The rows are copied into
 * kernel memory once; each row's loss is taken from the logits in double precision, so the mean
 * and its standard error come from the same numbers. Call dispose() to give the memory back.
 */
export class HeldOutEvaluator {
  private readonly mlp: Mlp;
  private readonly x: Float32Array;
  private readonly theta: Float32Array;

  constructor(private readonly k: Kernels, private readonly arch: Architecture, private readonly data: Dataset) {
    this.mlp = new Mlp(k, arch, Math.max(1, Math.min(CHUNK, data.rows, rowsWithin(arch, WORKSPACE_BYTES))));
    this.x = k.alloc(data.rows * data.features);
    this.x.set(data.x.subarray(0, data.rows * data.features));
    this.theta = k.alloc(this.mlp.layout.size);
  }

  score(parameters: Float32Array): HeldOutScore {
    const { data, mlp } = this;
    const c = mlp.outputs;
    const classify = this.arch.loss === 'cross-entropy';
    this.theta.set(parameters);
    // Welford's running mean and sum of squared deviations
    let count = 0;
    let mean = 0;
    let m2 = 0;
    let correct = 0;
    for (const chunk of rowChunks({ ...data, x: this.x }, mlp.maxRows)) {
      const out = mlp.forward(this.theta, chunk.x, chunk.rows);
      for (let i = 0; i < chunk.rows; i++) {
        const y = chunk.y[i]!;
        const o = i * c;
        let loss: number;
        if (classify) {
          let best = 0;
          for (let j = 1; j < c; j++) if (out[o + j]! > out[o + best]!) best = j;
          if (best === y) correct++;
          loss = rowCrossEntropy(out, o, c, y);
        } else {
          const e = out[o]! - y;
          loss = e * e;
        }
        count++;
        const delta = loss - mean;
        mean += delta / count;
        m2 += delta * (loss - mean);
      }
    }
    const n = data.rows;
    const variance = n > 1 ? m2 / (n - 1) : 0;
    const r: HeldOutScore = { loss: mean, lossSE: Math.sqrt(variance / n) };
    if (classify) {
      r.accuracy = correct / n;
      r.accuracySE = Math.sqrt((r.accuracy * (1 - r.accuracy)) / n);
    }
    return r;
  }

  dispose(): void {
    this.k.free(this.x);
    this.k.free(this.theta);
  }
}
