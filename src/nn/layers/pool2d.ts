/**
 * MaxPool2D and AvgPool2D over size × size windows with stride size (Keras's defaults, 'valid':
 * windows that do not fit at the bottom or right edge are dropped), per channel, on NHWC rows.
 *
 * backward: max pooling routes each output's gradient to the input that won its window (the
 * first of equal maxima, recorded by the forward pass: after a ReLU all-zero windows are common);
 * average pooling spreads it evenly, dOut/size² to every input of the window.
 */
import type { Kernels, Pool2DShape } from '../../kernels/kernels.js';
import { sizeOf, type Layer, type Shape } from './layer.js';

export class Pool2D implements Layer {
  readonly block = -1;
  readonly outShape: Shape;
  /** Max pooling: the input index that won each output (kernel memory). */
  private readonly argmax: Int32Array;

  constructor(private readonly k: Kernels, readonly kind: 'maxpool2d' | 'avgpool2d', readonly inShape: Shape, readonly size: number, maxRows: number) {
    this.outShape = { h: Math.floor(inShape.h / size), w: Math.floor(inShape.w / size), c: inShape.c };
    this.argmax = k.allocInt(kind === 'maxpool2d' ? maxRows * sizeOf(this.outShape) : 0);
  }

  private shape(rows: number): Pool2DShape {
    const { inShape: s, size } = this;
    return { batch: rows, inH: s.h, inW: s.w, channels: s.c, kH: size, kW: size, strideH: size, strideW: size };
  }

  forward(_theta: Float32Array, x: Float32Array, rows: number, out: Float32Array): Float32Array {
    if (this.kind === 'maxpool2d') this.k.maxPool2dForward(this.shape(rows), x, out, this.argmax);
    else this.k.avgPool2dForward(this.shape(rows), x, out);
    return out;
  }

  backward(_t: Float32Array, _x: Float32Array, _y: Float32Array, dOut: Float32Array, rows: number, _g: Float32Array, dIn: Float32Array | null): Float32Array | null {
    if (!dIn) return null;
    if (this.kind === 'maxpool2d') this.k.maxPool2dBackward(this.shape(rows), dOut, this.argmax, dIn);
    else this.k.avgPool2dBackward(this.shape(rows), dOut, dIn);
    return dIn;
  }
}
