import { Act, type ActCode, type ActName, type Kernels } from '../kernels/kernels.js';
import { ParameterLayout } from './layout.js';
import type { CsrOperand } from '../kernels/kernels.js';
import { SparseFirstLayer } from './first-layer.js';

/**
 * The first layer's input in sparse form (see sparse-input.ts): X = S + 1·offsetᵀ for the rows of
 * this call. `byColumn` (Sᵀ of exactly these rows) is needed only when a gradient is asked for.
 */
export interface SparseBatch {
  byRow: CsrOperand;
  byColumn: CsrOperand | null;
  offset: Float32Array;
}

export type LossName = 'cross-entropy' | 'mse';

/**
 * What a forward pass does with its first-layer product P = X·W1 (before the bias), which is
 * linear in W1: `save` keeps P in a slot; `combine` builds P as a·P[sa] + b·P[sb] from two saved
 * products instead of multiplying (an extrapolated point θ + β(θ - θ_prev) of an accelerated
 * method gets its P from θ's and θ_prev's for one pass over 160 k floats instead of over X). The
 * caller guarantees that the slots hold the products of the same rows for the W1s it combines.
 */
export interface FirstLayerPlan {
  save?: number;
  combine?: { a: number; sa: number; b: number; sb: number };
}

/** Slots for saved first-layer products. */
export const FIRST_LAYER_SLOTS = 3;

export interface Architecture {
  /** Widths from input to output, e.g. [784, 20, 20, 10]; [d, c] is a linear model. */
  layers: number[];
  /** Hidden activation; the output layer is always linear (logits or predictions). */
  activation: ActName;
  loss: LossName;
}

/**
 * A multilayer perceptron's forward and backward pass over a batch, on the kernel layer.
 *
 * The parameters are not owned here: every call takes the flat parameter vector θ (see
 * ParameterLayout), so optimisers and path methods can evaluate any θ they hold. Activations
 * and deltas live in buffers sized for `maxRows` and reused by every call: a training step
 * allocates nothing.
 */
export class Mlp {
  readonly arch: Architecture;
  readonly layout: ParameterLayout;
  readonly maxRows: number;
  private readonly k: Kernels;
  private readonly act: ActCode;
  /** acts[l] holds layer l+1's output for the current batch (acts[depth-1] are the logits). */
  private readonly acts: Float32Array[] = [];
  private readonly deltaA: Float32Array;
  private readonly deltaB: Float32Array;
  /** The first layer's bias shifted by offsetᵀW (sparse inputs). */
  private readonly shiftedBias: Float32Array;
  /** The first layer's products from sparse inputs, restricted to the live weights. */
  readonly first: SparseFirstLayer;
  /** Saved first-layer products (maxRows × fanOut(0) each), allocated on first use. */
  private readonly slots: (Float32Array | null)[] = new Array<Float32Array | null>(FIRST_LAYER_SLOTS).fill(null);
  /** Loss of the last loss-only call, whose activations are still in the buffers (see reuseForward). */
  private lastForward: { loss: number; correct: number } | null = null;

  constructor(k: Kernels, arch: Architecture, maxRows: number) {
    this.k = k;
    this.arch = arch;
    this.layout = new ParameterLayout(arch.layers);
    this.maxRows = maxRows;
    this.act = Act[arch.activation];
    const widest = Math.max(...arch.layers.slice(1));
    for (let l = 0; l < this.layout.depth; l++) this.acts.push(k.alloc(maxRows * this.layout.fanOut(l)));
    this.deltaA = k.alloc(maxRows * widest);
    this.deltaB = k.alloc(maxRows * widest);
    this.shiftedBias = k.alloc(this.layout.fanOut(0));
    this.first = new SparseFirstLayer(k, this.layout.fanIn(0), this.layout.fanOut(0), maxRows);
  }

  get outputs(): number {
    return this.arch.layers[this.arch.layers.length - 1]!;
  }

  /**
   * Forward pass of `rows` examples x (rows × inputs); returns the output view (rows × outputs).
   * With `sparse` (the same rows of x in sparse form) the first layer uses it instead of x.
   */
  forward(theta: Float32Array, x: Float32Array, rows: number, sparse: SparseBatch | null = null, plan: FirstLayerPlan | null = null): Float32Array {
    this.checkRows(rows);
    this.lastForward = null;
    const { k, layout } = this;
    let input = x;
    for (let l = 0; l < layout.depth; l++) {
      const out = this.acts[l]!;
      const fanIn = layout.fanIn(l);
      const fanOut = layout.fanOut(l);
      const act: ActCode = l === layout.depth - 1 ? Act.identity : this.act;
      if (l === 0) {
        this.firstLayerProduct(theta, x, rows, sparse, out, plan);
        k.biasActivate(rows, fanOut, out, this.firstLayerBias(theta, sparse), act);
      } else {
        k.gemm(rows, fanOut, fanIn, input, layout.weights(theta, l), out, false);
        k.biasActivate(rows, fanOut, out, layout.bias(theta, l), act);
      }
      input = out;
    }
    return this.logits(rows);
  }

  /** The output layer's buffer (rows × outputs) as the last forward pass left it. */
  private logits(rows: number): Float32Array {
    return this.acts[this.layout.depth - 1]!.subarray(0, rows * this.outputs);
  }

  /** out = X·W1 (S·W1 with sparse inputs), or the combination of saved products the plan asks for. */
  private firstLayerProduct(
    theta: Float32Array, x: Float32Array, rows: number, sparse: SparseBatch | null, out: Float32Array, plan: FirstLayerPlan | null,
  ): void {
    const { k, layout } = this;
    const n = rows * layout.fanOut(0);
    const c = plan?.combine;
    if (c) {
      const a = this.slot(c.sa), b = this.slot(c.sb);
      out.set(a.subarray(0, n));
      if (c.a !== 1) k.scale(n, c.a, out);
      if (c.b !== 0) k.axpy(n, c.b, b, out);
    } else if (sparse) {
      this.first.forward(rows, sparse.byRow, layout.weights(theta, 0), out);
    } else {
      k.gemm(rows, layout.fanOut(0), layout.fanIn(0), x, layout.weights(theta, 0), out, false);
    }
    if (plan?.save !== undefined) this.slot(plan.save).set(out.subarray(0, n));
  }

  /** The first layer's bias; with sparse inputs shifted by offsetᵀW (X·W + b = S·W + b + offsetᵀW). */
  private firstLayerBias(theta: Float32Array, sparse: SparseBatch | null): Float32Array {
    const { k, layout } = this;
    if (!sparse) return layout.bias(theta, 0);
    const fanOut = layout.fanOut(0);
    k.gemm(1, fanOut, layout.fanIn(0), sparse.offset, layout.weights(theta, 0), this.shiftedBias, false);
    k.axpy(fanOut, 1, layout.bias(theta, 0), this.shiftedBias);
    return this.shiftedBias;
  }

  private slot(i: number): Float32Array {
    if (!(i >= 0 && i < FIRST_LAYER_SLOTS && Number.isInteger(i))) throw new Error(`internal: first-layer slot ${i}`);
    return (this.slots[i] ??= this.k.alloc(this.maxRows * this.layout.fanOut(0)));
  }

  /**
   * Loss of the batch and, when grad is given, its gradient with respect to θ (written, not
   * accumulated). `correct` predictions are counted for classification when `countCorrect`
   * (NaN otherwise: training steps need only the loss, and the count costs a pass over the logits).
   *
   * `reuseForward`: the caller promises that the previous call on this Mlp was a loss-only call
   * (grad null) with the same θ values, rows and batch; its forward pass is then reused and only
   * the backward pass runs (a line search's accepted point is the next step's starting point).
   * Without such a kept forward pass the flag is ignored.
   */
  lossAndGradient(
    theta: Float32Array, x: Float32Array, y: Float32Array, rows: number, grad: Float32Array | null,
    sparse: SparseBatch | null = null, reuseForward = false, plan: FirstLayerPlan | null = null, countCorrect = true,
  ): { loss: number; correct: number } {
    const { k, layout } = this;
    if (grad && sparse && !sparse.byColumn) throw new Error('internal: a gradient from sparse inputs needs their column form');
    let delta = this.deltaA;
    let loss: number;
    let correct = NaN;
    const kept = reuseForward ? this.lastForward : null;
    const classify = this.arch.loss === 'cross-entropy';
    if (kept) {
      // the activations and the loss gradient of the previous call are still in the buffers
      ({ loss, correct } = kept);
      // (the logits too: the loss wrote its gradient into a separate buffer)
      if (classify && countCorrect && Number.isNaN(correct)) correct = k.countCorrect(rows, this.outputs, this.logits(rows), y);
    } else {
      const logits = this.forward(theta, x, rows, sparse, plan);
      const c = this.outputs;
      if (classify) {
        if (countCorrect) correct = k.countCorrect(rows, c, logits, y);
        loss = k.softmaxCrossEntropy(rows, c, logits, y, delta);
      } else {
        loss = k.meanSquaredError(rows, c, logits, y, delta);
      }
      this.lastForward = { loss, correct };
    }
    if (!grad) return { loss, correct };
    // the backward pass overwrites the buffers the kept forward pass lives in
    this.lastForward = null;
    let other = this.deltaB;
    for (let l = layout.depth - 1; l >= 0; l--) {
      const fanIn = layout.fanIn(l);
      const fanOut = layout.fanOut(l);
      const input = l === 0 ? x : this.acts[l - 1]!;
      // dW = inputᵀ·δ, db = Σ_rows δ
      k.colSums(rows, fanOut, delta, layout.bias(grad, l), false);
      if (l === 0 && sparse?.byColumn) {
        // Xᵀδ = Sᵀδ + offset·(1ᵀδ)
        const next = layout.depth > 1 ? layout.weights(theta, 1) : null;
        this.first.weightGradient(rows, sparse.byColumn, delta, next, layout.weights(grad, 0));
        k.gemm(fanIn, fanOut, 1, sparse.offset, layout.bias(grad, 0), layout.weights(grad, 0), true);
      } else {
        k.gemmTN(fanIn, fanOut, rows, input, delta, layout.weights(grad, l), false);
      }
      if (l > 0) {
        // δ_prev = (δ·Wᵀ) ⊙ act'(a_prev)
        k.gemmNT(rows, fanIn, fanOut, delta, layout.weights(theta, l), other, false);
        k.activationBackward(rows * fanIn, this.acts[l - 1]!, other, this.act);
        const t = delta;
        delta = other;
        other = t;
      }
    }
    return { loss, correct };
  }

  private checkRows(rows: number): void {
    if (rows > this.maxRows) throw new Error(`internal: batch of ${rows} rows exceeds workspace of ${this.maxRows}`);
  }
}
