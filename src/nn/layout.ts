/**
 * Where each layer's parameters live in the one flat parameter vector.
 *
 * Layout: [W1, W2, …, WL, b1, b2, …, bL]. All weights come first so that the penalised part
 * of θ is a prefix: the l1 norm, the soft-threshold and the multiobjective step then work on one
 * contiguous range (the whole vector when biases are penalised too). Wl is stored in×out,
 * row-major, so a layer's forward pass is X·Wl.
 */
export class ParameterLayout {
  readonly layers: readonly number[];
  readonly weightOffset: number[] = [];
  readonly biasOffset: number[] = [];
  /** Number of weights (the prefix penalised by default). */
  readonly weightCount: number;
  /** Number of parameters in all. */
  readonly size: number;

  constructor(layers: readonly number[]) {
    this.layers = [...layers];
    let o = 0;
    for (let l = 0; l + 1 < layers.length; l++) {
      this.weightOffset.push(o);
      o += layers[l]! * layers[l + 1]!;
    }
    this.weightCount = o;
    for (let l = 0; l + 1 < layers.length; l++) {
      this.biasOffset.push(o);
      o += layers[l + 1]!;
    }
    this.size = o;
  }

  get depth(): number {
    return this.layers.length - 1;
  }

  fanIn(l: number): number {
    return this.layers[l]!;
  }

  fanOut(l: number): number {
    return this.layers[l + 1]!;
  }

  weights(theta: Float32Array, l: number): Float32Array {
    return theta.subarray(this.weightOffset[l]!, this.weightOffset[l]! + this.fanIn(l) * this.fanOut(l));
  }

  bias(theta: Float32Array, l: number): Float32Array {
    return theta.subarray(this.biasOffset[l]!, this.biasOffset[l]! + this.fanOut(l));
  }

  /** Length of the penalised prefix of θ. */
  penalised(penalizeBias: boolean): number {
    return penalizeBias ? this.size : this.weightCount;
  }
}
