// Plain-TypeScript GEMM variants: the oracle for the wasm kernels, written for clarity with
// the loop order that keeps the innermost access contiguous.
import type { CsrOperand } from '../kernels.js';

export function gemm(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void {
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    if (accumulate) for (let j = 0; j < n; j++) row[j] = c[i * n + j]!;
    else row.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      if (aip === 0) continue;
      const bo = p * n;
      for (let j = 0; j < n; j++) row[j]! += aip * b[bo + j]!;
    }
    for (let j = 0; j < n; j++) c[i * n + j] = row[j]!;
  }
}

export function gemmTN(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void {
  // C[i, j] = Σ_p A[p, i] B[p, j], A is k×m, B is k×n.
  const acc = new Float64Array(m * n);
  if (accumulate) for (let t = 0; t < m * n; t++) acc[t] = c[t]!;
  for (let p = 0; p < k; p++) {
    for (let i = 0; i < m; i++) {
      const api = a[p * m + i]!;
      if (api === 0) continue;
      const co = i * n;
      const bo = p * n;
      for (let j = 0; j < n; j++) acc[co + j]! += api * b[bo + j]!;
    }
  }
  for (let t = 0; t < m * n; t++) c[t] = acc[t]!;
}

export function gemmNT(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void {
  // C[i, j] = Σ_p A[i, p] B[j, p], A is m×k, B is n×k.
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = accumulate ? c[i * n + j]! : 0;
      const ao = i * k;
      const bo = j * k;
      for (let p = 0; p < k; p++) s += a[ao + p]! * b[bo + p]!;
      c[i * n + j] = s;
    }
  }
}

export function csrSelectColumns(m: number, a: CsrOperand, keep: Int32Array, out: CsrOperand): number {
  const { rowStart, colIndex, values } = a;
  let q = 0;
  for (let i = 0; i < m; i++) {
    out.rowStart[i] = q;
    for (let p = rowStart[i]!; p < rowStart[i + 1]!; p++) {
      const j = colIndex[p]!;
      if (keep[j] !== 0) {
        out.colIndex[q] = j;
        out.values[q++] = values[p]!;
      }
    }
  }
  out.rowStart[m] = q;
  return q;
}

export function csrGemm(m: number, n: number, a: CsrOperand, b: Float32Array, c: Float32Array, accumulate: boolean): void {
  const { rowStart, colIndex, values } = a;
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    if (accumulate) for (let j = 0; j < n; j++) row[j] = c[i * n + j]!;
    else row.fill(0);
    for (let p = rowStart[i]!; p < rowStart[i + 1]!; p++) {
      const v = values[p]!;
      const bj = colIndex[p]! * n;
      for (let j = 0; j < n; j++) row[j]! += v * b[bj + j]!;
    }
    for (let j = 0; j < n; j++) c[i * n + j] = row[j]!;
  }
}
