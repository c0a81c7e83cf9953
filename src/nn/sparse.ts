/**
 * Inference on the sparse networks of a path: each kernel W [in, out] in compressed sparse row
 * (CSR) form built from its zero pattern, and a forward pass whose cost is proportional to the
 * non-zeros instead of in × out.
 *
 * Each layer keeps the transpose Wᵀ in CSR form: row j holds output j's non-zero weights and the
 * inputs they read. An example's output is then one tight gather loop per output,
 * y[j] = b[j] + Σ_k values[k] · x[colIndex[k]], summed in a register (a double) and rounded to
 * float32 once: the work is one multiply-add per non-zero weight, and inputs that no non-zero
 * weight reads are never touched. Scalar JavaScript: it beats the plain dense loop by about the
 * share of zeros, but the dense wasm SIMD GEMM only at very high sparsity (see bench/sparse.ts
 * and docs/export.md). Only inference: training stays on the dense kernels (the zero pattern
 * changes from step to step).
 */
import type { ActName } from '../kernels/kernels.js';

export interface CsrMatrix {
  rows: number;
  cols: number;
  /** rows + 1 offsets into colIndex/values; row i is rowStart[i] ..< rowStart[i + 1]. */
  rowStart: Int32Array;
  colIndex: Int32Array;
  values: Float32Array;
}

/** CSR form of a row-major rows × cols matrix; exact zeros (either sign) are left out. */
export function csrFromDense(dense: Float32Array, rows: number, cols: number): CsrMatrix {
  if (dense.length !== rows * cols) throw new Error(`internal: csrFromDense: ${dense.length} values for ${rows} × ${cols}`);
  let nnz = 0;
  for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) nnz++;
  const rowStart = new Int32Array(rows + 1);
  const colIndex = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    rowStart[i] = k;
    for (let j = 0; j < cols; j++) {
      const v = dense[i * cols + j]!;
      if (v !== 0) {
        colIndex[k] = j;
        values[k] = v;
        k++;
      }
    }
  }
  rowStart[rows] = k;
  return { rows, cols, rowStart, colIndex, values };
}

/** One dense layer as stored in a run: kernel [fanIn, fanOut] row-major, bias [fanOut]. */
export interface DenseLayer {
  fanIn: number;
  fanOut: number;
  kernel: Float32Array;
  bias: Float32Array;
}

export function activate(act: ActName): (x: number) => number {
  switch (act) {
    case 'identity': return (x) => x;
    case 'relu': return (x) => (x > 0 ? x : 0);
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (x) => 1 / (1 + Math.exp(-x));
  }
}

/**
 * An MLP for inference with CSR kernels: hidden layers apply `activation`, the output layer is
 * linear (logits for classification). Each layer keeps Wᵀ in CSR form (row j = output j, its
 * non-zero weights and their inputs), so an output is one tight gather loop
 * y[j] = b[j] + Σ_k values[k] · x[colIndex[k]] over its non-zeros, summed in a register.
 */
export class SparseMlp {
  /**
   * Per layer: Wᵀ in CSR form (rows = outputs, cols = inputs), the bias, the inputs some
   * non-zero reads (ascending) and, per non-zero, its input's position in that list.
   */
  readonly layers: ReadonlyArray<{ csr: CsrMatrix; bias: Float32Array; used: Int32Array; local: Int32Array }>;
  readonly activation: ActName;

  constructor(layers: DenseLayer[], activation: ActName) {
    if (layers.length === 0) throw new Error('internal: SparseMlp needs at least one layer');
    for (let l = 1; l < layers.length; l++) {
      if (layers[l]!.fanIn !== layers[l - 1]!.fanOut) throw new Error(`internal: layer ${l} takes ${layers[l]!.fanIn} inputs, layer ${l - 1} gives ${layers[l - 1]!.fanOut}`);
    }
    this.layers = layers.map((d) => {
      const csr = csrFromDense(transpose(d.kernel, d.fanIn, d.fanOut), d.fanOut, d.fanIn);
      const used = Int32Array.from(new Set(csr.colIndex)).sort();
      const position = new Int32Array(d.fanIn).fill(-1);
      used.forEach((c, t) => (position[c] = t));
      return { csr, bias: Float32Array.from(d.bias), used, local: csr.colIndex.map((c) => position[c]!) };
    });
    this.activation = activation;
  }

  get inputs(): number {
    return this.layers[0]!.csr.cols;
  }

  get outputs(): number {
    return this.layers[this.layers.length - 1]!.csr.rows;
  }

  /** Non-zero weights over all kernels. */
  get nonzeros(): number {
    return this.layers.reduce((s, l) => s + l.csr.values.length, 0);
  }

  /** Outputs (rows × outputs) for x (rows × inputs), both row-major. */
  forward(x: Float32Array, rows: number): Float32Array {
    if (x.length !== rows * this.inputs) throw new Error(`internal: SparseMlp.forward: ${x.length} values for ${rows} × ${this.inputs}`);
    const act = activate(this.activation);
    let input = x;
    for (let l = 0; l < this.layers.length; l++) {
      const { csr, bias, used, local } = this.layers[l]!;
      const { rows: fanOut, cols: fanIn, rowStart, values } = csr;
      const out = new Float32Array(rows * fanOut);
      const applyAct = l < this.layers.length - 1 && this.activation !== 'identity';
      // the used inputs of one example, read in ascending order (kinder to the cache than
      // jumping around the row once per output)
      const g = new Float64Array(used.length);
      for (let r = 0; r < rows; r++) {
        const xi = r * fanIn;
        for (let t = 0; t < used.length; t++) g[t] = input[xi + used[t]!]!;
        const o = r * fanOut;
        for (let j = 0; j < fanOut; j++) {
          // summed in a double, rounded to float32 once
          let sum: number = bias[j]!;
          const end = rowStart[j + 1]!;
          for (let k = rowStart[j]!; k < end; k++) sum += values[k]! * g[local[k]!]!;
          out[o + j] = applyAct ? act(sum) : sum;
        }
      }
      input = out;
    }
    return input;
  }
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/** The same network with plain dense loops (the reference for tests and the benchmark). */
export function denseForward(layers: DenseLayer[], activation: ActName, x: Float32Array, rows: number): Float32Array {
  const act = activate(activation);
  let input = x;
  for (let l = 0; l < layers.length; l++) {
    const { fanIn, fanOut, kernel, bias } = layers[l]!;
    const out = new Float32Array(rows * fanOut);
    const last = l === layers.length - 1;
    for (let r = 0; r < rows; r++) {
      const o = r * fanOut;
      for (let j = 0; j < fanOut; j++) out[o + j] = bias[j]!;
      for (let i = 0; i < fanIn; i++) {
        const a = input[r * fanIn + i]!;
        const w = i * fanOut;
        for (let j = 0; j < fanOut; j++) out[o + j] += a * kernel[w + j]!;
      }
      if (!last) for (let j = 0; j < fanOut; j++) out[o + j] = act(out[o + j]!);
    }
    input = out;
  }
  return input;
}

/** Row-wise softmax of rows × n logits (in doubles, max subtracted), as probabilities. */
export function softmaxRows(logits: Float32Array, rows: number, n: number): Float64Array {
  const p = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) max = Math.max(max, logits[r * n + j]!);
    let sum = 0;
    for (let j = 0; j < n; j++) sum += p[r * n + j] = Math.exp(logits[r * n + j]! - max);
    for (let j = 0; j < n; j++) p[r * n + j]! /= sum;
  }
  return p;
}
