// 2-D convolution, NHWC, weights [kH, kW, inC, outC], through im2col and the GEMMs, one block of
// rows at a time so the patch matrix never exists whole: a block of B rows of the patch matrix
// (B × K, K = kH·kW·inC; row r = output position (n, oy, ox), column (ky·kW + kx)·inC + c) is
// built in a per-thread slot of the caller's scratch, then
//   forward          y[rows]     = patches · W                 (gemm, B × outC)
//   input gradient   dpatches    = dy[rows] · Wᵀ               (gemm with Wᵀ formed once by the caller)
//                    dx         += col2im(dpatches)            (whole images per block)
//   weight gradient  partial    += patchesᵀ · dy[rows]         (gemmTN)
// In NHWC the kW·inC entries of one kernel row are contiguous in x (consecutive kx are
// consecutive columns ix, whatever the stride), so im2col and col2im move runs of (valid kx)·inC
// floats: one copy or add per (row, ky).
//
// Shapes come in a descriptor of i32 at d (written by src/kernels/wasm/conv.ts):
//   0 N  1 H  2 W  3 C  4 OC  5 KH  6 KW  7 SH  8 SW  9 PH  10 PW  11 OH  12 OW
// Why the results do not depend on the number of threads: forward rows are independent of
// how rows are grouped (gemm accumulates each row of C alone, in k order); the input gradient is
// cut by whole images, each accumulated in one fixed order; the weight gradient's sum over rows
// is cut into partials at fixed row ranges (set by the shape, never by the threads), each summed
// in row order, then added in partial order (sumPartials).
import { gemm, gemmTN } from './gemm';
import { loadPart, madd, storePart } from './simd';

@inline function dim(d: usize, i: i32): i32 {
  return load<i32>(d + (<usize>i << 2));
}

/** n floats from src to dst (regions do not overlap). */
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  const nv = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) v128.store(dst + o, v128.load(src + o));
  const t = n & 3;
  if (t) storePart(dst + o, loadPart(src + o, t), t);
}

/** dst[i] += src[i] over n floats. */
@inline function addFloats(dst: usize, src: usize, n: i32): void {
  const nv = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  const t = n & 3;
  if (t) storePart(dst + o, f32x4.add(loadPart(dst + o, t), loadPart(src + o, t)), t);
}

/**
 * Rows r0 ..< r0 + rows of the patch matrix of x into out (rows × K, row-major): zeros where the
 * kernel hangs over the padding.
 */
export function im2col(d: usize, x: usize, r0: i32, rows: i32, out: usize): void {
  const H = dim(d, 1), W = dim(d, 2), C = dim(d, 3), KH = dim(d, 5), KW = dim(d, 6);
  const SH = dim(d, 7), SW = dim(d, 8), PH = dim(d, 9), PW = dim(d, 10), OH = dim(d, 11), OW = dim(d, 12);
  const runBytes = <usize>(KW * C) << 2;
  let ox = r0 % OW;
  let t = r0 / OW;
  let oy = t % OH;
  let n = t / OH;
  let dst = out;
  for (let r = 0; r < rows; r++) {
    const ix0 = ox * SW - PW;
    const kx0 = max(0, -ix0), kx1 = min(KW, W - ix0);
    for (let ky = 0; ky < KH; ky++) {
      const iy = oy * SH + ky - PH;
      if (iy < 0 || iy >= H || kx1 <= kx0) {
        memory.fill(dst, 0, runBytes);
      } else {
        if (kx0 > 0) memory.fill(dst, 0, <usize>(kx0 * C) << 2);
        const src = x + ((<usize>((n * H + iy) * W + ix0 + kx0) * <usize>C) << 2);
        copyFloats(dst + (<usize>(kx0 * C) << 2), src, (kx1 - kx0) * C);
        if (kx1 < KW) memory.fill(dst + (<usize>(kx1 * C) << 2), 0, <usize>((KW - kx1) * C) << 2);
      }
      dst += runBytes;
    }
    if (++ox == OW) {
      ox = 0;
      if (++oy == OH) {
        oy = 0;
        n++;
      }
    }
  }
}

/**
 * dx of images n0 ..< n1 += col2im of their patch-matrix gradient at cols (rows of those images
 * only, K floats each), in row order, then ky, then kx.
 */
function col2imAdd(d: usize, cols: usize, n0: i32, n1: i32, dx: usize): void {
  const H = dim(d, 1), W = dim(d, 2), C = dim(d, 3), KH = dim(d, 5), KW = dim(d, 6);
  const SH = dim(d, 7), SW = dim(d, 8), PH = dim(d, 9), PW = dim(d, 10), OH = dim(d, 11), OW = dim(d, 12);
  const runBytes = <usize>(KW * C) << 2;
  let src = cols;
  for (let n = n0; n < n1; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const ix0 = ox * SW - PW;
        const kx0 = max(0, -ix0), kx1 = min(KW, W - ix0);
        for (let ky = 0; ky < KH; ky++) {
          const iy = oy * SH + ky - PH;
          if (iy >= 0 && iy < H && kx1 > kx0) {
            const dst = dx + ((<usize>((n * H + iy) * W + ix0 + kx0) * <usize>C) << 2);
            addFloats(dst, src + (<usize>(kx0 * C) << 2), (kx1 - kx0) * C);
          }
          src += runBytes;
        }
      }
    }
  }
}

/** y rows r0 ..< r1 (of N·OH·OW, OC floats each) = patches · w, blockRows rows at a time in slot. */
export function convForwardRows(d: usize, x: usize, w: usize, y: usize, r0: i32, r1: i32, slot: usize, blockRows: i32): void {
  if (isDirect(d)) {
    directForward(d, x, w, y, r0, r1);
    return;
  }
  const K = dim(d, 5) * dim(d, 6) * dim(d, 3), OC = dim(d, 4);
  for (let r = r0; r < r1; r += blockRows) {
    const rows = min(blockRows, r1 - r);
    im2col(d, x, r, rows, slot);
    gemm(rows, OC, K, slot, K, w, OC, y + ((<usize>r * <usize>OC) << 2), OC, 0);
  }
}

/**
 * dx of images n0 ..< n1 = col2im(dy · Wᵀ), blockImages images at a time in slot; wt is Wᵀ
 * (OC × K, row-major).
 */
export function convBackInputImages(d: usize, dy: usize, wt: usize, dx: usize, n0: i32, n1: i32, slot: usize, blockImages: i32): void {
  const H = dim(d, 1), W = dim(d, 2), C = dim(d, 3);
  const K = dim(d, 5) * dim(d, 6) * C, OC = dim(d, 4);
  const P = dim(d, 11) * dim(d, 12);
  const image = <usize>(H * W * C) << 2;
  memory.fill(dx + <usize>n0 * image, 0, <usize>(n1 - n0) * image);
  for (let n = n0; n < n1; n += blockImages) {
    const m = min(blockImages, n1 - n);
    gemm(m * P, K, OC, dy + ((<usize>(n * P) * <usize>OC) << 2), OC, wt, K, slot, K, 0);
    col2imAdd(d, slot, n, n + m, dx);
  }
}

/** out (K × OC) = Σ over rows r0 ..< r1 of patchᵀ · dy, in row order, blockRows rows at a time. */
export function convBackWeightRows(d: usize, x: usize, dy: usize, out: usize, r0: i32, r1: i32, slot: usize, blockRows: i32, accumulate: i32): void {
  const K = dim(d, 5) * dim(d, 6) * dim(d, 3), OC = dim(d, 4);
  for (let r = r0; r < r1; r += blockRows) {
    const rows = min(blockRows, r1 - r);
    im2col(d, x, r, rows, slot);
    gemmTN(K, OC, rows, slot, K, dy + ((<usize>r * <usize>OC) << 2), OC, out, OC, r > r0 || accumulate != 0 ? 1 : 0);
  }
}

// ---- direct forward for one input channel (a first layer on gray images) ------------------------
// With inC = 1 a patch-matrix row is KH runs of KW floats: LeNet's conv1 (K = 25, outC = 6) spent
// more in im2col than in its GEMM (11.3 ms CPU per batch of 256, 5.4 ms direct). This kernel builds
// no patch matrix: an output pixel's outC ≤ 8 channels are two sets of f32x4 lanes (lo: 0-3,
// hi: 4-7), and each tap adds pixel · w[tap] to them, four neighbouring pixels at a time so that
// one weight load serves four products:
//   y[r, o] = Σ_(ky,kx) x[iy + ky, ix + kx] · w[ky, kx, o]   (taps in order, those over the padding skipped)
// A pixel whose window reaches over an edge goes through a checked path that adds the same
// products in the same order, so every output is the same whatever the row split (any thread
// count). (A direct weight gradient along the same lines, four taps at a time, was 6× slower than
// im2col + gemmTN here, so that keeps the GEMM path.)

/** One input channel, horizontal stride 1, outC ≤ 8. */
@inline function isDirect(d: usize): bool {
  return dim(d, 3) == 1 && dim(d, 8) == 1 && dim(d, 4) <= 8;
}

/** OC ≤ 8 floats at p as (lo, hi) lanes: zeros past OC; never reads past p + 4·OC. */
@inline function loadLo(p: usize, OC: i32): v128 {
  return OC >= 4 ? v128.load(p) : loadPart(p, OC);
}
@inline function loadHi(p: usize, OC: i32): v128 {
  return OC == 8 ? v128.load(p + 16) : OC > 4 ? loadPart(p + 16, OC - 4) : f32x4.splat(0);
}
@inline function storeOut(p: usize, lo: v128, hi: v128, OC: i32): void {
  if (OC >= 4) v128.store(p, lo);
  else storePart(p, lo, OC);
  if (OC == 8) v128.store(p + 16, hi);
  else if (OC > 4) storePart(p + 16, hi, OC - 4);
}
function directForward(d: usize, x: usize, w: usize, y: usize, r0: i32, r1: i32): void {
  const H = dim(d, 1), W = dim(d, 2), OC = dim(d, 4), KH = dim(d, 5), KW = dim(d, 6);
  const SH = dim(d, 7), PH = dim(d, 9), PW = dim(d, 10), OH = dim(d, 11), OW = dim(d, 12);
  const wTap = <usize>OC << 2;
  const two = OC > 4;
  let r = r0;
  while (r < r1) {
    const ox0 = r % OW, t = r / OW, oy = t % OH, n = t / OH;
    const end = min(r1, r - ox0 + OW); // the rest of this output row
    const iy0 = oy * SH - PH;
    const ky0 = max(0, -iy0), ky1 = min(KH, H - iy0);
    const image = x + (<usize>(n * H * W) << 2);
    let rr = r, ix = ox0 - PW;
    while (rr < end) {
      if (end - rr >= 4 && ix >= 0 && ix + 3 + KW <= W) {
        // four pixels whose windows lie inside the row
        let l0 = f32x4.splat(0), l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        for (let ky = ky0; ky < ky1; ky++) {
          let p = image + (<usize>((iy0 + ky) * W + ix) << 2);
          let wp = w + (<usize>(ky * KW) * wTap);
          for (let kx = 0; kx < KW; kx++, p += 4, wp += wTap) {
            const wl = loadLo(wp, OC);
            const x0 = v128.load32_splat(p), x1 = v128.load32_splat(p + 4), x2 = v128.load32_splat(p + 8), x3 = v128.load32_splat(p + 12);
            l0 = madd(x0, wl, l0);
            l1 = madd(x1, wl, l1);
            l2 = madd(x2, wl, l2);
            l3 = madd(x3, wl, l3);
            if (two) {
              const wh = loadHi(wp, OC);
              h0 = madd(x0, wh, h0);
              h1 = madd(x1, wh, h1);
              h2 = madd(x2, wh, h2);
              h3 = madd(x3, wh, h3);
            }
          }
        }
        const yp = y + (<usize>rr * wTap);
        storeOut(yp, l0, h0, OC);
        storeOut(yp + wTap, l1, h1, OC);
        storeOut(yp + 2 * wTap, l2, h2, OC);
        storeOut(yp + 3 * wTap, l3, h3, OC);
        rr += 4;
        ix += 4;
      } else {
        // one pixel, taps over the padding skipped
        let lo = f32x4.splat(0), hi = lo;
        const kx0 = max(0, -ix), kx1 = min(KW, W - ix);
        for (let ky = ky0; ky < ky1; ky++) {
          const p = image + (<usize>((iy0 + ky) * W + ix) << 2);
          for (let kx = kx0; kx < kx1; kx++) {
            const wp = w + (<usize>(ky * KW + kx) * wTap);
            const xs = v128.load32_splat(p + (<usize>kx << 2));
            lo = madd(xs, loadLo(wp, OC), lo);
            if (two) hi = madd(xs, loadHi(wp, OC), hi);
          }
        }
        storeOut(y + (<usize>rr * wTap), lo, hi, OC);
        rr++;
        ix++;
      }
    }
    r = end;
  }
}

/** out[i] = (accumulate ? out[i] : 0) + p_0[i] + p_1[i] + … + p_{count-1}[i], in that order (p_j = partials + j·size floats). */
export function sumPartials(count: i32, size: i32, partials: usize, out: usize, accumulate: i32): void {
  const stride = <usize>size << 2;
  const nv = <usize>(size & ~3) << 2;
  const t = size & 3;
  let o: usize = 0;
  for (; o < nv; o += 16) {
    let s = accumulate ? v128.load(out + o) : v128.load(partials + o);
    for (let j = accumulate ? 0 : 1; j < count; j++) s = f32x4.add(s, v128.load(partials + <usize>j * stride + o));
    v128.store(out + o, s);
  }
  if (t) {
    let s = accumulate ? loadPart(out + o, t) : loadPart(partials + o, t);
    for (let j = accumulate ? 0 : 1; j < count; j++) s = f32x4.add(s, loadPart(partials + <usize>j * stride + o, t));
    storePart(out + o, s, t);
  }
}

/** out (n × m) = aᵀ for a row-major m × n matrix a. */
export function transpose(m: i32, n: i32, a: usize, out: usize): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) store<f32>(out + ((<usize>(j * m + i)) << 2), load<f32>(a + ((<usize>(i * n + j)) << 2)));
  }
}
