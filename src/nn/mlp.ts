import { Act, type ActName, type Kernels } from '../kernels/kernels.js';
import type { ParameterLayout } from './layout.js';
import { mlpSpecs, planModel, type LayerSpec, type PlannedLayer } from './architecture.js';
import { flat, sizeOf, type Layer, type Shape } from './layers/layer.js';
import { Dense, FIRST_LAYER_SLOTS, type FirstLayerPlan, type InputForm, type SparseBatch } from './layers/dense.js';
import { Flatten } from './layers/flatten.js';
import { Conv2D } from './layers/conv2d.js';
import { Pool2D } from './layers/pool2d.js';
import type { SparseFirstLayer } from './first-layer.js';
import type { SparseWeights } from './csr.js';

export { FIRST_LAYER_SLOTS, type FirstLayerPlan, type SparseBatch } from './layers/dense.js';

export type LossName = 'cross-entropy' | 'mse';

/** What Mlp.backpropagate shows of each layer with a kernel: its input and δ of the rows. */
export type BackwardVisitor = (layer: Layer, x: Float32Array, delta: Float32Array, rows: number) => void;

export interface Architecture {
  /**
   * Widths from input to output, e.g. [784, 20, 20, 10]; [d, c] is a linear model. With `specs`
   * only the first (inputs per example) and the last (outputs) count.
   */
  layers: number[];
  /** Hidden activation (of every Dense and Conv2D layer but the output); the output layer is linear. */
  activation: ActName;
  loss: LossName;
  /** The hidden layers as a list (see architecture.ts); absent for an MLP of `layers`. */
  specs?: LayerSpec[];
  /** Shape of an example, NHWC; absent for flat inputs (1×1×inputs). */
  inputShape?: Shape;
}

/** The hidden layer list of an architecture (its MLP widths when it has no `specs`). */
export function specsOf(arch: Architecture): LayerSpec[] {
  return arch.specs ?? mlpSpecs(arch.layers.slice(1, -1));
}

export function inputShapeOf(arch: Architecture): Shape {
  return arch.inputShape ?? flat(arch.layers[0]!);
}

/**
 * Bytes of workspace a model may hold for the rows of one call. wasm32 memory ends at 4 GiB and
 * also holds the data (CIFAR-10's 60,000 images are 737 MB as float32) and, at times, a second
 * model (a held-out evaluator), so one model's row buffers get an eighth of it. Larger batches are
 * evaluated in chunks (Problem.evaluate); the seed's CIFAR CNN needs ~0.43 MB per row, so a chunk
 * is ~1,200 images, where the whole training set at once would need 21 GB.
 */
export const WORKSPACE_BYTES = 512 * 2 ** 20;

/**
 * Bytes a model of `arch` holds per row of its batch (what Mlp allocates for maxRows): each
 * layer's output, two delta buffers of the widest layer, max pooling's winners, and the input
 * Dense layer's row buffers (its pruned sparse products and saved products). The conv scratch is
 * sized by its block, not by the rows.
 */
export function workspaceBytesPerRow(arch: Architecture): number {
  const plan = planModel(specsOf(arch), inputShapeOf(arch), arch.layers[arch.layers.length - 1]!);
  let floats = 0;
  let widest = 0;
  for (const p of plan.layers) {
    const n = sizeOf(p.outShape);
    widest = Math.max(widest, n);
    if (p.kind !== 'flatten') floats += n;
    if (p.kind === 'maxpool2d') floats += n; // Int32 winners, 4 bytes each
  }
  const first = plan.layers[0]!;
  if (first.kind === 'dense') floats += (2 + FIRST_LAYER_SLOTS) * sizeOf(first.outShape);
  return 4 * (floats + 2 * widest);
}

/** The most rows (at least 1) whose workspace fits in `bytes`. */
export function rowsWithin(arch: Architecture, bytes: number): number {
  return Math.max(1, Math.floor(bytes / workspaceBytesPerRow(arch)));
}

/**
 * A model: a list of layers (Dense, Conv2D, MaxPool2D/AvgPool2D, Flatten; see layers/), their
 * forward pass, a loss, and the backward pass through the same list in reverse. The name stays
 * from the time it was only a multilayer perceptron.
 *
 * The parameters are not owned here: every call takes the flat parameter vector θ (see
 * ParameterLayout), so optimisers and path methods can evaluate any θ they hold. Activations
 * and deltas live in buffers sized for `maxRows` and reused by every call: a training step
 * allocates nothing.
 */
export class Mlp {
  readonly arch: Architecture;
  readonly layout: ParameterLayout;
  readonly layers: readonly Layer[];
  readonly maxRows: number;
  private readonly k: Kernels;
  /** outs[l] holds layer l's output buffer (null for Flatten, whose output is its input). */
  private readonly outs: (Float32Array | null)[] = [];
  /** What each layer's last forward pass returned, for the backward pass. */
  private readonly ys: Float32Array[] = [];
  private readonly deltaA: Float32Array;
  private readonly deltaB: Float32Array;
  /** Loss of the last loss-only call, whose activations are still in the buffers (see reuseForward). */
  private lastForward: { loss: number; correct: number } | null = null;

  constructor(k: Kernels, arch: Architecture, maxRows: number) {
    this.k = k;
    this.arch = arch;
    this.maxRows = maxRows;
    const plan = planModel(specsOf(arch), inputShapeOf(arch), this.outputs);
    this.layout = plan.layout;
    const act = Act[arch.activation];
    const scratch = k.alloc(convScratch(k, plan.layers, maxRows));
    const layers: Layer[] = [];
    plan.layers.forEach((p, i) => {
      switch (p.kind) {
        case 'dense': {
          const nextP = plan.layers[i + 1];
          const next = nextP?.kind === 'dense' ? nextP.block : -1;
          layers.push(new Dense(k, this.layout, p.block, p.inShape, p.output ? Act.identity : act, maxRows, i === 0, next));
          break;
        }
        case 'conv2d': layers.push(new Conv2D(k, this.layout, p.block, p.inShape, p.outShape, p.kernel, p.stride, p.padding, act, scratch)); break;
        case 'maxpool2d': case 'avgpool2d': layers.push(new Pool2D(k, p.kind, p.inShape, p.size, maxRows)); break;
        case 'flatten': layers.push(new Flatten(p.inShape)); break;
      }
    });
    this.layers = layers;
    let widest = 0;
    for (const l of layers) {
      this.outs.push(l.kind === 'flatten' ? null : k.alloc(maxRows * sizeOf(l.outShape)));
      widest = Math.max(widest, sizeOf(l.outShape));
    }
    this.deltaA = k.alloc(maxRows * widest);
    this.deltaB = k.alloc(maxRows * widest);
  }

  get outputs(): number {
    return this.arch.layers[this.arch.layers.length - 1]!;
  }

  /** The Dense layer that reads the inputs in sparse form, or null (the first layer is not Dense). */
  private get inputDense(): Dense | null {
    const l = this.layers[0]!;
    return l instanceof Dense ? l : null;
  }

  /** Whether the first layer can read sparse inputs and follow first-layer plans. */
  get readsSparseInputs(): boolean {
    return this.inputDense !== null;
  }

  /** The input layer's sparse products (for tests and profiling). */
  get first(): SparseFirstLayer {
    const d = this.inputDense;
    if (!d?.input) throw new Error('internal: the first layer is not a Dense layer');
    return d.input.sparse;
  }

  /**
   * Forward pass of `rows` examples x (rows × inputs); returns the output view (rows × outputs).
   * With `sparse` (the same rows of x in sparse form) the first layer uses it instead of x.
   * `weights` (inference): per layer, the sparse form of its Dense kernel in θ (see csr.ts), which
   * that layer then multiplies with instead.
   */
  forward(
    theta: Float32Array, x: Float32Array, rows: number, sparse: SparseBatch | null = null, plan: FirstLayerPlan | null = null,
    weights: readonly (SparseWeights | null)[] | null = null,
  ): Float32Array {
    this.checkRows(rows);
    this.lastForward = null;
    const form = this.inputForm(sparse, plan);
    let input = x;
    this.layers.forEach((layer, l) => {
      const out = this.outs[l]!;
      const csr = weights?.[l] ?? null;
      input = layer instanceof Dense && ((l === 0 && form) || csr)
        ? layer.forward(theta, input, rows, out, l === 0 ? form : null, csr)
        : layer.forward(theta, input, rows, out);
      this.ys[l] = input;
    });
    return this.logits(rows);
  }

  private inputForm(sparse: SparseBatch | null, plan: FirstLayerPlan | null): InputForm | null {
    if (!sparse && !plan) return null;
    if (!this.inputDense) throw new Error('internal: sparse inputs or a first-layer plan need a Dense first layer');
    return { sparse, plan };
  }

  /** Layer l's output (rows × its size) as the last forward pass left it. */
  output(l: number, rows: number): Float32Array {
    return this.ys[l]!.subarray(0, rows * sizeOf(this.layers[l]!.outShape));
  }

  /** The output layer's buffer (rows × outputs) as the last forward pass left it. */
  private logits(rows: number): Float32Array {
    return this.ys[this.layers.length - 1]!.subarray(0, rows * this.outputs);
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
    const { k } = this;
    if (grad && sparse && !sparse.byColumn) throw new Error('internal: a gradient from sparse inputs needs their column form');
    const delta = this.deltaA;
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
    this.backward(theta, x, rows, grad, sparse ? this.inputForm(sparse, null) : null, null);
    return { loss, correct };
  }

  /**
   * Loss and gradient of the batch as lossAndGradient (dense inputs), calling `visit` with each
   * layer that has a kernel as the backward pass leaves it: its input x and δ = ∂loss/∂(its output
   * before the activation), rows × outputs, the per-example factors of its weight gradient (credit
   * attribution reads them). `visit` must not write either.
   */
  backpropagate(theta: Float32Array, x: Float32Array, y: Float32Array, rows: number, grad: Float32Array, visit: BackwardVisitor): number {
    const { loss } = this.lossAndGradient(theta, x, y, rows, null, null, false, null, false);
    this.lastForward = null;
    this.backward(theta, x, rows, grad, null, visit);
    return loss;
  }

  /** The backward pass from the loss gradient in deltaA (the last forward pass's activations). */
  private backward(theta: Float32Array, x: Float32Array, rows: number, grad: Float32Array, form: InputForm | null, visit: BackwardVisitor | null): void {
    let delta = this.deltaA;
    let other = this.deltaB;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l]!;
      const input = l === 0 ? x : this.ys[l - 1]!;
      const dIn = l === 0 ? null : other;
      const d = l === 0 && form && layer instanceof Dense
        ? layer.backward(theta, input, this.ys[l]!, delta, rows, grad, dIn, form)
        : layer.backward(theta, input, this.ys[l]!, delta, rows, grad, dIn);
      if (visit && layer.block >= 0) visit(layer, input, delta, rows);
      if (d === other) {
        other = delta;
        delta = d;
      }
    }
  }

  private checkRows(rows: number): void {
    if (rows > this.maxRows) throw new Error(`internal: batch of ${rows} rows exceeds workspace of ${this.maxRows}`);
  }
}

/** Floats of the one scratch the conv layers share: the most any of them needs at maxRows rows. */
function convScratch(k: Kernels, layers: readonly PlannedLayer[], maxRows: number): number {
  let n = 0;
  for (const p of layers) {
    if (p.kind !== 'conv2d') continue;
    const s = p.inShape;
    n = Math.max(n, k.conv2dScratchSize({
      batch: maxRows, inH: s.h, inW: s.w, inC: s.c, outC: p.outShape.c, kH: p.kernel, kW: p.kernel,
      strideH: p.stride, strideW: p.stride, padH: p.padding, padW: p.padding,
    }));
  }
  return n;
}
