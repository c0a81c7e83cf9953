// Convolution, direct loops in double precision (twin of assembly/conv.ts, which goes through
// im2col and the GEMMs). Shapes and layouts: Conv2DShape in ../kernels.ts.
import { conv2dOutput, type Conv2DShape } from '../kernels.js';

export function conv2dScratchSize(): number {
  return 0;
}

export function conv2dForward(s: Conv2DShape, x: Float32Array, w: Float32Array, y: Float32Array): void {
  const { batch, inH, inW, inC, outC, kH, kW, strideH, strideW, padH, padW } = s;
  const [outH, outW] = conv2dOutput(s);
  const acc = new Float64Array(outC);
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        acc.fill(0);
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padH;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padW;
            if (ix < 0 || ix >= inW) continue;
            const xo = ((n * inH + iy) * inW + ix) * inC;
            const wo = (ky * kW + kx) * inC * outC;
            for (let c = 0; c < inC; c++) {
              const xv = x[xo + c]!;
              const wr = wo + c * outC;
              for (let o = 0; o < outC; o++) acc[o]! += xv * w[wr + o]!;
            }
          }
        }
        const yo = ((n * outH + oy) * outW + ox) * outC;
        for (let o = 0; o < outC; o++) y[yo + o] = acc[o]!;
      }
    }
  }
}

export function conv2dBackwardInput(s: Conv2DShape, dy: Float32Array, w: Float32Array, dx: Float32Array): void {
  const { batch, inH, inW, inC, outC, kH, kW, strideH, strideW, padH, padW } = s;
  const [outH, outW] = conv2dOutput(s);
  const acc = new Float64Array(inH * inW * inC);
  for (let n = 0; n < batch; n++) {
    acc.fill(0);
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((n * outH + oy) * outW + ox) * outC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padH;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padW;
            if (ix < 0 || ix >= inW) continue;
            const xo = (iy * inW + ix) * inC;
            const wo = (ky * kW + kx) * inC * outC;
            for (let c = 0; c < inC; c++) {
              let sum = 0;
              const wr = wo + c * outC;
              for (let o = 0; o < outC; o++) sum += dy[yo + o]! * w[wr + o]!;
              acc[xo + c]! += sum;
            }
          }
        }
      }
    }
    dx.set(acc, n * inH * inW * inC);
  }
}

export function conv2dBackwardWeight(
  s: Conv2DShape, x: Float32Array, dy: Float32Array, dw: Float32Array, _scratch: Float32Array, accumulate: boolean,
): void {
  const { batch, inH, inW, inC, outC, kH, kW, strideH, strideW, padH, padW } = s;
  const [outH, outW] = conv2dOutput(s);
  const size = kH * kW * inC * outC;
  const acc = new Float64Array(size);
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const yo = ((n * outH + oy) * outW + ox) * outC;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * strideH + ky - padH;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * strideW + kx - padW;
            if (ix < 0 || ix >= inW) continue;
            const xo = ((n * inH + iy) * inW + ix) * inC;
            const wo = (ky * kW + kx) * inC * outC;
            for (let c = 0; c < inC; c++) {
              const xv = x[xo + c]!;
              if (xv === 0) continue;
              const wr = wo + c * outC;
              for (let o = 0; o < outC; o++) acc[wr + o]! += xv * dy[yo + o]!;
            }
          }
        }
      }
    }
  }
  for (let t = 0; t < size; t++) dw[t] = (accumulate ? dw[t]! : 0) + acc[t]!;
}
