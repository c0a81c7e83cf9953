import type { Kernels } from '../kernels/kernels.js';
import { Rng } from '../util/rng.js';
import { Mlp, type Architecture, type FirstLayerPlan, type SparseBatch } from './mlp.js';
import { sparseInput, sparseRows, type SparseInput } from './sparse-input.js';

/** Rows of data copied once into kernel memory. y holds class indices or regression targets. */
export interface DeviceData {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  features: number;
  /** Columns of y per row: 1 (class index or a single regression target). */
  targets: number;
}

/** Copies rows into kernel memory; `adopt`: x is already there (a view of a k.alloc buffer), use it as is. */
export function toDevice(k: Kernels, x: Float32Array, y: Float32Array, rows: number, features: number, adopt = false): DeviceData {
  const dx = adopt ? x.subarray(0, rows * features) : k.alloc(rows * features);
  if (!adopt) dx.set(x.subarray(0, rows * features));
  const dy = k.alloc(rows);
  dy.set(y.subarray(0, rows));
  return { x: dx, y: dy, rows, features, targets: 1 };
}

export interface Batch {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  /** The same rows in sparse form, when the first layer can use it. */
  sparse?: SparseBatch | null;
}

export interface Evaluation {
  loss: number;
  /** Fraction correct (classification), undefined for regression. */
  accuracy?: number;
}

/**
 * A training problem: the model, its training (and optional test) data in kernel memory, and a
 * seeded mini-batch sampler. Full-batch training (batch ≥ rows) hands out the data itself,
 * without copying; mini-batches are gathered from a per-epoch shuffle into one reused buffer.
 */
export class Problem {
  readonly mlp: Mlp;
  readonly batchSize: number;
  /** Loss of the best constant predictor on the training data (the normalising L_null). */
  readonly nullLoss: number;
  private readonly order: Int32Array;
  private cursor: number;
  private readonly bx: Float32Array | null;
  private readonly by: Float32Array | null;
  private rng: Rng;
  /** Sparse forms of the training and test inputs (null where dense is as fast). */
  private readonly trainSparse: SparseInput | null;
  private readonly testSparse: SparseInput | null;
  /** Mini-batch steps taken; an epoch is ceil(rows / batch) of them. */
  steps = 0;

  constructor(
    readonly k: Kernels, readonly arch: Architecture, readonly train: DeviceData,
    readonly test: DeviceData | null, batchSize: number, seed: number,
  ) {
    this.batchSize = Math.min(batchSize, train.rows);
    const evalRows = Math.max(this.batchSize, Math.min(train.rows, 8192), test ? Math.min(test.rows, 8192) : 0);
    this.mlp = new Mlp(k, arch, evalRows);
    this.order = new Int32Array(train.rows).map((_, i) => i);
    this.cursor = train.rows;
    this.rng = new Rng(seed ^ 0x5eed);
    const full = this.batchSize >= train.rows;
    this.bx = full ? null : k.alloc(this.batchSize * train.features);
    this.by = full ? null : k.alloc(this.batchSize * train.targets);
    this.nullLoss = nullLoss(arch, train);
    // only a Dense first layer reads sparse inputs (a convolution reads the image as it is)
    const sparse = this.mlp.readsSparseInputs;
    this.trainSparse = sparse ? sparseInput(k, train.x, train.rows, train.features) : null;
    this.testSparse = sparse && test ? sparseInput(k, test.x, test.rows, test.features) : null;
  }

  /** Share of non-zeros of the training inputs' sparse form, or null when the dense form is used. */
  get sparseDensity(): number | null {
    return this.trainSparse?.density ?? null;
  }

  get fullBatch(): boolean {
    return this.bx === null;
  }

  /** Steps per pass over the training data. */
  get stepsPerEpoch(): number {
    return Math.ceil(this.train.rows / this.batchSize);
  }

  /** Restart the batch stream from a seed (each path segment reseeds, so a resumed run repeats it). */
  reseed(seed: number): void {
    this.rng = new Rng(seed);
    this.order.forEach((_, i, a) => (a[i] = i));
    this.cursor = this.train.rows;
  }

  /**
   * The next mini-batch (the whole training set in full-batch mode). `rows` (at most batchSize)
   * asks for a smaller one from the same shuffled stream.
   */
  nextBatch(rows = this.batchSize): Batch {
    const t = this.train;
    this.steps++;
    if (!this.bx || !this.by) {
      const s = this.trainSparse;
      return { x: t.x, y: t.y, rows: t.rows, sparse: s ? { byRow: s.byRow, byColumn: s.byColumn, offset: s.offset } : null };
    }
    const size = Math.min(rows, this.batchSize);
    if (this.cursor + size > t.rows) {
      this.rng.shuffle(this.order);
      this.cursor = 0;
    }
    const d = t.features;
    for (let i = 0; i < size; i++) {
      const r = this.order[this.cursor + i]!;
      this.bx.set(t.x.subarray(r * d, r * d + d), i * d);
      this.by[i] = t.y[r]!;
    }
    this.cursor += size;
    return { x: this.bx, y: this.by, rows: size };
  }

  /**
   * Loss (and gradient) on a batch; `reuseForward` as in Mlp.lossAndGradient. A first-layer
   * `plan` (see Mlp) is honoured only in full-batch mode, where every call sees the same rows,
   * and ignored (the product is computed) when the first layer is not Dense.
   */
  lossAndGradient(theta: Float32Array, batch: Batch, grad: Float32Array | null, reuseForward = false, plan: FirstLayerPlan | null = null): number {
    if (plan && !this.fullBatch) throw new Error('internal: first-layer plans need full batches');
    const p = this.mlp.readsSparseInputs ? plan : null;
    return this.mlp.lossAndGradient(theta, batch.x, batch.y, batch.rows, grad, batch.sparse ?? null, reuseForward, p, false).loss;
  }

  /** Mean loss (and accuracy) over a whole data set, in chunks that fit the workspace. */
  evaluate(theta: Float32Array, data: DeviceData = this.train): Evaluation {
    const chunk = this.mlp.maxRows;
    const d = data.features;
    const s = data === this.train ? this.trainSparse : data === this.test ? this.testSparse : null;
    let loss = 0;
    let correct = 0;
    for (let start = 0; start < data.rows; start += chunk) {
      const rows = Math.min(chunk, data.rows - start);
      const sparse = s ? { byRow: sparseRows(s, start, rows), byColumn: null, offset: s.offset } : null;
      const r = this.mlp.lossAndGradient(
        theta, data.x.subarray(start * d, (start + rows) * d), data.y.subarray(start, start + rows), rows, null, sparse);
      loss += r.loss * rows;
      correct += r.correct;
    }
    const out: Evaluation = { loss: loss / data.rows };
    if (this.arch.loss === 'cross-entropy') out.accuracy = correct / data.rows;
    return out;
  }
}

/**
 * L_null: cross-entropy of the class frequencies (what the best constant predictor achieves;
 * ln C for balanced classes), or the variance of the target for mean squared error.
 */
export function nullLoss(arch: Architecture, data: DeviceData): number {
  const n = data.rows;
  if (arch.loss === 'cross-entropy') {
    const classes = arch.layers[arch.layers.length - 1]!;
    const counts = new Float64Array(classes);
    for (let i = 0; i < n; i++) counts[data.y[i]!]!++;
    let h = 0;
    for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
    return h;
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += data.y[i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (data.y[i]! - mean) ** 2;
  return v / n;
}
