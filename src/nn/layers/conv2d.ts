/**
 * Conv2D: y = act(conv(x, W) + b) with W [kh, kw, in, out] (Keras's layout), stride s and zero
 * padding p on every side, on NHWC rows; out = ⌊(h + 2p - k)/s⌋ + 1 per spatial dimension.
 *
 * As im2col + GEMM: the patches of a block of examples are copied into a matrix C with one row
 * per output pixel and k·k·in columns in (ky, kx, channel) order, which is the row order of W
 * read as a (k·k·in) × out matrix. Then
 *   forward   Z = C·W                      (an NHWC output: pixels × out)
 *   backward  δ = dy ⊙ act',  ∂W = Cᵀ·δ,  ∂b = Σ_pixels δ,  ∂x = col2im(δ·Wᵀ)
 * where col2im adds every patch entry back onto the input pixel it was copied from. The patch
 * matrix is built for a block of examples at a time, so its buffer stays a few MB whatever the
 * batch.
 */
import type { ActCode, Kernels } from '../../kernels/kernels.js';
import type { ParameterLayout } from '../layout.js';
import { activateBackward, activateForward } from './activation.js';
import { sizeOf, type Layer, type Shape } from './layer.js';

/** Floats of the patch buffer (8 MB). */
const PATCH_BUDGET = 1 << 21;

export class Conv2D implements Layer {
  readonly kind = 'conv2d';
  /** Output pixels per example, patch length (k·k·in). */
  private readonly pixels: number;
  private readonly patch: number;
  /** Examples per block of the patch matrix. */
  private readonly chunk: number;
  private readonly cols: Float32Array;
  private readonly dcols: Float32Array;
  /** A 1×1 convolution with stride 1 and no padding reads x as its own patch matrix. */
  private readonly pointwise: boolean;

  constructor(
    private readonly k: Kernels, private readonly layout: ParameterLayout, readonly block: number,
    readonly inShape: Shape, readonly outShape: Shape, readonly size: number, readonly stride: number,
    readonly padding: number, readonly act: ActCode, maxRows: number,
  ) {
    this.pixels = outShape.h * outShape.w;
    this.patch = size * size * inShape.c;
    if (layout.fanIn(block) !== this.patch || layout.fanOut(block) !== outShape.c) throw new Error(`internal: conv block ${block} does not match its shapes`);
    this.pointwise = size === 1 && stride === 1 && padding === 0;
    this.chunk = Math.max(1, Math.min(maxRows, Math.floor(PATCH_BUDGET / (this.pixels * this.patch))));
    const n = this.pointwise ? 0 : this.chunk * this.pixels * this.patch;
    this.cols = k.alloc(n);
    this.dcols = k.alloc(n);
  }

  forward(theta: Float32Array, x: Float32Array, rows: number, out: Float32Array): Float32Array {
    const { k, layout, block, pixels, patch } = this;
    const cout = this.outShape.c;
    const w = layout.weights(theta, block);
    this.blocks(rows, (r0, n) => {
      const c = this.patches(x, r0, n);
      k.gemm(n * pixels, cout, patch, c, w, out.subarray(r0 * pixels * cout), false);
    });
    activateForward(k, rows * pixels, cout, out, layout.bias(theta, block), this.act);
    return out;
  }

  backward(theta: Float32Array, x: Float32Array, y: Float32Array, dOut: Float32Array, rows: number, grad: Float32Array, dIn: Float32Array | null): Float32Array | null {
    const { k, layout, block, pixels, patch } = this;
    const cout = this.outShape.c;
    activateBackward(k, rows * pixels, cout, y, dOut, this.act);
    k.colSums(rows * pixels, cout, dOut, layout.bias(grad, block), false);
    const w = layout.weights(theta, block), gw = layout.weights(grad, block);
    const inSize = sizeOf(this.inShape);
    this.blocks(rows, (r0, n) => {
      const d = dOut.subarray(r0 * pixels * cout);
      k.gemmTN(patch, cout, n * pixels, this.patches(x, r0, n), d, gw, r0 > 0);
      if (!dIn) return;
      const target = dIn.subarray(r0 * inSize, (r0 + n) * inSize);
      if (this.pointwise) {
        k.gemmNT(n * pixels, patch, cout, d, w, target, false);
      } else {
        k.gemmNT(n * pixels, patch, cout, d, w, this.dcols, false);
        this.addPatches(this.dcols, target, n);
      }
    });
    return dIn;
  }

  private blocks(rows: number, f: (r0: number, n: number) => void): void {
    for (let r0 = 0; r0 < rows; r0 += this.chunk) f(r0, Math.min(this.chunk, rows - r0));
  }

  /** The patch matrix of examples r0 ..< r0+n (zeros where a window reaches into the padding). */
  private patches(x: Float32Array, r0: number, n: number): Float32Array {
    const { inShape: s, outShape: o, size, stride, padding: p } = this;
    const inSize = sizeOf(s);
    if (this.pointwise) return x.subarray(r0 * inSize, (r0 + n) * inSize);
    const c = this.cols;
    const span = size * s.c;
    let q = 0;
    for (let r = r0; r < r0 + n; r++) {
      const base = r * inSize;
      for (let oy = 0; oy < o.h; oy++) {
        for (let ox = 0; ox < o.w; ox++) {
          const x0 = ox * stride - p;
          for (let ky = 0; ky < size; ky++) {
            const iy = oy * stride - p + ky;
            if (iy < 0 || iy >= s.h) {
              c.fill(0, q, q + span);
              q += span;
              continue;
            }
            const row = base + iy * s.w * s.c;
            for (let kx = 0; kx < size; kx++) {
              const ix = x0 + kx;
              if (ix < 0 || ix >= s.w) {
                for (let ch = 0; ch < s.c; ch++) c[q++] = 0;
              } else {
                const from = row + ix * s.c;
                for (let ch = 0; ch < s.c; ch++) c[q++] = x[from + ch]!;
              }
            }
          }
        }
      }
    }
    return c;
  }

  /** col2im: dIn (n examples, zeroed here) = the sum of every patch entry of d onto its input pixel. */
  private addPatches(d: Float32Array, dIn: Float32Array, n: number): void {
    const { inShape: s, outShape: o, size, stride, padding: p } = this;
    const inSize = sizeOf(s);
    dIn.fill(0, 0, n * inSize);
    let q = 0;
    for (let r = 0; r < n; r++) {
      const base = r * inSize;
      for (let oy = 0; oy < o.h; oy++) {
        for (let ox = 0; ox < o.w; ox++) {
          for (let ky = 0; ky < size; ky++) {
            const iy = oy * stride - p + ky;
            for (let kx = 0; kx < size; kx++) {
              const ix = ox * stride - p + kx;
              if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) {
                q += s.c;
                continue;
              }
              const to = base + (iy * s.w + ix) * s.c;
              for (let ch = 0; ch < s.c; ch++) dIn[to + ch]! += d[q++]!;
            }
          }
        }
      }
    }
  }
}
