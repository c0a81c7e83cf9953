/**
 * Inputs that are mostly one value per column — images, whose background pixels are all 0 before
 * standardisation and all -μ_j/σ_j after it — let the first layer skip most of its work:
 *
 *     X = S + 1·oᵀ      (o_j = the most common value of column j, S sparse)
 *     X·W  = S·W + 1·(oᵀW)              forward: a sparse product and a bias shift
 *     XᵀΔ  = SᵀΔ + o·(1ᵀΔ)              weight gradient: a sparse product and a rank-1 term
 *
 * 1ᵀΔ is the bias gradient, computed anyway. S is kept twice in CSR form, by rows (examples, for
 * the forward pass) and by columns (features, i.e. Sᵀ, for the weight gradient), so both products
 * gather the small dense operand and never scatter. On MNIST 81 % of the entries equal their
 * column's mode, and the two first-layer products, ~90 % of a dense training step, shrink about
 * fivefold. The results equal the dense ones up to float32 rounding (S's entries are X - o
 * rounded once).
 */
import type { CsrOperand, Kernels } from '../kernels/kernels.js';

/** Use the sparse form when at most this share of S's entries are non-zero. */
export const MAX_SPARSE_DENSITY = 0.3;

/** REGPATH_SPARSE_INPUT=off turns every sparse first layer off (for comparisons). */
export function sparseInputDisabled(): boolean {
  return (process.env['REGPATH_SPARSE_INPUT'] ?? '').trim().toLowerCase() === 'off';
}

export interface SparseInput {
  rows: number;
  features: number;
  /** S by rows (rows × features). */
  byRow: CsrOperand;
  /** Sᵀ by rows, i.e. S by columns (features × rows). */
  byColumn: CsrOperand;
  /** o, one value per feature (kernel memory). */
  offset: Float32Array;
  /** Share of S's entries that are non-zero. */
  density: number;
}

/**
 * The sparse form of a row-major rows × features matrix x, or null when it would not pay (density
 * above `maxDensity`, or REGPATH_SPARSE_INPUT=off).
 */
export function sparseInput(k: Kernels, x: Float32Array, rows: number, features: number, maxDensity = MAX_SPARSE_DENSITY): SparseInput | null {
  if (rows === 0 || features === 0 || sparseInputDisabled()) return null;
  const offset = columnModes(x, rows, features);
  let nnz = 0;
  const perColumn = new Int32Array(features);
  for (let i = 0; i < rows; i++) {
    const base = i * features;
    for (let j = 0; j < features; j++) {
      if (x[base + j] !== offset[j]) {
        nnz++;
        perColumn[j]!++;
      }
    }
  }
  const density = nnz / (rows * features);
  if (density > maxDensity) return null;

  const byRow = allocCsr(k, rows, nnz);
  const byColumn = allocCsr(k, features, nnz);
  // column starts, then fill both forms in one pass over the rows (column lists come out in row order)
  const colCursor = new Int32Array(features);
  let acc = 0;
  for (let j = 0; j < features; j++) {
    byColumn.rowStart[j] = acc;
    colCursor[j] = acc;
    acc += perColumn[j]!;
  }
  byColumn.rowStart[features] = acc;
  let p = 0;
  for (let i = 0; i < rows; i++) {
    byRow.rowStart[i] = p;
    const base = i * features;
    for (let j = 0; j < features; j++) {
      const v = x[base + j]!;
      if (v === offset[j]) continue;
      const s = Math.fround(v - offset[j]!);
      byRow.colIndex[p] = j;
      byRow.values[p] = s;
      p++;
      const q = colCursor[j]!++;
      byColumn.colIndex[q] = i;
      byColumn.values[q] = s;
    }
  }
  byRow.rowStart[rows] = p;
  const off = k.alloc(features);
  off.set(offset);
  return { rows, features, byRow, byColumn, offset: off, density };
}

/** Rows r0 ..< r0 + count of S (a view: no copy). */
export function sparseRows(s: SparseInput, r0: number, count: number): CsrOperand {
  return { rowStart: s.byRow.rowStart.subarray(r0, r0 + count + 1), colIndex: s.byRow.colIndex, values: s.byRow.values };
}

export function freeSparseInput(k: Kernels, s: SparseInput): void {
  for (const m of [s.byRow, s.byColumn]) {
    k.freeInt(m.rowStart);
    k.freeInt(m.colIndex);
    k.free(m.values);
  }
  k.free(s.offset);
}

function allocCsr(k: Kernels, rows: number, nnz: number): CsrOperand {
  return { rowStart: k.allocInt(rows + 1), colIndex: k.allocInt(nnz), values: k.alloc(nnz) };
}

/** The most common value of each column (ties: the smallest); NaN never counts as a mode. */
function columnModes(x: Float32Array, rows: number, features: number): Float32Array {
  const modes = new Float32Array(features);
  // A value held by more than half a column is its mode (images: the background). Find those
  // with one Boyer–Moore majority vote per column and a counting pass, both row by row (the
  // cache-friendly order), and sort only the columns without a majority.
  const candidate = new Float32Array(features);
  const votes = new Int32Array(features);
  for (let i = 0; i < rows; i++) {
    const base = i * features;
    for (let j = 0; j < features; j++) {
      const v = x[base + j]!;
      if (votes[j] === 0) {
        candidate[j] = v;
        votes[j] = 1;
      } else {
        votes[j] += v === candidate[j] ? 1 : -1;
      }
    }
  }
  const count = votes.fill(0);
  for (let i = 0; i < rows; i++) {
    const base = i * features;
    for (let j = 0; j < features; j++) if (x[base + j] === candidate[j]) count[j]!++;
  }
  const col = new Float32Array(rows);
  for (let j = 0; j < features; j++) {
    if (2 * count[j]! > rows) {
      modes[j] = candidate[j]!;
      continue;
    }
    for (let i = 0; i < rows; i++) col[i] = x[i * features + j]!;
    col.sort();
    let best = 0, bestCount = 0;
    for (let i = 0; i < rows;) {
      let e = i + 1;
      while (e < rows && col[e] === col[i]) e++;
      if (e - i > bestCount && !Number.isNaN(col[i]!)) {
        best = col[i]!;
        bestCount = e - i;
      }
      i = e;
    }
    modes[j] = best;
  }
  return modes;
}
