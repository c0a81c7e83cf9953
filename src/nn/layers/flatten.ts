/**
 * Flatten: an NHWC image row is already h·w·c contiguous floats in (y, x, channel) order, so the
 * forward and backward passes are the identity on the buffer. (An NCHW framework flattens in
 * (channel, y, x) order: the ONNX export permutes the next Dense kernel's rows to match.)
 */
import { flat, sizeOf, type Layer, type Shape } from './layer.js';

export class Flatten implements Layer {
  readonly kind = 'flatten';
  readonly block = -1;
  readonly outShape: Shape;

  constructor(readonly inShape: Shape) {
    this.outShape = flat(sizeOf(inShape));
  }

  forward(_theta: Float32Array, x: Float32Array): Float32Array {
    return x;
  }

  backward(_t: Float32Array, _x: Float32Array, _y: Float32Array, dOut: Float32Array): Float32Array {
    return dOut;
  }
}
