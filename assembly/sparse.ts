// Sparse × dense products for inputs that are mostly one value per column (images: the background
// pixel). C(m×n) = A·B (+ C) with A in compressed sparse row form: row i's non-zeros are
// vals[rowStart[i] ..< rowStart[i+1]] in columns colIdx[…] (i32 arrays in this memory; the offsets
// are absolute, so a row range is just a shifted rowStart pointer).
//
// One output row at a time, held in up to five f32x4 accumulators (20 columns) plus a partial
// tail vector: each non-zero a_ij broadcasts and multiply-adds B's row j into them, so the work
// is one pass over the non-zeros with B's rows gathered (B is small: a weight matrix, or the
// deltas of the batch for the transposed product, which uses the CSR form of Aᵀ). Wider outputs
// are cut into panels of 20 columns. A row's sums are chains of dependent multiply-adds (4 cycles
// each with FMA), so a product of ≤ 12 columns (one to three chains) runs two rows side by side:
// at MNIST's shapes (8,000 × 784, 150 non-zeros a row) 4 columns went from 1.21 to 0.66 ms,
// 8 from 1.25 to 0.69 ms and 12 from 1.47 to 0.87 ms, bit for bit the same sums.
import { loadPart, storePart, madd } from './simd';

@inline function rowPanel(
  V: i32, T: i32, p0: i32, p1: i32, colIdx: usize, vals: usize, pb: usize, ldb: usize, pc: usize, acc: bool,
): void {
  const z = f32x4.splat(0);
  const tOff: usize = <usize>V << 4;
  let c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, ct = z;
  if (acc) {
    if (V > 0) c0 = v128.load(pc);
    if (V > 1) c1 = v128.load(pc, 16);
    if (V > 2) c2 = v128.load(pc, 32);
    if (V > 3) c3 = v128.load(pc, 48);
    if (V > 4) c4 = v128.load(pc, 64);
    if (T > 0) ct = loadPart(pc + tOff, T);
  }
  for (let p = p0; p < p1; p++) {
    const off = <usize>p << 2;
    const a = v128.load32_splat(vals + off);
    const row = pb + <usize>load<i32>(colIdx + off) * ldb;
    if (V > 0) c0 = madd(a, v128.load(row), c0);
    if (V > 1) c1 = madd(a, v128.load(row, 16), c1);
    if (V > 2) c2 = madd(a, v128.load(row, 32), c2);
    if (V > 3) c3 = madd(a, v128.load(row, 48), c3);
    if (V > 4) c4 = madd(a, v128.load(row, 64), c4);
    if (T > 0) ct = madd(a, loadPart(row + tOff, T), ct);
  }
  if (V > 0) v128.store(pc, c0);
  if (V > 1) v128.store(pc, c1, 16);
  if (V > 2) v128.store(pc, c2, 32);
  if (V > 3) v128.store(pc, c3, 48);
  if (V > 4) v128.store(pc, c4, 64);
  if (T > 0) storePart(pc + tOff, ct, T);
}

/**
 * Two output rows at once, for products of up to 12 columns of a B whose rows are `ldb` bytes apart
 * (a compile-time constant): rows i and i + 1 (non-zeros p0 ..< p1 and p1 ..< q1, outputs at pc
 * and qc, C zeroed first) over their common length, so the two rows' multiply-add chains overlap
 * (one row's one to four chains wait on the multiply-add latency: a 4-column product cost as much
 * as a 20-column one); the longer row then finishes in rowPanel from the stored partial sums. Each
 * output sums its terms in the same order as rowPanel alone, so the result is the same bit for bit.
 * (Sixteen or twenty columns would need eight or ten accumulators, which V8's register allocator
 * spills: measured 1.4× slower.)
 */
@inline function rowPair(V: i32, T: i32, ldb: usize, p0: i32, p1: i32, q1: i32, colIdx: usize, vals: usize, pb: usize, pc: usize, qc: usize): void {
  const z = f32x4.splat(0);
  const tOff: usize = <usize>V << 4;
  let c0 = z, c1 = z, c2 = z, c3 = z, ct = z;
  let d0 = z, d1 = z, d2 = z, d3 = z, dt = z;
  const common = min(p1 - p0, q1 - p1);
  const delta: usize = <usize>(p1 - p0) << 2;
  const end = vals + (<usize>(p0 + common) << 2);
  let pv = vals + (<usize>p0 << 2);
  let pi = colIdx + (<usize>p0 << 2);
  for (; pv < end; pv += 4, pi += 4) {
    const a = v128.load32_splat(pv);
    const row = pb + <usize>load<i32>(pi) * ldb;
    const e = v128.load32_splat(pv + delta);
    const rowE = pb + <usize>load<i32>(pi + delta) * ldb;
    if (V > 0) { c0 = madd(a, v128.load(row), c0); d0 = madd(e, v128.load(rowE), d0); }
    if (V > 1) { c1 = madd(a, v128.load(row, 16), c1); d1 = madd(e, v128.load(rowE, 16), d1); }
    if (V > 2) { c2 = madd(a, v128.load(row, 32), c2); d2 = madd(e, v128.load(rowE, 32), d2); }
    if (V > 3) { c3 = madd(a, v128.load(row, 48), c3); d3 = madd(e, v128.load(rowE, 48), d3); }
    if (T > 0) { ct = madd(a, loadPart(row + tOff, T), ct); dt = madd(e, loadPart(rowE + tOff, T), dt); }
  }
  if (V > 0) { v128.store(pc, c0); v128.store(qc, d0); }
  if (V > 1) { v128.store(pc, c1, 16); v128.store(qc, d1, 16); }
  if (V > 2) { v128.store(pc, c2, 32); v128.store(qc, d2, 32); }
  if (V > 3) { v128.store(pc, c3, 48); v128.store(qc, d3, 48); }
  if (T > 0) { storePart(pc + tOff, ct, T); storePart(qc + tOff, dt, T); }
  const pe = p0 + common, qe = p1 + common;
  if (pe < p1) rowPanel(V, T, pe, p1, colIdx, vals, pb, ldb, pc, true);
  if (qe < q1) rowPanel(V, T, qe, q1, colIdx, vals, pb, ldb, qc, true);
}

/** C(m×n) = A·B for 1 ≤ n ≤ 12 with B's rows n floats apart, two rows of C at a time (m even). */
function pairs(n: i32, m: i32, rowStart: usize, colIdx: usize, vals: usize, b: usize, c: usize, ldcB: usize): void {
  for (let i = 0; i + 1 < m; i += 2) {
    const p0 = load<i32>(rowStart + (<usize>i << 2));
    const p1 = load<i32>(rowStart + (<usize>(i + 1) << 2));
    const q1 = load<i32>(rowStart + (<usize>(i + 2) << 2));
    const pc = c + <usize>i * ldcB;
    const qc = pc + ldcB;
    switch (n) {
      case 12: rowPair(3, 0, 48, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 11: rowPair(2, 3, 44, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 10: rowPair(2, 2, 40, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 9: rowPair(2, 1, 36, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 8: rowPair(2, 0, 32, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 7: rowPair(1, 3, 28, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 6: rowPair(1, 2, 24, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 5: rowPair(1, 1, 20, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 4: rowPair(1, 0, 16, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 3: rowPair(0, 3, 12, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      case 2: rowPair(0, 2, 8, p0, p1, q1, colIdx, vals, b, pc, qc); break;
      default: rowPair(0, 1, 4, p0, p1, q1, colIdx, vals, b, pc, qc); break;
    }
  }
}

function panel(nc: i32, p0: i32, p1: i32, colIdx: usize, vals: usize, pb: usize, ldb: usize, pc: usize, acc: bool): void {
  switch (nc) {
    case 20: rowPanel(5, 0, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 19: rowPanel(4, 3, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 18: rowPanel(4, 2, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 17: rowPanel(4, 1, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 16: rowPanel(4, 0, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 15: rowPanel(3, 3, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 14: rowPanel(3, 2, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 13: rowPanel(3, 1, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 12: rowPanel(3, 0, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 11: rowPanel(2, 3, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 10: rowPanel(2, 2, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 9: rowPanel(2, 1, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 8: rowPanel(2, 0, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 7: rowPanel(1, 3, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 6: rowPanel(1, 2, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 5: rowPanel(1, 1, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 4: rowPanel(1, 0, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 3: rowPanel(0, 3, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    case 2: rowPanel(0, 2, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
    default: rowPanel(0, 1, p0, p1, colIdx, vals, pb, ldb, pc, acc); break;
  }
}

/**
 * Copies the non-zeros of A's m rows whose column j is marked (keep: one i32 per column, non-zero
 * = keep) into out (rowStart from 0, room for them). Returns the number copied. Branch-free: every
 * entry is written and the cursor advances by the mark, so a mixed mask costs no mispredictions.
 */
export function csrSelectColumns(
  m: i32, rowStart: usize, colIdx: usize, vals: usize, keep: usize, outRowStart: usize, outColIdx: usize, outVals: usize,
): i32 {
  let q: i32 = 0;
  let p = load<i32>(rowStart);
  for (let i = 0; i < m; i++) {
    store<i32>(outRowStart + (<usize>i << 2), q);
    const p1 = load<i32>(rowStart + (<usize>(i + 1) << 2));
    for (; p < p1; p++) {
      const off = <usize>p << 2;
      const j = load<i32>(colIdx + off);
      const dst = <usize>q << 2;
      store<i32>(outColIdx + dst, j);
      store<f32>(outVals + dst, load<f32>(vals + off));
      q += i32(load<i32>(keep + (<usize>j << 2)) != 0);
    }
  }
  store<i32>(outRowStart + (<usize>m << 2), q);
  return q;
}

/**
 * C(m×n) = A·B (+ C), A an m-row CSR matrix (rowStart: m+1 i32, colIdx / vals: the non-zeros),
 * B dense with row stride ldb floats, C with row stride ldc floats. Pointers are byte offsets.
 */
export function csrGemm(
  m: i32, n: i32, rowStart: usize, colIdx: usize, vals: usize, b: usize, ldb: i32, c: usize, ldc: i32, accumulate: i32,
): void {
  const acc = accumulate != 0;
  const ldbB = <usize>ldb << 2;
  const ldcB = <usize>ldc << 2;
  let i = 0;
  if (n <= 12 && ldb == n && !acc) {
    pairs(n, m, rowStart, colIdx, vals, b, c, ldcB);
    i = m & ~1;
  }
  for (; i < m; i++) {
    const p0 = load<i32>(rowStart + (<usize>i << 2));
    const p1 = load<i32>(rowStart + (<usize>(i + 1) << 2));
    const pc = c + <usize>i * ldcB;
    for (let j0 = 0; j0 < n; j0 += 20) {
      panel(min(20, n - j0), p0, p1, colIdx, vals, b + (<usize>j0 << 2), ldbB, pc + (<usize>j0 << 2), acc);
    }
  }
}
