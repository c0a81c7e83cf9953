// GEMM family: C(m×n) = op(A)·op(B) (+ C), single precision, register-blocked with f32x4.
//
// gemm (NN) and gemmTN share one micro-kernel (`tile`): R rows × (4V + T) columns of C held in
// R·(V+1) f32x4 accumulators. At each step p it broadcasts one A entry per row
// (v128.load32_splat) and multiplies it into up to five contiguous B vectors of row p. NN and TN
// differ only in how A is walked (row / step strides), so Aᵀ is never formed. Columns that do
// not fill a vector (n mod 4) use partial loads/stores: nothing outside the operands is read or
// written.
//
// Every multiply-add goes through `madd` (simd.ts): a fused f32x4.relaxed_madd in the relaxed-SIMD
// build (build/kernels-fma.wasm), mul + add in the baseline build (build/kernels.wasm).
// Tile shapes are set by V8's x64 code generator: without FMA, every step is mul + add; V8 keeps
// 15 xmm registers and schedules all loads of a step before its arithmetic, so accumulators +
// broadcasts + B vectors of one step must fit in 15 or the accumulators spill (2 rows × 5
// vectors runs at half speed). Unrolling over p spills for the same reason. Hence
//   NN: 1 row × 20 columns (5 acc + 1 + 5) for panels of ≥ 17 columns, 2 rows × ≤ 16 otherwise
//       (and C wider than 20 is cut into panels of 16, see gemmBlocked);
//   TN: 4 rows × 8 columns (8 acc + 4 + 2); the 4 A entries of a step are adjacent, so they load
//       at immediate offsets without address arithmetic.
// Both reach ~32 GFLOP/s in cache on the 2-core Zen 4 this was tuned on (~9 flops/cycle).
//
// Cache blocking: for NN, k is cut in blocks of KC_NN = 1024 steps, i.e. the 784-long rows of the
// hot shape are walked whole (shorter blocks break the hardware prefetch of A's rows and cost
// 30%); the k×20 panel of B stays in L2. For TN, k is cut in blocks of KC_TN = 64 steps: a tile
// touches 64 cache lines of A (one per step), reused from L1 by the next 3 tiles, and the
// 64×8 panel of B stays in L1. Rows are cut in blocks of MC so that, when n exceeds one panel,
// the MC×KC block of A stays in L2 while the column panels sweep over it.
//
// gemmNT works on dot products instead: both A rows and B rows are contiguous along k, so a
// tile of 2 rows × 4 columns keeps 8 f32x4 partial sums along k and folds them with a 4×4
// transpose-and-add at the end (again no transpose of B).
//
// All entry points take explicit leading dimensions (in floats), so a caller can run them on
// any sub-block (e.g. a range of rows per worker thread) without copying.
import { loadPart, storePart, hsum4, madd } from './simd';

/** Steps of k per block for NN: whole rows of A for k ≤ 1024. */
const KC_NN: i32 = 1024;
/** Steps of k per block for TN: 64 lines of A + a 2 KiB panel of B in L1. */
const KC_TN: i32 = 64;
/** Rows of C per block. */
const MC: i32 = 128;

// ---- NN / TN micro-kernel ------------------------------------------------------------------

/**
 * C[0..R, 0..4V+T] (+)= Σ_{p<kc} A(r, p) · B[p, ·], for R ∈ 1..4 rows, V ∈ 0..5 full vectors,
 * T ∈ 0..3 tail columns (all compile-time constants after inlining). A(r, p) is the float at
 * pa + r·aRS + p·aPS (ADJ: aRS is 4); rows of B are ldb bytes apart, rows of C ldc bytes apart.
 * `load` false starts from zero instead of C.
 */
@inline function tile(
  ADJ: bool, R: i32, V: i32, T: i32, kc: i32,
  pa: usize, aRS: usize, aPS: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, load: bool,
): void {
  const z = f32x4.splat(0);
  const tOff: usize = <usize>V << 4;
  let c00 = z, c01 = z, c02 = z, c03 = z, c04 = z, c0t = z;
  let c10 = z, c11 = z, c12 = z, c13 = z, c14 = z, c1t = z;
  let c20 = z, c21 = z, c22 = z, c23 = z, c24 = z, c2t = z;
  let c30 = z, c31 = z, c32 = z, c33 = z, c34 = z, c3t = z;
  const q1 = pc + ldc, q2 = q1 + ldc, q3 = q2 + ldc;
  if (load) {
    if (V > 0) c00 = v128.load(pc);
    if (V > 1) c01 = v128.load(pc, 16);
    if (V > 2) c02 = v128.load(pc, 32);
    if (V > 3) c03 = v128.load(pc, 48);
    if (V > 4) c04 = v128.load(pc, 64);
    if (T > 0) c0t = loadPart(pc + tOff, T);
    if (R > 1) {
      if (V > 0) c10 = v128.load(q1);
      if (V > 1) c11 = v128.load(q1, 16);
      if (V > 2) c12 = v128.load(q1, 32);
      if (V > 3) c13 = v128.load(q1, 48);
      if (V > 4) c14 = v128.load(q1, 64);
      if (T > 0) c1t = loadPart(q1 + tOff, T);
    }
    if (R > 2) {
      if (V > 0) c20 = v128.load(q2);
      if (V > 1) c21 = v128.load(q2, 16);
      if (V > 2) c22 = v128.load(q2, 32);
      if (V > 3) c23 = v128.load(q2, 48);
      if (V > 4) c24 = v128.load(q2, 64);
      if (T > 0) c2t = loadPart(q2 + tOff, T);
    }
    if (R > 3) {
      if (V > 0) c30 = v128.load(q3);
      if (V > 1) c31 = v128.load(q3, 16);
      if (V > 2) c32 = v128.load(q3, 32);
      if (V > 3) c33 = v128.load(q3, 48);
      if (V > 4) c34 = v128.load(q3, 64);
      if (T > 0) c3t = loadPart(q3 + tOff, T);
    }
  }
  for (let p = 0; p < kc; p++) {
    const a0 = v128.load32_splat(pa);
    let a1 = z, a2 = z, a3 = z;
    if (ADJ) {
      // TN: the R entries of A are adjacent (row stride 4 bytes): immediate offsets.
      if (R > 1) a1 = v128.load32_splat(pa, 4);
      if (R > 2) a2 = v128.load32_splat(pa, 8);
      if (R > 3) a3 = v128.load32_splat(pa, 12);
    } else {
      if (R > 1) a1 = v128.load32_splat(pa + aRS);
      if (R > 2) a2 = v128.load32_splat(pa + 2 * aRS);
      if (R > 3) a3 = v128.load32_splat(pa + 3 * aRS);
    }
    if (V > 0) {
      const b = v128.load(pb);
      c00 = madd(a0, b, c00);
      if (R > 1) c10 = madd(a1, b, c10);
      if (R > 2) c20 = madd(a2, b, c20);
      if (R > 3) c30 = madd(a3, b, c30);
    }
    if (V > 1) {
      const b = v128.load(pb, 16);
      c01 = madd(a0, b, c01);
      if (R > 1) c11 = madd(a1, b, c11);
      if (R > 2) c21 = madd(a2, b, c21);
      if (R > 3) c31 = madd(a3, b, c31);
    }
    if (V > 2) {
      const b = v128.load(pb, 32);
      c02 = madd(a0, b, c02);
      if (R > 1) c12 = madd(a1, b, c12);
      if (R > 2) c22 = madd(a2, b, c22);
      if (R > 3) c32 = madd(a3, b, c32);
    }
    if (V > 3) {
      const b = v128.load(pb, 48);
      c03 = madd(a0, b, c03);
      if (R > 1) c13 = madd(a1, b, c13);
      if (R > 2) c23 = madd(a2, b, c23);
      if (R > 3) c33 = madd(a3, b, c33);
    }
    if (V > 4) {
      const b = v128.load(pb, 64);
      c04 = madd(a0, b, c04);
      if (R > 1) c14 = madd(a1, b, c14);
      if (R > 2) c24 = madd(a2, b, c24);
      if (R > 3) c34 = madd(a3, b, c34);
    }
    if (T > 0) {
      const b = loadPart(pb + tOff, T);
      c0t = madd(a0, b, c0t);
      if (R > 1) c1t = madd(a1, b, c1t);
      if (R > 2) c2t = madd(a2, b, c2t);
      if (R > 3) c3t = madd(a3, b, c3t);
    }
    pa += aPS;
    pb += ldb;
  }
  if (V > 0) v128.store(pc, c00);
  if (V > 1) v128.store(pc, c01, 16);
  if (V > 2) v128.store(pc, c02, 32);
  if (V > 3) v128.store(pc, c03, 48);
  if (V > 4) v128.store(pc, c04, 64);
  if (T > 0) storePart(pc + tOff, c0t, T);
  if (R > 1) {
    if (V > 0) v128.store(q1, c10);
    if (V > 1) v128.store(q1, c11, 16);
    if (V > 2) v128.store(q1, c12, 32);
    if (V > 3) v128.store(q1, c13, 48);
    if (V > 4) v128.store(q1, c14, 64);
    if (T > 0) storePart(q1 + tOff, c1t, T);
  }
  if (R > 2) {
    if (V > 0) v128.store(q2, c20);
    if (V > 1) v128.store(q2, c21, 16);
    if (V > 2) v128.store(q2, c22, 32);
    if (V > 3) v128.store(q2, c23, 48);
    if (V > 4) v128.store(q2, c24, 64);
    if (T > 0) storePart(q2 + tOff, c2t, T);
  }
  if (R > 3) {
    if (V > 0) v128.store(q3, c30);
    if (V > 1) v128.store(q3, c31, 16);
    if (V > 2) v128.store(q3, c32, 32);
    if (V > 3) v128.store(q3, c33, 48);
    if (V > 4) v128.store(q3, c34, 64);
    if (T > 0) storePart(q3 + tOff, c3t, T);
  }
}

/** All mc rows of one column panel of width 4V+T: R rows per tile, then single rows. */
@inline function panelRows(
  ADJ: bool, R: i32, V: i32, T: i32, mc: i32, kc: i32,
  pa: usize, aRS: usize, aPS: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, load: bool,
): void {
  const aStep = aRS * <usize>R;
  const cStep = ldc * <usize>R;
  let i = 0;
  for (; i + R <= mc; i += R) {
    tile(ADJ, R, V, T, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load);
    pa += aStep;
    pc += cStep;
  }
  for (; i < mc; i++) {
    tile(false, 1, V, T, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load);
    pa += aRS;
    pc += ldc;
  }
}

/**
 * NN: one column panel of width nc (1..20) over mc rows. Five or more vectors wide: one row per
 * tile (5 accumulators + 1 broadcast + 5 B vectors fit V8's 15 usable xmm registers; two rows
 * would spill). Narrower: two rows per tile, to keep enough independent accumulators.
 */
function panelNN(
  nc: i32, mc: i32, kc: i32,
  pa: usize, aRS: usize, aPS: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, load: bool,
): void {
  switch (nc) {
    case 20: panelRows(false, 1, 5, 0, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 19: panelRows(false, 1, 4, 3, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 18: panelRows(false, 1, 4, 2, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 17: panelRows(false, 1, 4, 1, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 16: panelRows(false, 2, 4, 0, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 15: panelRows(false, 2, 3, 3, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 14: panelRows(false, 2, 3, 2, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 13: panelRows(false, 2, 3, 1, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 12: panelRows(false, 2, 3, 0, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 11: panelRows(false, 2, 2, 3, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 10: panelRows(false, 2, 2, 2, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 9: panelRows(false, 2, 2, 1, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 8: panelRows(false, 2, 2, 0, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 7: panelRows(false, 2, 1, 3, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 6: panelRows(false, 2, 1, 2, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 5: panelRows(false, 2, 1, 1, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 4: panelRows(false, 2, 1, 0, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 3: panelRows(false, 2, 0, 3, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 2: panelRows(false, 2, 0, 2, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    default: panelRows(false, 2, 0, 1, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
  }
}

/**
 * TN: one column panel of width nc (1..8) over mc rows, four rows per tile. The four A entries
 * of a step are adjacent (A is walked down its columns), so they load at immediate offsets.
 */
function panelTN(
  nc: i32, mc: i32, kc: i32,
  pa: usize, aRS: usize, aPS: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, load: bool,
): void {
  switch (nc) {
    case 8: panelRows(true, 4, 2, 0, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 7: panelRows(true, 4, 1, 3, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 6: panelRows(true, 4, 1, 2, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 5: panelRows(true, 4, 1, 1, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 4: panelRows(true, 4, 1, 0, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 3: panelRows(true, 4, 0, 3, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    case 2: panelRows(true, 4, 0, 2, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
    default: panelRows(true, 4, 0, 1, mc, kc, pa, aRS, aPS, pb, ldb, pc, ldc, load); break;
  }
}

/** C (m×n, ldc bytes per row) ← 0, for k = 0 without accumulate. */
function zeroC(m: i32, n: i32, c: usize, ldc: usize): void {
  const bytes = <usize>n << 2;
  for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldc, 0, bytes);
}

/** Blocked driver shared by NN and TN; A(i, p) is the float at a + i·aRS + p·aPS (bytes). */
function gemmBlocked(
  TN: bool, m: i32, n: i32, k: i32, a: usize, aRS: usize, aPS: usize,
  b: usize, ldb: usize, c: usize, ldc: usize, accumulate: bool,
): void {
  const KC = TN ? KC_TN : KC_NN;
  // NN panels wider than 20 columns (conv outputs of 32 channels, dense layers of 512) go in
  // panels of 16 = 2 rows × 4 vectors: 8 accumulators reuse each B vector twice, and on the
  // shared 2-core EPYC these shapes ran 1.2-1.6× faster than with 1 × 20 (e.g. 128×32×512:
  // 21 against 14 GFLOP/s with FMA, 17 against 14 without). Up to 20 columns (the MLP's
  // layers) the panel stays whole. Which panel a column lands in never changes its sums.
  const W = TN ? 8 : n > 20 ? 16 : 20;
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) zeroC(m, n, c, ldc);
    return;
  }
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const load = accumulate || p0 > 0;
    const ap = a + <usize>p0 * aPS;
    const bp = b + <usize>p0 * ldb;
    for (let i0 = 0; i0 < m; i0 += MC) {
      const mc = min(MC, m - i0);
      const api = ap + <usize>i0 * aRS;
      const cpi = c + <usize>i0 * ldc;
      for (let j0 = 0; j0 < n; j0 += W) {
        const nc = min(W, n - j0);
        const bj = bp + (<usize>j0 << 2);
        const cj = cpi + (<usize>j0 << 2);
        if (TN) panelTN(nc, mc, kc, api, aRS, aPS, bj, ldb, cj, ldc, load);
        else panelNN(nc, mc, kc, api, aRS, aPS, bj, ldb, cj, ldc, load);
      }
    }
  }
}

/**
 * C(m×n) = A(m×k)·B(k×n) (+ C). Pointers are byte offsets; lda, ldb, ldc are row strides in
 * floats (k, n, n for dense operands).
 */
export function gemm(
  m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  gemmBlocked(false, m, n, k, a, <usize>lda << 2, 4, b, <usize>ldb << 2, c, <usize>ldc << 2, accumulate != 0);
}

/**
 * C(m×n) = Aᵀ·B (+ C) with A stored k×m (row stride lda ≥ m) and B stored k×n (row stride ldb).
 * A sub-range of C's rows i0..i1 is gemmTN(i1-i0, …, a + 4·i0, lda, …, c + 4·i0·ldc, …).
 */
export function gemmTN(
  m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  gemmBlocked(true, m, n, k, a, 4, <usize>lda << 2, b, <usize>ldb << 2, c, <usize>ldc << 2, accumulate != 0);
}

// ---- NT: dot-product tiles -------------------------------------------------------------------

/**
 * C[0..R, 0..J] (+)= A[0..R, :] · B[0..J, :]ᵀ over k, for R ∈ {1, 2}, J ∈ 1..4 (constants after
 * inlining). Rows of A are lda bytes apart, rows of B ldb bytes, rows of C ldc bytes.
 */
@inline function tileNT(
  KT: i32, R: i32, J: i32, k: i32,
  pa: usize, lda: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, accumulate: bool,
): void {
  const z = f32x4.splat(0);
  let s00 = z, s01 = z, s02 = z, s03 = z;
  let s10 = z, s11 = z, s12 = z, s13 = z;
  const pa1 = pa + lda;
  const pb1 = pb + ldb, pb2 = pb1 + ldb, pb3 = pb2 + ldb;
  const kv = <usize>(k & ~3) << 2;
  for (let o: usize = 0; o < kv; o += 16) {
    const a0 = v128.load(pa + o);
    let a1 = z;
    if (R > 1) a1 = v128.load(pa1 + o);
    {
      const b = v128.load(pb + o);
      s00 = madd(a0, b, s00);
      if (R > 1) s10 = madd(a1, b, s10);
    }
    if (J > 1) {
      const b = v128.load(pb1 + o);
      s01 = madd(a0, b, s01);
      if (R > 1) s11 = madd(a1, b, s11);
    }
    if (J > 2) {
      const b = v128.load(pb2 + o);
      s02 = madd(a0, b, s02);
      if (R > 1) s12 = madd(a1, b, s12);
    }
    if (J > 3) {
      const b = v128.load(pb3 + o);
      s03 = madd(a0, b, s03);
      if (R > 1) s13 = madd(a1, b, s13);
    }
  }
  const kt = KT;
  if (kt != 0) {
    // The last k mod 4 steps, loaded with zeros in the unused lanes.
    const a0 = loadPart(pa + kv, kt);
    let a1 = z;
    if (R > 1) a1 = loadPart(pa1 + kv, kt);
    {
      const b = loadPart(pb + kv, kt);
      s00 = madd(a0, b, s00);
      if (R > 1) s10 = madd(a1, b, s10);
    }
    if (J > 1) {
      const b = loadPart(pb1 + kv, kt);
      s01 = madd(a0, b, s01);
      if (R > 1) s11 = madd(a1, b, s11);
    }
    if (J > 2) {
      const b = loadPart(pb2 + kv, kt);
      s02 = madd(a0, b, s02);
      if (R > 1) s12 = madd(a1, b, s12);
    }
    if (J > 3) {
      const b = loadPart(pb3 + kv, kt);
      s03 = madd(a0, b, s03);
      if (R > 1) s13 = madd(a1, b, s13);
    }
  }
  let r0 = hsum4(s00, s01, s02, s03);
  if (J == 4) {
    if (accumulate) r0 = f32x4.add(r0, v128.load(pc));
    v128.store(pc, r0);
  } else {
    if (accumulate) r0 = f32x4.add(r0, loadPart(pc, J));
    storePart(pc, r0, J);
  }
  if (R > 1) {
    const q = pc + ldc;
    let r1 = hsum4(s10, s11, s12, s13);
    if (J == 4) {
      if (accumulate) r1 = f32x4.add(r1, v128.load(q));
      v128.store(q, r1);
    } else {
      if (accumulate) r1 = f32x4.add(r1, loadPart(q, J));
      storePart(q, r1, J);
    }
  }
}

/** One row pair (R = 2) or single row (R = 1) of C over columns j0..j1. */
@inline function rowNT(
  KT: i32, R: i32, j0: i32, j1: i32, k: i32,
  pa: usize, lda: usize, b: usize, ldb: usize, pc: usize, ldc: usize, accumulate: bool,
): void {
  let j = j0;
  let pb = b + <usize>j0 * ldb;
  const bStep = ldb << 2;
  for (; j + 4 <= j1; j += 4) {
    tileNT(KT, R, 4, k, pa, lda, pb, ldb, pc + (<usize>j << 2), ldc, accumulate);
    pb += bStep;
  }
  const jt = j1 - j;
  if (jt == 3) tileNT(KT, R, 3, k, pa, lda, pb, ldb, pc + (<usize>j << 2), ldc, accumulate);
  else if (jt == 2) tileNT(KT, R, 2, k, pa, lda, pb, ldb, pc + (<usize>j << 2), ldc, accumulate);
  else if (jt == 1) tileNT(KT, R, 1, k, pa, lda, pb, ldb, pc + (<usize>j << 2), ldc, accumulate);
}

/** The whole NT product for k mod 4 = KT (a constant after inlining: no branches per tile). */
@inline function gemmNTk(
  KT: i32, m: i32, n: i32, k: i32, a: usize, ldaB: usize, b: usize, ldbB: usize, c: usize, ldcB: usize, acc: bool,
): void {
  let nb = (16384 / k) & ~3;
  if (nb < 4) nb = 4;
  for (let j0 = 0; j0 < n; j0 += nb) {
    const j1 = min(n, j0 + nb);
    let pa = a;
    let pc = c;
    let i = 0;
    for (; i + 2 <= m; i += 2) {
      rowNT(KT, 2, j0, j1, k, pa, ldaB, b, ldbB, pc, ldcB, acc);
      pa += ldaB << 1;
      pc += ldcB << 1;
    }
    if (i < m) rowNT(KT, 1, j0, j1, k, pa, ldaB, b, ldbB, pc, ldcB, acc);
  }
}

/**
 * C(m×n) = A·Bᵀ (+ C) with A stored m×k (row stride lda ≥ k) and B stored n×k (row stride ldb).
 * Columns are processed in blocks whose rows of B fit in ~64 KiB (L2-resident across all rows
 * of A, L1-resident for the small hot shapes).
 */
export function gemmNT(
  m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const ldcB = <usize>ldc << 2;
  if (k <= 0) {
    if (accumulate == 0) zeroC(m, n, c, ldcB);
    return;
  }
  const acc = accumulate != 0;
  const ldaB = <usize>lda << 2;
  const ldbB = <usize>ldb << 2;
  switch (k & 3) {
    case 0: gemmNTk(0, m, n, k, a, ldaB, b, ldbB, c, ldcB, acc); break;
    case 1: gemmNTk(1, m, n, k, a, ldaB, b, ldbB, c, ldcB, acc); break;
    case 2: gemmNTk(2, m, n, k, a, ldaB, b, ldbB, c, ldcB, acc); break;
    default: gemmNTk(3, m, n, k, a, ldaB, b, ldbB, c, ldcB, acc); break;
  }
}
