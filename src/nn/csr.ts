/**
 * A kernel W [in, out] in compressed sparse row (CSR) form, for inference on the sparse networks
 * of a path: the product X·W then costs one multiply-add per non-zero weight instead of in × out.
 *
 * The form keeps the transpose Wᵀ: row j holds output j's non-zero weights and the inputs they
 * read, so an example's output j is one tight gather loop y[j] = Σ_k values[k] · x[colIndex[k]],
 * summed in a register (a double) and rounded to float32 once, and inputs that no non-zero weight
 * reads are never touched. Scalar JavaScript: it beats the plain dense loop by about the share of
 * zeros, but the dense wasm SIMD GEMM only at very high sparsity (see bench/sparse.ts and
 * docs/export.md). Only inference: training stays on the dense kernels (the zero pattern changes
 * from step to step).
 */
export interface CsrMatrix {
  rows: number;
  cols: number;
  /** rows + 1 offsets into colIndex/values; row i is rowStart[i] ..< rowStart[i + 1]. */
  rowStart: Int32Array;
  colIndex: Int32Array;
  values: Float32Array;
}

/** CSR form of a row-major rows × cols matrix; exact zeros (either sign) are left out. */
export function csrFromDense(dense: Float32Array, rows: number, cols: number): CsrMatrix {
  if (dense.length !== rows * cols) throw new Error(`internal: csrFromDense: ${dense.length} values for ${rows} × ${cols}`);
  let nnz = 0;
  for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) nnz++;
  const rowStart = new Int32Array(rows + 1);
  const colIndex = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let k = 0;
  for (let i = 0; i < rows; i++) {
    rowStart[i] = k;
    for (let j = 0; j < cols; j++) {
      const v = dense[i * cols + j]!;
      if (v !== 0) {
        colIndex[k] = j;
        values[k] = v;
        k++;
      }
    }
  }
  rowStart[rows] = k;
  return { rows, cols, rowStart, colIndex, values };
}

/**
 * A kernel's sparse form: Wᵀ in CSR (rows = outputs, cols = inputs), the inputs some non-zero
 * reads (ascending) and, per non-zero, its input's position in that list.
 */
export interface SparseWeights {
  csr: CsrMatrix;
  used: Int32Array;
  local: Int32Array;
}

/** The sparse form of kernel W (fanIn × fanOut, row-major). */
export function sparseWeights(kernel: Float32Array, fanIn: number, fanOut: number): SparseWeights {
  const t = new Float32Array(kernel.length);
  for (let i = 0; i < fanIn; i++) for (let j = 0; j < fanOut; j++) t[j * fanIn + i] = kernel[i * fanOut + j]!;
  const csr = csrFromDense(t, fanOut, fanIn);
  const used = Int32Array.from(new Set(csr.colIndex)).sort();
  const position = new Int32Array(fanIn).fill(-1);
  used.forEach((c, p) => (position[c] = p));
  return { csr, used, local: csr.colIndex.map((c) => position[c]!) };
}

/** out (rows × fanOut) = x (rows × fanIn) · W for W in sparse form. */
export function sparseWeightsProduct(w: SparseWeights, x: Float32Array, rows: number, out: Float32Array): void {
  const { csr: { rows: fanOut, cols: fanIn, rowStart, values }, used, local } = w;
  // the used inputs of one example, read in ascending order (kinder to the cache than jumping
  // around the row once per output)
  const g = new Float64Array(used.length);
  for (let r = 0; r < rows; r++) {
    const xi = r * fanIn;
    for (let t = 0; t < used.length; t++) g[t] = x[xi + used[t]!]!;
    const o = r * fanOut;
    for (let j = 0; j < fanOut; j++) {
      let sum = 0;
      const end = rowStart[j + 1]!;
      for (let k = rowStart[j]!; k < end; k++) sum += values[k]! * g[local[k]!]!;
      out[o + j] = sum;
    }
  }
}
