/**
 * Inference on the networks of a path, outside training: the model's own layers (mlp.ts) on the
 * plain-TypeScript kernels, with each Dense kernel either in CSR form (SparseMlp, what `regpath
 * predict` runs: see csr.ts) or dense (denseForward, the reference for tests and benchmarks).
 */
import type { ActName } from '../kernels/kernels.js';
import { createJsKernels } from '../kernels/index.js';
import { Mlp, type Architecture } from './mlp.js';
import { ParameterLayout } from './layout.js';
import { sparseWeights, type SparseWeights } from './csr.js';

export { csrFromDense, type CsrMatrix } from './csr.js';

/** One dense layer as stored in a run: kernel [fanIn, fanOut] row-major, bias [fanOut]. */
export interface DenseLayer {
  fanIn: number;
  fanOut: number;
  kernel: Float32Array;
  bias: Float32Array;
}

/** Rows per forward call: bounds the model's buffers whatever the number of rows predicted. */
const BLOCK = 256;

/**
 * Outputs (rows × outputs) of the model `arch` with parameters θ for x (rows × inputs), on the js
 * kernels in blocks of rows; `weights` as in Mlp.forward (sparse kernels).
 */
export function inferenceForward(
  arch: Architecture, theta: Float32Array, x: Float32Array, rows: number, weights: readonly (SparseWeights | null)[] | null = null,
): Float32Array {
  const d = arch.layers[0]!, c = arch.layers[arch.layers.length - 1]!;
  if (x.length !== rows * d) throw new Error(`internal: forward: ${x.length} values for ${rows} × ${d}`);
  const model = new Mlp(createJsKernels(), arch, Math.max(1, Math.min(rows, BLOCK)));
  const out = new Float32Array(rows * c);
  for (let r = 0; r < rows; r += BLOCK) {
    const n = Math.min(BLOCK, rows - r);
    out.set(model.forward(theta, x.subarray(r * d, (r + n) * d), n, null, null, weights), r * c);
  }
  return out;
}

/** An MLP of stored dense layers: its architecture and θ. */
class StoredMlp {
  readonly arch: Architecture;
  readonly theta: Float32Array;

  constructor(readonly layers: DenseLayer[], activation: ActName) {
    if (layers.length === 0) throw new Error('internal: a network needs at least one layer');
    for (let l = 1; l < layers.length; l++) {
      if (layers[l]!.fanIn !== layers[l - 1]!.fanOut) throw new Error(`internal: layer ${l} takes ${layers[l]!.fanIn} inputs, layer ${l - 1} gives ${layers[l - 1]!.fanOut}`);
    }
    this.arch = { layers: [layers[0]!.fanIn, ...layers.map((d) => d.fanOut)], activation, loss: 'cross-entropy' };
    const layout = new ParameterLayout(this.arch.layers);
    this.theta = new Float32Array(layout.size);
    layers.forEach((d, l) => {
      layout.weights(this.theta, l).set(d.kernel);
      layout.bias(this.theta, l).set(d.bias);
    });
  }

  forward(x: Float32Array, rows: number, weights: readonly SparseWeights[] | null): Float32Array {
    return inferenceForward(this.arch, this.theta, x, rows, weights);
  }
}

/**
 * An MLP for inference with CSR kernels: hidden layers apply `activation`, the output layer is
 * linear (logits for classification).
 */
export class SparseMlp {
  private readonly net: StoredMlp;
  private readonly weights: SparseWeights[];

  constructor(layers: DenseLayer[], activation: ActName) {
    this.net = new StoredMlp(layers, activation);
    this.weights = layers.map((d) => sparseWeights(d.kernel, d.fanIn, d.fanOut));
  }

  get activation(): ActName {
    return this.net.arch.activation;
  }

  get inputs(): number {
    return this.net.arch.layers[0]!;
  }

  get outputs(): number {
    return this.net.arch.layers[this.net.arch.layers.length - 1]!;
  }

  /** Non-zero weights over all kernels. */
  get nonzeros(): number {
    return this.weights.reduce((s, w) => s + w.csr.values.length, 0);
  }

  /** Outputs (rows × outputs) for x (rows × inputs), both row-major. */
  forward(x: Float32Array, rows: number): Float32Array {
    return this.net.forward(x, rows, this.weights);
  }
}

/** The same network with dense kernels (the reference for tests and the benchmark). */
export function denseForward(layers: DenseLayer[], activation: ActName, x: Float32Array, rows: number): Float32Array {
  return new StoredMlp(layers, activation).forward(x, rows, null);
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
