/**
 * Conv2D: y = act(conv(x, W) + b) with W [kh, kw, in, out] (Keras's layout), stride s and zero
 * padding p on every side, on NHWC rows; out = ⌊(h + 2p - k)/s⌋ + 1 per spatial dimension.
 *
 *   forward   Z = x ⋆ W (cross-correlation, as Keras and PyTorch compute it), y = act(Z + b)
 *   backward  δ = dy ⊙ act',  ∂W = im2col(x)ᵀ·δ,  ∂b = Σ_pixels δ,  ∂x = col2im(δ·Wᵀ)
 *
 * on the kernels conv2dForward / conv2dBackwardWeight / conv2dBackwardInput (im2col blocks and
 * the GEMMs, on the worker pool); the output seen as a (rows·pixels) × out matrix takes the
 * bias, activation and bias gradient of a Dense layer.
 */
import type { ActCode, Conv2DShape, Kernels } from '../../kernels/kernels.js';
import type { ParameterLayout } from '../layout.js';
import { activateBackward, activateForward } from './activation.js';
import type { Layer, Shape } from './layer.js';

export class Conv2D implements Layer {
  readonly kind = 'conv2d';
  private readonly pixels: number;

  /** `scratch`: shared by the model's conv layers, sized by scratchFor for the largest of them. */
  constructor(
    private readonly k: Kernels, private readonly layout: ParameterLayout, readonly block: number,
    readonly inShape: Shape, readonly outShape: Shape, readonly size: number, readonly stride: number,
    readonly padding: number, readonly act: ActCode, private readonly scratch: Float32Array,
  ) {
    this.pixels = outShape.h * outShape.w;
    if (layout.fanIn(block) !== size * size * inShape.c || layout.fanOut(block) !== outShape.c) throw new Error(`internal: conv block ${block} does not match its shapes`);
  }

  /** The kernels' shape descriptor for a batch of `rows`. */
  shape(rows: number): Conv2DShape {
    const { inShape: s, size, stride, padding } = this;
    return { batch: rows, inH: s.h, inW: s.w, inC: s.c, outC: this.outShape.c, kH: size, kW: size, strideH: stride, strideW: stride, padH: padding, padW: padding };
  }

  forward(theta: Float32Array, x: Float32Array, rows: number, out: Float32Array): Float32Array {
    const { k, layout, block } = this;
    k.conv2dForward(this.shape(rows), x, layout.weights(theta, block), out, this.scratch);
    activateForward(k, rows * this.pixels, this.outShape.c, out, layout.bias(theta, block), this.act);
    return out;
  }

  backward(theta: Float32Array, x: Float32Array, y: Float32Array, dOut: Float32Array, rows: number, grad: Float32Array, dIn: Float32Array | null): Float32Array | null {
    const { k, layout, block } = this;
    const cout = this.outShape.c;
    const s = this.shape(rows);
    activateBackward(k, rows * this.pixels, cout, y, dOut, this.act);
    k.colSums(rows * this.pixels, cout, dOut, layout.bias(grad, block), false);
    this.weightGradient(x, dOut, rows, grad, false);
    if (!dIn) return null;
    k.conv2dBackwardInput(s, dOut, layout.weights(theta, block), dIn, this.scratch);
    return dIn;
  }

  weightGradient(x: Float32Array, delta: Float32Array, rows: number, grad: Float32Array, accumulate: boolean): void {
    this.k.conv2dBackwardWeight(this.shape(rows), x, delta, this.layout.weights(grad, this.block), this.scratch, accumulate);
  }
}
