import type { Dataset } from '../data/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { SparseBatcher, type SparseBatch } from './sparse-batch.js';

export interface EnsembleBatch {
  /** rows × inputs-in-use (dense form; unused when `sparse` is set). */
  x: Float32Array;
  x2: Float32Array;
  y: Float32Array;
  rows: number;
  sparse: SparseBatch | null;
}

/**
 * The training mini-batches of the ensemble, in the form the first layer multiplies fastest:
 * sparse inputs (raw images) as CSR (sparse-batch.ts); dense ones in kernel memory with the inputs
 * that are zero in every training row left out (`active`, see net.ts) and x² precomputed.
 * Batches are the consecutive blocks of an epoch's shuffled order; the last partial one is dropped.
 */
export class EnsembleBatches {
  readonly rows: number;
  readonly stepsPerEpoch: number;
  /** Inputs in use of the dense form (null: all, or the sparse form). */
  readonly active: Int32Array | null;
  private readonly sparse: SparseBatcher | null;
  private readonly width: number;
  private readonly tx: Float32Array;
  private readonly tx2: Float32Array;
  private readonly batch: EnsembleBatch;

  constructor(k: Kernels, private readonly train: Dataset, batch: number) {
    const f = train.features, n = train.rows;
    this.rows = Math.min(batch, n);
    this.stepsPerEpoch = Math.floor(n / this.rows);
    this.sparse = SparseBatcher.create(k, train.x, n, f, this.rows);
    const used: number[] = [];
    for (let j = 0; j < f && !this.sparse; j++) {
      let any = false;
      for (let r = 0; r < n && !any; r++) any = train.x[r * f + j] !== 0;
      if (any) used.push(j);
    }
    this.active = !this.sparse && used.length < f ? Int32Array.from(used) : null;
    const w = this.sparse ? 0 : used.length;
    this.width = w;
    this.tx = new Float32Array(n * w);
    this.tx2 = new Float32Array(n * w);
    for (let r = 0; r < n && w; r++) {
      for (let c = 0; c < w; c++) {
        const v = train.x[r * f + used[c]!]!;
        this.tx[r * w + c] = v;
        this.tx2[r * w + c] = v * v;
      }
    }
    this.batch = {
      x: k.alloc(Math.max(1, this.rows * w)), x2: k.alloc(Math.max(1, this.rows * w)), y: k.alloc(this.rows), rows: this.rows, sparse: null,
    };
  }

  /** Inputs left out of the dense form (0 in the sparse form, which skips zeros anyway). */
  get droppedInputs(): number {
    return this.sparse ? 0 : this.train.features - this.width;
  }

  /** Batch s of an epoch whose shuffled row order is `order`. */
  get(order: Int32Array, s: number): EnsembleBatch {
    const b = this.batch, w = this.width, from = s * this.rows;
    for (let i = 0; i < this.rows; i++) {
      const r = order[from + i]!;
      if (w) {
        b.x.set(this.tx.subarray(r * w, r * w + w), i * w);
        b.x2.set(this.tx2.subarray(r * w, r * w + w), i * w);
      }
      b.y[i] = this.train.y[r]!;
    }
    b.sparse = this.sparse ? this.sparse.gather(order, from, this.rows) : null;
    return b;
  }
}
