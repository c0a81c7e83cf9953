/**
 * MaxPool2D and AvgPool2D over size × size windows with stride size (Keras's defaults, 'valid':
 * windows that do not fit at the bottom or right edge are dropped), per channel, on NHWC rows.
 *
 * backward: max pooling routes each output's gradient to the input that won its window (the
 * first of equal maxima, as recorded by the forward pass); average pooling spreads it evenly,
 * dOut/size² to every input of the window.
 */
import { sizeOf, type Layer, type Shape } from './layer.js';

export class Pool2D implements Layer {
  readonly block = -1;
  readonly outShape: Shape;
  /** Max pooling: the input index (within its example) that won each output. */
  private readonly argmax: Int32Array;

  constructor(readonly kind: 'maxpool2d' | 'avgpool2d', readonly inShape: Shape, readonly size: number, maxRows: number) {
    this.outShape = { h: Math.floor(inShape.h / size), w: Math.floor(inShape.w / size), c: inShape.c };
    this.argmax = new Int32Array(kind === 'maxpool2d' ? maxRows * sizeOf(this.outShape) : 0);
  }

  forward(_theta: Float32Array, x: Float32Array, rows: number, out: Float32Array): Float32Array {
    const { inShape: s, outShape: o, size } = this;
    const inSize = sizeOf(s), outSize = sizeOf(o);
    const max = this.kind === 'maxpool2d';
    const scale = 1 / (size * size);
    for (let r = 0; r < rows; r++) {
      const xb = r * inSize;
      let q = r * outSize;
      for (let oy = 0; oy < o.h; oy++) {
        for (let ox = 0; ox < o.w; ox++) {
          const corner = (oy * size * s.w + ox * size) * s.c;
          for (let ch = 0; ch < s.c; ch++, q++) {
            let best = corner + ch;
            let acc = max ? x[xb + best]! : 0;
            for (let ky = 0; ky < size; ky++) {
              for (let kx = 0; kx < size; kx++) {
                const i = corner + (ky * s.w + kx) * s.c + ch;
                const v = x[xb + i]!;
                if (!max) acc += v;
                else if (v > acc) {
                  acc = v;
                  best = i;
                }
              }
            }
            if (max) this.argmax[q] = best;
            out[q] = max ? acc : acc * scale;
          }
        }
      }
    }
    return out;
  }

  backward(_t: Float32Array, _x: Float32Array, _y: Float32Array, dOut: Float32Array, rows: number, _g: Float32Array, dIn: Float32Array | null): Float32Array | null {
    if (!dIn) return null;
    const { inShape: s, outShape: o, size } = this;
    const inSize = sizeOf(s), outSize = sizeOf(o);
    dIn.fill(0, 0, rows * inSize);
    if (this.kind === 'maxpool2d') {
      for (let r = 0; r < rows; r++) {
        for (let q = r * outSize; q < (r + 1) * outSize; q++) dIn[r * inSize + this.argmax[q]!]! += dOut[q]!;
      }
      return dIn;
    }
    const scale = 1 / (size * size);
    for (let r = 0; r < rows; r++) {
      let q = r * outSize;
      for (let oy = 0; oy < o.h; oy++) {
        for (let ox = 0; ox < o.w; ox++) {
          const corner = r * inSize + (oy * size * s.w + ox * size) * s.c;
          for (let ch = 0; ch < s.c; ch++, q++) {
            const g = dOut[q]! * scale;
            for (let ky = 0; ky < size; ky++) for (let kx = 0; kx < size; kx++) dIn[corner + (ky * s.w + kx) * s.c + ch]! += g;
          }
        }
      }
    }
    return dIn;
  }
}
