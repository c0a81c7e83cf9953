/**
 * Mini-batches of sparse inputs (raw image pixels: ~80 % exact zeros on MNIST) in the CSR form the
 * kernels' csrGemm multiplies, so the first layer's four products (r·μ', r²·v', rᵀg, (r²)ᵀg_s) cost
 * in proportion to the non-zeros instead of the full width (nn/sparse-input.ts does the same for
 * the path's networks). Per batch it gathers the rows' non-zeros (by row, for the forward pass)
 * and sorts them by column (Sᵀ by rows, for the weight gradients), each with the squared values
 * alongside. All buffers are allocated once, sized for the densest possible batch.
 */
import type { CsrOperand, Kernels } from '../kernels/kernels.js';
// the same threshold and switch as the path's sparse first layer
import { MAX_SPARSE_DENSITY, sparseInputDisabled } from '../nn/sparse-input.js';

export interface SparseBatch {
  byRow: CsrOperand;
  byRow2: CsrOperand;
  byColumn: CsrOperand;
  byColumn2: CsrOperand;
}

export class SparseBatcher {
  private readonly start: Int32Array;
  private readonly cols: Int32Array;
  private readonly vals: Float32Array;
  private readonly vals2: Float32Array;
  private readonly batch: SparseBatch;
  private readonly colCount: Int32Array;
  private readonly cursor: Int32Array;
  // plain-memory scratch of the by-column form: scattering into ordinary typed arrays and copying
  // the result into kernel memory in one go is ~2× faster than scattering into shared memory
  private readonly scratchRows: Int32Array;
  private readonly scratchVals: Float32Array;
  private readonly scratchVals2: Float32Array;

  /** null when the data is too dense for the sparse form to pay. */
  static create(k: Kernels, x: Float32Array, rows: number, features: number, maxBatch: number): SparseBatcher | null {
    if (sparseInputDisabled()) return null;
    let nnz = 0;
    for (let i = 0; i < rows * features; i++) if (x[i] !== 0) nnz++;
    if (rows === 0 || nnz / (rows * features) > MAX_SPARSE_DENSITY) return null;
    return new SparseBatcher(k, x, rows, features, nnz, maxBatch);
  }

  private constructor(k: Kernels, x: Float32Array, rows: number, readonly features: number, nnz: number, maxBatch: number) {
    this.start = new Int32Array(rows + 1);
    this.cols = new Int32Array(nnz);
    this.vals = new Float32Array(nnz);
    let p = 0;
    const perRow: number[] = [];
    for (let r = 0; r < rows; r++) {
      this.start[r] = p;
      for (let j = 0; j < features; j++) {
        const v = x[r * features + j]!;
        if (v !== 0) {
          this.cols[p] = j;
          this.vals[p++] = v;
        }
      }
      perRow.push(p - this.start[r]!);
    }
    this.start[rows] = p;
    this.vals2 = this.vals.map((v) => v * v);
    // room for the densest batch of maxBatch rows
    const most = Math.max(1, perRow.sort((a, b) => b - a).slice(0, maxBatch).reduce((a, b) => a + b, 0));
    const rowStart = k.allocInt(maxBatch + 1), colIndex = k.allocInt(most);
    const colStart = k.allocInt(features + 1), colRows = k.allocInt(most);
    this.batch = {
      byRow: { rowStart, colIndex, values: k.alloc(most) },
      byRow2: { rowStart, colIndex, values: k.alloc(most) },
      byColumn: { rowStart: colStart, colIndex: colRows, values: k.alloc(most) },
      byColumn2: { rowStart: colStart, colIndex: colRows, values: k.alloc(most) },
    };
    this.colCount = new Int32Array(features);
    this.cursor = new Int32Array(features);
    this.scratchRows = new Int32Array(most);
    this.scratchVals = new Float32Array(most);
    this.scratchVals2 = new Float32Array(most);
  }

  /** The batch of training rows order[from ..< from + rows], in both forms. */
  gather(order: Int32Array, from: number, rows: number): SparseBatch {
    const { byRow, byRow2, byColumn, byColumn2 } = this.batch;
    const rs = byRow.rowStart, ci = byRow.colIndex, v = byRow.values, v2 = byRow2.values;
    const count = this.colCount, cols = this.cols, start = this.start, vals = this.vals, vals2 = this.vals2;
    count.fill(0);
    let p = 0;
    for (let b = 0; b < rows; b++) {
      const r = order[from + b]!;
      const q0 = start[r]!, q1 = start[r + 1]!;
      rs[b] = p;
      // element loops rather than set(subarray): as fast here, and no views allocated per row
      for (let q = q0; q < q1; q++, p++) {
        const c = cols[q]!;
        ci[p] = c;
        v[p] = vals[q]!;
        v2[p] = vals2[q]!;
        count[c]!++;
      }
    }
    rs[rows] = p;
    // by column: counting sort of the batch's non-zeros (row order kept within a column)
    const cs = byColumn.rowStart, cursor = this.cursor;
    let acc = 0;
    for (let j = 0; j < this.features; j++) {
      cs[j] = acc;
      cursor[j] = acc;
      acc += count[j]!;
    }
    cs[this.features] = acc;
    const sr = this.scratchRows, sv = this.scratchVals, sv2 = this.scratchVals2;
    for (let b = 0; b < rows; b++) {
      const r = order[from + b]!;
      for (let q = start[r]!, end = start[r + 1]!; q < end; q++) {
        const d = cursor[cols[q]!]!++;
        sr[d] = b;
        sv[d] = vals[q]!;
        sv2[d] = vals2[q]!;
      }
    }
    // whole-array copies: the tail past p is stale but never read (the column starts end at p)
    byColumn.colIndex.set(sr);
    byColumn.values.set(sv);
    byColumn2.values.set(sv2);
    return this.batch;
  }
}
