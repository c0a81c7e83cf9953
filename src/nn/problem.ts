import type { Kernels } from '../kernels/kernels.js';
import { Rng, type RngState } from '../util/rng.js';
import { Mlp, WORKSPACE_BYTES, rowsWithin, type Architecture, type FirstLayerPlan, type SparseBatch } from './mlp.js';
import { sparseInput, sparseRows, type SparseInput } from './sparse-input.js';
import { rowChunks } from './chunks.js';
import { rowCrossEntropy } from './row-loss.js';
import { initParameters } from './init.js';

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

/** Copies of some rows of `data` (indices into its rows, in that order) in new kernel memory. */
export function gatherRows(k: Kernels, data: DeviceData, rows: Int32Array): DeviceData {
  const { features: d, targets: c } = data;
  const x = k.alloc(rows.length * d);
  const y = k.alloc(rows.length * c);
  rows.forEach((r, i) => {
    x.set(data.x.subarray(r * d, (r + 1) * d), i * d);
    y.set(data.y.subarray(r * c, (r + 1) * c), i * c);
  });
  return { x, y, rows: rows.length, features: d, targets: c };
}

/** Blocks of consecutive (pre-shuffled) rows a mini-batch is gathered from (see Problem). */
export const BLOCKS_PER_BATCH = 64;

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
 * Rows of the fixed training subsample (see Problem.subsample) on which mini-batch fits judge
 * their progress: the stochastic corrector after every pass, the sweep's fits after every epoch.
 * Evaluation buffers are sized for it too, so judging needs no chunking.
 */
export const SUBSAMPLE_ROWS = 8192;

/** Where a batch stream stands (Problem.streamState). */
export interface BatchStream {
  rng: RngState;
  order: Int32Array;
  cursor: number;
  within: number;
  left: number;
  steps: number;
}

/**
 * A training problem: the model, its training (and optional test) data in kernel memory, and a
 * seeded mini-batch sampler. Full-batch training (batch ≥ rows) hands out the data itself,
 * without copying; mini-batches are gathered from a per-epoch shuffle into one reused buffer.
 *
 * Gathering a batch row by row from a per-epoch shuffle reads rows scattered over the whole set:
 * on Fashion-MNIST (60,000 × 784 float32, 188 MB) 5,600 such rows took 17–23 ms against 4.6 ms
 * for as many contiguous ones, and in a profile of `--data mnist --batch 500` the gather was 22 %
 * of the CPU (as much as the first layer's weight gradient). So batches of at least
 * 2·BLOCKS_PER_BATCH rows are gathered as BLOCKS_PER_BATCH blocks of consecutive rows instead:
 * the training rows are put in a seeded random order once, in place (the only copy of the
 * features stays the only one), and each epoch shuffles the blocks. A batch is then a random
 * union of blocks that are themselves random subsets of the rows, so its gradient has the mean
 * and, up to the without-replacement correction, the variance of a batch of independent rows.
 */
export class Problem {
  readonly mlp: Mlp;
  readonly batchSize: number;
  /** Loss of the best constant predictor on the training data (the normalising L_null). */
  readonly nullLoss: number;
  /** Rows per block of a batch (see BLOCKS_PER_BATCH); 1: batches are gathered row by row. */
  readonly blockRows: number;
  /** The epoch's order of rows (blockRows 1) or of blocks. */
  private readonly order: Int32Array;
  private cursor: number;
  /** Blocked batches: rows of the block at `cursor` already handed out, and rows left in the epoch. */
  private within = 0;
  private left = 0;
  private readonly bx: Float32Array | null;
  private readonly by: Float32Array | null;
  private rng: Rng;
  /** Sparse forms of the training and test inputs (null where dense is as fast). */
  private readonly trainSparse: SparseInput | null;
  private readonly testSparse: SparseInput | null;
  /** The fixed training subsample (see subsample), made on first use. */
  private sample: DeviceData | null = null;
  /** One chunk's gradient while a gradient is summed over chunks (allocated on first use). */
  private part: Float32Array | null = null;
  /** Mini-batch steps taken; an epoch is ceil(rows / batch) of them. */
  steps = 0;

  /**
   * `workspaceBytes` bounds the model's row buffers (see WORKSPACE_BYTES): a batch or data set
   * with more rows than fit is evaluated in chunks.
   */
  constructor(
    readonly k: Kernels, readonly arch: Architecture, readonly train: DeviceData,
    readonly test: DeviceData | null, batchSize: number, seed: number, workspaceBytes = WORKSPACE_BYTES,
  ) {
    this.batchSize = Math.min(batchSize, train.rows);
    const evalRows = Math.max(this.batchSize, Math.min(train.rows, SUBSAMPLE_ROWS), test ? Math.min(test.rows, SUBSAMPLE_ROWS) : 0);
    this.mlp = new Mlp(k, arch, Math.min(evalRows, rowsWithin(arch, workspaceBytes)));
    const full = this.batchSize >= train.rows;
    this.blockRows = full ? 1 : Math.max(1, Math.floor(this.batchSize / BLOCKS_PER_BATCH));
    this.nullLoss = nullLoss(arch, train);
    if (this.blockRows > 1) permuteRows(train, new Rng(seed ^ 0x0b10c5));
    this.order = new Int32Array(this.blockRows > 1 ? Math.ceil(train.rows / this.blockRows) : train.rows).map((_, i) => i);
    this.cursor = this.order.length;
    this.rng = new Rng(seed ^ 0x5eed);
    this.bx = full ? null : k.alloc(this.batchSize * train.features);
    this.by = full ? null : k.alloc(this.batchSize * train.targets);
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
    this.cursor = this.order.length;
    this.within = 0;
    this.left = 0;
  }

  /**
   * The batch stream's position: a checkpoint of a fit in progress saves it, and `restoreStream`
   * continues the stream from there exactly (the row order of the epoch, the place in it, the
   * generator). `order` is the live array: copy it to keep it.
   */
  streamState(): BatchStream {
    return { rng: this.rng.state(), order: this.order, cursor: this.cursor, within: this.within, left: this.left, steps: this.steps };
  }

  restoreStream(s: BatchStream): void {
    if (s.order.length !== this.order.length) throw new Error(`internal: a batch stream of ${s.order.length} blocks for ${this.order.length}`);
    this.rng.restore(s.rng);
    this.order.set(s.order);
    this.cursor = s.cursor;
    this.within = s.within;
    this.left = s.left;
    this.steps = s.steps;
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
    if (this.blockRows > 1) return this.blockBatch(size);
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
   * The next `size` rows of the epoch's stream of blocks (block b: rows b·L to (b+1)·L, the last
   * one shorter), copied a block at a time; a new epoch (blocks reshuffled) when fewer than `size`
   * rows are left in this one, as the row-by-row sampler does.
   */
  private blockBatch(size: number): Batch {
    const t = this.train;
    const bx = this.bx!, by = this.by!;
    const L = this.blockRows;
    if (this.left < size) {
      this.rng.shuffle(this.order);
      this.cursor = 0;
      this.within = 0;
      this.left = t.rows;
    }
    const d = t.features;
    const c = t.targets;
    for (let filled = 0; filled < size;) {
      const b = this.order[this.cursor]!;
      const start = b * L + this.within;
      const end = Math.min(t.rows, (b + 1) * L);
      const n = Math.min(end - start, size - filled);
      bx.set(t.x.subarray(start * d, (start + n) * d), filled * d);
      by.set(t.y.subarray(start * c, (start + n) * c), filled * c);
      filled += n;
      this.within += n;
      if (start + n === end) {
        this.cursor++;
        this.within = 0;
      }
    }
    this.left -= size;
    return { x: bx, y: by, rows: size };
  }

  /**
   * Loss (and gradient) on a batch; `reuseForward` as in Mlp.lossAndGradient. A first-layer
   * `plan` (see Mlp) is honoured only in full-batch mode, where every call sees the same rows,
   * and ignored (the product is computed) when the first layer is not Dense. A batch with more
   * rows than the workspace holds (a full batch of large images) is summed over chunks, without
   * plans or a kept forward pass.
   */
  lossAndGradient(theta: Float32Array, batch: Batch, grad: Float32Array | null, reuseForward = false, plan: FirstLayerPlan | null = null): number {
    if (plan && !this.fullBatch) throw new Error('internal: first-layer plans need full batches');
    if (batch.rows > this.mlp.maxRows) {
      const t = this.train;
      const data = batch.x === t.x && batch.rows === t.rows ? t : { x: batch.x, y: batch.y, rows: batch.rows, features: t.features, targets: t.targets };
      return this.evaluate(theta, data, grad).loss;
    }
    const p = this.mlp.readsSparseInputs ? plan : null;
    return this.mlp.lossAndGradient(theta, batch.x, batch.y, batch.rows, grad, batch.sparse ?? null, reuseForward, p, false).loss;
  }

  /**
   * A fixed subsample of the training rows: every (rows/n)-th row, copied once into kernel memory
   * on the first call (the training data itself when it has at most n rows). Losses of two
   * parameter vectors on the same rows differ by nearly what their full-data losses differ by
   * (the rows' own spread cancels in the difference), at n/rows of the cost.
   */
  subsample(n = SUBSAMPLE_ROWS): DeviceData {
    const t = this.train;
    if (n >= t.rows) return t;
    if (this.sample && this.sample.rows === n) return this.sample;
    if (this.sample) {
      this.k.free(this.sample.x);
      this.k.free(this.sample.y);
    }
    this.sample = gatherRows(this.k, t, Int32Array.from({ length: n }, (_, i) => Math.floor((i * t.rows) / n)));
    return this.sample;
  }

  /**
   * Each training row's cross-entropy at θ, in doubles (classification only): one forward pass
   * over the training rows, in chunks that fit the workspace, on their sparse form when there is
   * one. Their mean is `evaluate(θ).loss` up to the float32 rounding of the fused loss kernel.
   */
  rowLosses(theta: Float32Array): Float64Array {
    if (this.arch.loss !== 'cross-entropy') throw new Error('internal: row losses are cross-entropies');
    const t = this.train;
    const s = this.trainSparse;
    const classes = this.mlp.outputs;
    const out = new Float64Array(t.rows);
    for (const { start, rows, x, y } of rowChunks(t, this.mlp.maxRows)) {
      const sparse = s ? { byRow: sparseRows(s, start, rows), byColumn: null, offset: s.offset } : null;
      const logits = this.mlp.forward(theta, x, rows, sparse);
      for (let i = 0; i < rows; i++) out[start + i] = rowCrossEntropy(logits, i * classes, classes, y[i]!);
    }
    return out;
  }

  /**
   * A full-batch problem on some of the training rows (their inputs and targets copied into
   * kernel memory once), with the same architecture and no test data; `rows` are indices into
   * the training rows. Its buffers stay allocated until the run ends, as this problem's own do
   * (computePath gives back the run's kernel memory then); the seed is unused: a full batch
   * draws nothing.
   */
  restrictedTo(rows: Int32Array): Problem {
    return new Problem(this.k, this.arch, gatherRows(this.k, this.train, rows), null, rows.length, 0);
  }

  /**
   * Mean loss (and accuracy) over a whole data set, in chunks that fit the workspace; with `grad`
   * also the mean gradient, each chunk's mean gradient weighted by its share of the rows (the
   * full-batch gradient; bit for bit the one-pass gradient when the data fit in one chunk). The
   * gradient reads the dense inputs: the sparse column form exists only for all training rows.
   */
  evaluate(theta: Float32Array, data: DeviceData = this.train, grad: Float32Array | null = null): Evaluation {
    const s = grad ? null : data === this.train ? this.trainSparse : data === this.test ? this.testSparse : null;
    const part = grad ? (this.part ??= this.k.alloc(grad.length)) : null;
    grad?.fill(0);
    let loss = 0;
    let correct = 0;
    for (const { start, rows, x, y } of rowChunks(data, this.mlp.maxRows)) {
      const sparse = s ? { byRow: sparseRows(s, start, rows), byColumn: null, offset: s.offset } : null;
      const r = this.mlp.lossAndGradient(theta, x, y, rows, part, sparse);
      loss += r.loss * rows;
      correct += r.correct;
      if (grad) this.k.axpy(grad.length, rows / data.rows, part!, grad);
    }
    const out: Evaluation = { loss: loss / data.rows };
    if (this.arch.loss === 'cross-entropy') out.accuracy = correct / data.rows;
    return out;
  }
}

/**
 * Puts the rows of `data` (features and targets together) in a seeded random order, in place: a
 * Fisher-Yates permutation applied cycle by cycle through one row of scratch.
 */
export function permuteRows(data: DeviceData, rng: Rng): void {
  const { x, y, rows, features: d, targets: c } = data;
  const from = new Int32Array(rows).map((_, i) => i);
  rng.shuffle(from);
  const done = new Uint8Array(rows);
  const rowX = new Float32Array(d);
  const rowY = new Float32Array(c);
  for (let i = 0; i < rows; i++) {
    if (done[i] || from[i] === i) continue;
    // row i gets row from[i], which gets row from[from[i]], …, until the cycle is back at i
    rowX.set(x.subarray(i * d, (i + 1) * d));
    rowY.set(y.subarray(i * c, (i + 1) * c));
    let j = i;
    for (;;) {
      done[j] = 1;
      const f = from[j]!;
      if (f === i) {
        x.set(rowX, j * d);
        y.set(rowY, j * c);
        break;
      }
      x.copyWithin(j * d, f * d, (f + 1) * d);
      y.copyWithin(j * c, f * c, (f + 1) * c);
      j = f;
    }
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

/**
 * The all-zero network (every penalised parameter 0) with the best constant output: output
 * bias = log class frequencies (cross-entropy) or the target mean (MSE), other biases 0. Its
 * loss is L_null, so it is the exact sparse end of every front. With --penalize-bias the biases
 * are penalised too and the sparse end is θ = 0.
 */
export function zeroNetwork(problem: Problem, penalised: number, theta: Float32Array): void {
  theta.fill(0);
  if (penalised >= problem.mlp.layout.size) return;
  setNullOutputBias(problem, theta);
}

/**
 * A point with every penalised parameter at 0 gets the exact best constant output (its biases,
 * which the fit or corrector left where they were, may not have settled yet): the all-zero
 * network's loss is then L_null exactly. (The default MNIST path's last corrector left it at
 * 1.017·L_null.)
 */
export function settleIfZero(problem: Problem, penalised: number, theta: Float32Array): void {
  if (problem.k.countNonzero(penalised, theta) === 0) zeroNetwork(problem, penalised, theta);
}

/**
 * The seeded initialisation every path method starts a network from (He/Glorot, see init.ts).
 * A full-batch regression network's output bias starts at the target's mean, the best constant:
 * a target in the thousands otherwise starts with a loss many times L_null, and the sweep's
 * dense fit at learning rate 0.1 diverged and, halved, ended at 0.91·L_null (Friedman #1 in its
 * own units, 20,20 units, seed 2: 3 front points for 40). Mini-batch paths start from the init
 * as it is (their starts were measured that way; see dense-walk.ts).
 */
export function initNetwork(problem: Problem, seed: number, theta: Float32Array): void {
  initParameters(problem.mlp.layout, problem.arch.activation, seed, theta);
  if (problem.fullBatch && problem.arch.loss === 'mse') setNullOutputBias(problem, theta);
}

/**
 * Sets θ's output bias to the best constant output's (log class frequencies, or the target
 * mean), leaving every other parameter as it is.
 */
export function setNullOutputBias(problem: Problem, theta: Float32Array): void {
  const layout = problem.mlp.layout;
  const out = layout.bias(theta, layout.depth - 1);
  const y = problem.train.y;
  const n = problem.train.rows;
  if (problem.arch.loss === 'cross-entropy') {
    const counts = new Float64Array(out.length);
    for (let i = 0; i < n; i++) counts[y[i]!]!++;
    // a class absent from the training part gets a very negative (finite) logit
    for (let c = 0; c < out.length; c++) out[c] = Math.log(Math.max(counts[c]! / n, 1e-30));
  } else {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += y[i]!;
    out[0] = mean / n;
  }
}
