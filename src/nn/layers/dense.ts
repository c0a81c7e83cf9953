/**
 * Dense: y = act(x·W + b), W [in, out] (Keras's Dense).
 *
 * backward: δ = dy ⊙ act'  →  ∂W = xᵀ·δ, ∂b = Σ_rows δ, ∂x = δ·Wᵀ.
 *
 * A Dense layer that reads the model's inputs can read them in sparse form (see
 * ../sparse-input.ts: X = S + 1·offsetᵀ, for images that are mostly one value per column):
 * X·W + b = S·W + (b + offsetᵀW) and Xᵀδ = Sᵀδ + offset·(1ᵀδ), with the products cut down to the
 * live weights (../first-layer.ts). Its product P = X·W is linear in W, so a plan may also save it
 * or build it from two saved ones (FirstLayerPlan). For inference on a sparse network, any Dense
 * layer may multiply with its kernel in CSR form instead (../csr.ts).
 */
import type { ActCode, CsrOperand, Kernels } from '../../kernels/kernels.js';
import type { ParameterLayout } from '../layout.js';
import { SparseFirstLayer } from '../first-layer.js';
import { sparseWeightsProduct, type SparseWeights } from '../csr.js';
import { activateBackward, activateForward } from './activation.js';
import { flat, sizeOf, type Layer, type Shape } from './layer.js';

/**
 * The inputs in sparse form for the rows of this call: X = S + 1·offsetᵀ. `byColumn` (Sᵀ of
 * exactly these rows) is needed only when a gradient is asked for.
 */
export interface SparseBatch {
  byRow: CsrOperand;
  byColumn: CsrOperand | null;
  offset: Float32Array;
}

/**
 * What a forward pass does with the input layer's product P = X·W (before the bias), which is
 * linear in W: `save` keeps P in a slot; `combine` builds P as a·P[sa] + b·P[sb] from two saved
 * products instead of multiplying (an extrapolated point θ + β(θ - θ_prev) of an accelerated
 * method gets its P from θ's and θ_prev's for one pass over 160 k floats instead of over X). The
 * caller guarantees that the slots hold the products of the same rows for the Ws it combines.
 */
export interface FirstLayerPlan {
  save?: number;
  combine?: { a: number; sa: number; b: number; sb: number };
}

/** Slots for saved input-layer products. */
export const FIRST_LAYER_SLOTS = 3;

/** How the input layer reads the model's inputs in one call. */
export interface InputForm {
  sparse: SparseBatch | null;
  plan: FirstLayerPlan | null;
}

/** The sparse-input machinery of the Dense layer that reads the model's inputs. */
class InputReader {
  /** The bias shifted by offsetᵀW (sparse inputs). */
  readonly shiftedBias: Float32Array;
  readonly sparse: SparseFirstLayer;
  /** Saved products (maxRows × out each), allocated on first use. */
  private readonly slots: (Float32Array | null)[] = new Array<Float32Array | null>(FIRST_LAYER_SLOTS).fill(null);

  constructor(private readonly k: Kernels, fanIn: number, private readonly fanOut: number, private readonly maxRows: number) {
    this.shiftedBias = k.alloc(fanOut);
    this.sparse = new SparseFirstLayer(k, fanIn, fanOut, maxRows);
  }

  slot(i: number): Float32Array {
    if (!(i >= 0 && i < FIRST_LAYER_SLOTS && Number.isInteger(i))) throw new Error(`internal: first-layer slot ${i}`);
    return (this.slots[i] ??= this.k.alloc(this.maxRows * this.fanOut));
  }
}

export class Dense implements Layer {
  readonly kind = 'dense';
  readonly outShape: Shape;
  readonly fanIn: number;
  readonly fanOut: number;
  /** Present on the layer that reads the model's inputs (sparse form, saved products). */
  readonly input: InputReader | null;

  /**
   * `next`: the block of the Dense layer fed by this one's output, if any (its zero rows tell
   * which of this layer's units have no effect, so the sparse weight gradient can skip them).
   */
  constructor(
    private readonly k: Kernels, private readonly layout: ParameterLayout, readonly block: number,
    readonly inShape: Shape, readonly act: ActCode, maxRows: number, readsInputs: boolean, private readonly next = -1,
  ) {
    this.fanIn = sizeOf(inShape);
    this.fanOut = layout.fanOut(block);
    if (layout.fanIn(block) !== this.fanIn) throw new Error(`internal: dense block ${block} has fan-in ${layout.fanIn(block)}, input ${this.fanIn}`);
    this.outShape = flat(this.fanOut);
    this.input = readsInputs ? new InputReader(k, this.fanIn, this.fanOut, maxRows) : null;
  }

  /** `csr`: this layer's kernel in θ in sparse form (inference), multiplied with instead of W. */
  forward(theta: Float32Array, x: Float32Array, rows: number, out: Float32Array, form: InputForm | null = null, csr: SparseWeights | null = null): Float32Array {
    const { k, layout, block } = this;
    if (csr) {
      if (csr.csr.rows !== this.fanOut || csr.csr.cols !== this.fanIn) throw new Error(`internal: sparse kernel ${csr.csr.cols} × ${csr.csr.rows} for dense block ${block}`);
      sparseWeightsProduct(csr, x, rows, out);
      activateForward(k, rows, this.fanOut, out, layout.bias(theta, block), this.act);
    } else if (form && (form.sparse || form.plan)) {
      this.inputProduct(theta, x, rows, form, out);
      activateForward(k, rows, this.fanOut, out, this.inputBias(theta, form.sparse), this.act);
    } else {
      k.gemm(rows, this.fanOut, this.fanIn, x, layout.weights(theta, block), out, false);
      activateForward(k, rows, this.fanOut, out, layout.bias(theta, block), this.act);
    }
    return out;
  }

  backward(
    theta: Float32Array, x: Float32Array, y: Float32Array, dOut: Float32Array, rows: number, grad: Float32Array,
    dIn: Float32Array | null, form: InputForm | null = null,
  ): Float32Array | null {
    const { k, layout, block, fanIn, fanOut } = this;
    activateBackward(k, rows, fanOut, y, dOut, this.act);
    k.colSums(rows, fanOut, dOut, layout.bias(grad, block), false);
    const sparse = form?.sparse;
    if (sparse) {
      if (!sparse.byColumn || !this.input) throw new Error('internal: a gradient from sparse inputs needs their column form');
      // Xᵀδ = Sᵀδ + offset·(1ᵀδ)
      const next = this.next >= 0 ? layout.weights(theta, this.next) : null;
      this.input.sparse.weightGradient(rows, sparse.byColumn, dOut, next, layout.weights(grad, block));
      k.gemm(fanIn, fanOut, 1, sparse.offset, layout.bias(grad, block), layout.weights(grad, block), true);
    } else {
      this.weightGradient(x, dOut, rows, grad, false);
    }
    if (!dIn) return null;
    k.gemmNT(rows, fanIn, fanOut, dOut, layout.weights(theta, block), dIn, false);
    return dIn;
  }

  weightGradient(x: Float32Array, delta: Float32Array, rows: number, grad: Float32Array, accumulate: boolean): void {
    this.k.gemmTN(this.fanIn, this.fanOut, rows, x, delta, this.layout.weights(grad, this.block), accumulate);
  }

  /** out = X·W (S·W with sparse inputs), or the combination of saved products the plan asks for. */
  private inputProduct(theta: Float32Array, x: Float32Array, rows: number, form: InputForm, out: Float32Array): void {
    const { k, layout, block } = this;
    const input = this.input;
    if (!input) throw new Error('internal: sparse inputs or a plan given to a layer that does not read the inputs');
    const n = rows * this.fanOut;
    const c = form.plan?.combine;
    if (c) {
      const a = input.slot(c.sa), b = input.slot(c.sb);
      out.set(a.subarray(0, n));
      if (c.a !== 1) k.scale(n, c.a, out);
      if (c.b !== 0) k.axpy(n, c.b, b, out);
    } else if (form.sparse) {
      input.sparse.forward(rows, form.sparse.byRow, layout.weights(theta, block), out);
    } else {
      k.gemm(rows, this.fanOut, this.fanIn, x, layout.weights(theta, block), out, false);
    }
    if (form.plan?.save !== undefined) input.slot(form.plan.save).set(out.subarray(0, n));
  }

  /** The bias; with sparse inputs shifted by offsetᵀW (X·W + b = S·W + b + offsetᵀW). */
  private inputBias(theta: Float32Array, sparse: SparseBatch | null): Float32Array {
    const { k, layout, block } = this;
    if (!sparse) return layout.bias(theta, block);
    const shifted = this.input!.shiftedBias;
    k.gemm(1, this.fanOut, this.fanIn, sparse.offset, layout.weights(theta, block), shifted, false);
    k.axpy(this.fanOut, 1, layout.bias(theta, block), shifted);
    return shifted;
  }
}
