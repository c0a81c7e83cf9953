/**
 * Where each layer's parameters live in the one flat parameter vector.
 *
 * Layout: [W1, W2, …, WL, b1, b2, …, bL] over the layers that have parameters (Dense, Conv2D).
 * All weights come first so that the penalised part of θ is a prefix: the l1 norm, the
 * soft-threshold and the multiobjective step then work on one contiguous range (the whole vector
 * when biases are penalised too).
 *
 * A kernel is stored row-major with its output units last, as Keras/TF.js store them: a Dense
 * kernel is [in, out] (the forward pass is X·W), a Conv2D kernel [kh, kw, in, out], i.e. the
 * (kh·kw·in) × out matrix that multiplies the image patches in (ky, kx, channel) order. So for
 * every block fanIn = the product of all but the last dimension (also the fan-in of He and
 * Glorot initialisation) and fanOut = the last one.
 */
export class ParameterLayout {
  /** Units per parameterised layer, from the inputs: [inputs, fanOut(0), fanOut(1), …]; an MLP's widths. */
  readonly layers: readonly number[];
  /** Each block's kernel shape, [in, out] for Dense layers. */
  readonly kernelShapes: readonly (readonly number[])[];
  readonly weightOffset: number[] = [];
  readonly biasOffset: number[] = [];
  /** Number of weights (the prefix penalised by default). */
  readonly weightCount: number;
  /** Number of parameters in all. */
  readonly size: number;

  /** An MLP's layout from its widths, e.g. [784, 20, 20, 10]. */
  constructor(layers: readonly number[], kernelShapes?: readonly (readonly number[])[]) {
    const shapes = kernelShapes ?? layers.slice(1).map((w, l) => [layers[l]!, w]);
    this.kernelShapes = shapes.map((s) => [...s]);
    this.layers = kernelShapes ? [layers[0]!, ...shapes.map((s) => s[s.length - 1]!)] : [...layers];
    let o = 0;
    for (let l = 0; l < shapes.length; l++) {
      this.weightOffset.push(o);
      o += this.fanIn(l) * this.fanOut(l);
    }
    this.weightCount = o;
    for (let l = 0; l < shapes.length; l++) {
      this.biasOffset.push(o);
      o += this.fanOut(l);
    }
    this.size = o;
  }

  /** Number of parameterised layers. */
  get depth(): number {
    return this.kernelShapes.length;
  }

  fanIn(l: number): number {
    const s = this.kernelShapes[l]!;
    let n = 1;
    for (let i = 0; i + 1 < s.length; i++) n *= s[i]!;
    return n;
  }

  fanOut(l: number): number {
    const s = this.kernelShapes[l]!;
    return s[s.length - 1]!;
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
