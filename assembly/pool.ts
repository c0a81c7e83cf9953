// Max and average pooling, NHWC, no padding, vectorised over channels (four per f32x4).
// Shapes come in a descriptor of i32 at d (written by src/kernels/wasm/conv.ts):
//   0 N  1 H  2 W  3 C  4 KH  5 KW  6 SH  7 SW  8 OH  9 OW
// Every export works on whole images n0 ..< n1, so a split of the batch over threads never
// changes a result (overlapping windows add into dx in one fixed order per image).
import { loadPart, storePart } from './simd';

@inline function dim(d: usize, i: i32): i32 {
  return load<i32>(d + (<usize>i << 2));
}

/** Max of the window at x index `first` (+ 4 channels), and the index of its first maximum. */
@inline function maxWindow(
  x: usize, first: i32, c: i32, t: i32, KH: i32, KW: i32, rowStep: i32, C: i32, y: usize, arg: usize,
): void {
  const lanes = i32x4(0, 1, 2, 3);
  let best = f32x4.splat(-Infinity);
  let idx = i32x4.add(i32x4.splat(first + c), lanes);
  for (let ky = 0; ky < KH; ky++) {
    for (let kx = 0; kx < KW; kx++) {
      const i = first + ky * rowStep + kx * C + c;
      const p = x + (<usize>i << 2);
      const v = t == 4 ? v128.load(p) : loadPart(p, t);
      // strictly greater: the first maximum in scan order wins ties (NaN never wins; the first
      // entry is taken over -Infinity by the ≥ test below)
      const take = ky == 0 && kx == 0 ? i32x4.splat(-1) : f32x4.gt(v, best);
      best = v128.bitselect(v, best, take);
      idx = v128.bitselect(i32x4.add(i32x4.splat(i), lanes), idx, take);
    }
  }
  if (t == 4) {
    v128.store(y, best);
    v128.store(arg, idx);
  } else {
    storePart(y, best, t);
    storePart(arg, idx, t);
  }
}

/** y, argmax of images n0 ..< n1 (argmax: index into x of the window's first maximum). */
export function maxPoolForward(d: usize, x: usize, y: usize, arg: usize, n0: i32, n1: i32): void {
  const H = dim(d, 1), W = dim(d, 2), C = dim(d, 3), KH = dim(d, 4), KW = dim(d, 5);
  const SH = dim(d, 6), SW = dim(d, 7), OH = dim(d, 8), OW = dim(d, 9);
  let o = <usize>(n0 * OH * OW * C) << 2;
  for (let n = n0; n < n1; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const first = ((n * H + oy * SH) * W + ox * SW) * C;
        for (let c = 0; c < C; c += 4) {
          maxWindow(x, first, c, min(4, C - c), KH, KW, W * C, C, y + o, arg + o);
          o += 16;
        }
        o -= <usize>(((C + 3) & ~3) - C) << 2;
      }
    }
  }
}

/** dx of images n0 ..< n1 = 0, then dx[argmax[o]] += dy[o] for their outputs, in order. */
export function maxPoolBackward(d: usize, dy: usize, arg: usize, dx: usize, n0: i32, n1: i32): void {
  const H = dim(d, 1), W = dim(d, 2), C = dim(d, 3), OH = dim(d, 8), OW = dim(d, 9);
  const image = <usize>(H * W * C) << 2;
  memory.fill(dx + <usize>n0 * image, 0, <usize>(n1 - n0) * image);
  const per = OH * OW * C;
  const end = <usize>(n1 * per) << 2;
  for (let o = <usize>(n0 * per) << 2; o < end; o += 4) {
    const p = dx + (<usize>load<i32>(arg + o) << 2);
    store<f32>(p, load<f32>(p) + load<f32>(dy + o));
  }
}

/** y of images n0 ..< n1 = window means (sum in scan order, divided by KH·KW). */
export function avgPoolForward(d: usize, x: usize, y: usize, n0: i32, n1: i32): void {
  const H = dim(d, 1), W = dim(d, 2), C = dim(d, 3), KH = dim(d, 4), KW = dim(d, 5);
  const SH = dim(d, 6), SW = dim(d, 7), OH = dim(d, 8), OW = dim(d, 9);
  const count = f32x4.splat(<f32>(KH * KW));
  for (let n = n0; n < n1; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const first = ((n * H + oy * SH) * W + ox * SW) * C;
        const out = y + (<usize>(((n * OH + oy) * OW + ox) * C) << 2);
        for (let c = 0; c < C; c += 4) {
          const t = min(4, C - c);
          let s = f32x4.splat(0);
          for (let ky = 0; ky < KH; ky++) {
            for (let kx = 0; kx < KW; kx++) {
              const p = x + (<usize>(first + (ky * W + kx) * C + c) << 2);
              s = f32x4.add(s, t == 4 ? v128.load(p) : loadPart(p, t));
            }
          }
          s = f32x4.div(s, count);
          if (t == 4) v128.store(out + (<usize>c << 2), s);
          else storePart(out + (<usize>c << 2), s, t);
        }
      }
    }
  }
}

/** dx of images n0 ..< n1 = 0, then dy[o]/(KH·KW) added over window o, outputs in order. */
export function avgPoolBackward(d: usize, dy: usize, dx: usize, n0: i32, n1: i32): void {
  const H = dim(d, 1), W = dim(d, 2), C = dim(d, 3), KH = dim(d, 4), KW = dim(d, 5);
  const SH = dim(d, 6), SW = dim(d, 7), OH = dim(d, 8), OW = dim(d, 9);
  const image = <usize>(H * W * C) << 2;
  memory.fill(dx + <usize>n0 * image, 0, <usize>(n1 - n0) * image);
  const count = f32x4.splat(<f32>(KH * KW));
  for (let n = n0; n < n1; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const first = ((n * H + oy * SH) * W + ox * SW) * C;
        const g0 = dy + (<usize>(((n * OH + oy) * OW + ox) * C) << 2);
        for (let c = 0; c < C; c += 4) {
          const t = min(4, C - c);
          const g = f32x4.div(t == 4 ? v128.load(g0 + (<usize>c << 2)) : loadPart(g0 + (<usize>c << 2), t), count);
          for (let ky = 0; ky < KH; ky++) {
            for (let kx = 0; kx < KW; kx++) {
              const p = dx + (<usize>(first + (ky * W + kx) * C + c) << 2);
              if (t == 4) v128.store(p, f32x4.add(v128.load(p), g));
              else storePart(p, f32x4.add(loadPart(p, t), g), t);
            }
          }
        }
      }
    }
  }
}
