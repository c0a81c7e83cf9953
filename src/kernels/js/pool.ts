// Max and average pooling, NHWC (twin of assembly/pool.ts). Shapes: Pool2DShape in ../kernels.ts.
import { pool2dOutput, type Pool2DShape } from '../kernels.js';

/** Calls visit(o, first) for every output o, with first = the x index of its window's top-left entry. */
function eachWindow(s: Pool2DShape, visit: (o: number, first: number) => void): void {
  const { batch, inH, inW, channels: C, strideH, strideW } = s;
  const [outH, outW] = pool2dOutput(s);
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const o = ((n * outH + oy) * outW + ox) * C;
        const first = ((n * inH + oy * strideH) * inW + ox * strideW) * C;
        for (let c = 0; c < C; c++) visit(o + c, first + c);
      }
    }
  }
}

export function maxPool2dForward(s: Pool2DShape, x: Float32Array, y: Float32Array, argmax: Int32Array): void {
  const { inW, channels: C, kH, kW } = s;
  eachWindow(s, (o, first) => {
    let best = first;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        const i = first + (ky * inW + kx) * C;
        if (x[i]! > x[best]!) best = i;
      }
    }
    y[o] = x[best]!;
    argmax[o] = best;
  });
}

export function maxPool2dBackward(s: Pool2DShape, dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
  const [outH, outW] = pool2dOutput(s);
  dx.fill(0, 0, s.batch * s.inH * s.inW * s.channels);
  const count = s.batch * outH * outW * s.channels;
  for (let o = 0; o < count; o++) dx[argmax[o]!] = dx[argmax[o]!]! + dy[o]!;
}

export function avgPool2dForward(s: Pool2DShape, x: Float32Array, y: Float32Array): void {
  const { inW, channels: C, kH, kW } = s;
  eachWindow(s, (o, first) => {
    let sum = 0;
    for (let ky = 0; ky < kH; ky++) for (let kx = 0; kx < kW; kx++) sum += x[first + (ky * inW + kx) * C]!;
    y[o] = sum / (kH * kW);
  });
}

export function avgPool2dBackward(s: Pool2DShape, dy: Float32Array, dx: Float32Array): void {
  const { inW, channels: C, kH, kW } = s;
  dx.fill(0, 0, s.batch * s.inH * s.inW * C);
  eachWindow(s, (o, first) => {
    const g = dy[o]! / (kH * kW);
    for (let ky = 0; ky < kH; ky++) for (let kx = 0; kx < kW; kx++) dx[first + (ky * inW + kx) * C]! += g;
  });
}
