/**
 * The sparse first layer's two products (see sparse-input.ts for S), cut down to the part the
 * weights can make non-zero. Along an l1 path most of W1 is zero at the sparse end: at l1 ≈ 50 of
 * the default MNIST run 9 of 20 units and 366 of 784 pixels carry a weight. There
 *
 *   S·W    column u is exactly 0 when unit u has no non-zero incoming weight, and the non-zeros
 *          of S in a pixel with no non-zero outgoing weight multiply a zero row of W;
 *   SᵀΔ    column u is exactly 0 when unit u has no non-zero outgoing weight in the next layer
 *          (its Δ column is a sum of products with zeros).
 *
 * So the forward product runs on the live units' columns of W and on a copy of S that keeps only
 * the live pixels' non-zeros, the weight gradient on the Δ columns of units that feed the next
 * layer; the other columns are written as zeros. Both equal the full products exactly (every sum
 * drops only terms that are ±0), which the tests check bit for bit.
 *
 * The filtered copy of S is cached per operand (training set, test set) and rebuilt only when a
 * pixel outside its kept set comes alive (it then keeps the union) or the live pixels carry well
 * under its non-zeros (it then keeps just them): a rebuild costs more than a product, and the
 * live pixels of successive iterates differ in a few pixels at the margin.
 */
import type { CsrOperand, Kernels } from '../kernels/kernels.js';

/** Use the filtered copy of S only when the live pixels hold at most this share of its non-zeros. */
const MAX_KEPT_SHARE = 0.85;
/** Rebuild the filtered copy when the live pixels hold less than this share of its non-zeros. */
const MIN_CACHE_USE = 0.7;

/** REGPATH_PRUNED_FIRST_LAYER=off runs the full products (for comparisons and tests). */
export function prunedFirstLayerDisabled(): boolean {
  return (process.env['REGPATH_PRUNED_FIRST_LAYER'] ?? '').trim().toLowerCase() === 'off';
}

/** A copy of S (some rows of it) that keeps the non-zeros in the columns marked in `keep`. */
interface Filtered {
  /** rowStart's position in its buffer and length: which rows of which matrix this is. */
  rowOffset: number;
  rows: number;
  /** Non-zeros of the operand per column (for the share test, computed once). */
  perColumn: Int32Array;
  total: number;
  /** 1 for the pixels the copy keeps (kernel memory, for csrSelectColumns). */
  keep: Int32Array;
  kept: number;
  csr: CsrOperand | null;
}

export class SparseFirstLayer {
  /** The units a narrow product runs on (a list, see listMarked), and per-pixel live flags (kernel memory). */
  private readonly liveUnits: Int32Array;
  private readonly livePixels: Int32Array;
  /** Scratch for the next layer's column flags. */
  private nextColumns: Int32Array | null = null;
  /** W's live columns (fanIn × units), Δ's live columns (rows × units), the narrow products. */
  private readonly narrowW: Float32Array;
  private readonly narrowDelta: Float32Array;
  private readonly narrowOut: Float32Array;
  private readonly narrowGrad: Float32Array;
  private readonly cache = new WeakMap<Int32Array, Filtered[]>();
  private readonly enabled: boolean;
  /** How often the filtered copy of S was (re)built and a product ran on fewer units (for tests and profiling). */
  readonly counts = { rebuilds: 0, narrowForward: 0, narrowGradient: 0 };

  constructor(private readonly k: Kernels, readonly fanIn: number, readonly fanOut: number, maxRows: number) {
    this.liveUnits = k.allocInt(fanOut);
    this.livePixels = k.allocInt(fanIn);
    this.narrowW = k.alloc(fanIn * fanOut);
    this.narrowGrad = k.alloc(fanIn * fanOut);
    this.narrowOut = k.alloc(maxRows * fanOut);
    this.narrowDelta = k.alloc(maxRows * fanOut);
    this.enabled = !prunedFirstLayerDisabled();
  }

  /** out (rows × fanOut) = S·W for the rows of `s` (by rows) and W (fanIn × fanOut). */
  forward(rows: number, s: CsrOperand, w: Float32Array, out: Float32Array): void {
    const { k, fanIn, fanOut } = this;
    if (!this.enabled) {
      k.csrGemm(rows, fanOut, s, w, out, false);
      return;
    }
    const units = this.scanWeights(w);
    if (units === 0) {
      out.fill(0, 0, rows * fanOut);
      return;
    }
    const a = this.filtered(rows, s) ?? s;
    if (units === fanOut) {
      k.csrGemm(rows, fanOut, a, w, out, false);
      return;
    }
    this.counts.narrowForward++;
    this.narrowProduct(rows, a, w, fanIn, units, this.narrowW, this.narrowOut, out);
  }

  /**
   * grad (fanIn × fanOut) = SᵀΔ for Sᵀ by rows (`st`, fanIn rows over the batch's `rows`) and Δ
   * (rows × fanOut). `next` is the next layer's weights (fanOut × its fan-out), or null for the
   * output layer (every Δ column may then be non-zero).
   */
  weightGradient(rows: number, st: CsrOperand, delta: Float32Array, next: Float32Array | null, grad: Float32Array): void {
    const { k, fanIn, fanOut } = this;
    const units = this.enabled && next ? this.feedingUnits(next) : fanOut;
    if (units === fanOut) {
      k.csrGemm(fanIn, fanOut, st, delta, grad, false);
      return;
    }
    if (units === 0) {
      grad.fill(0, 0, fanIn * fanOut);
      return;
    }
    this.counts.narrowGradient++;
    this.narrowProduct(fanIn, st, delta, rows, units, this.narrowDelta, this.narrowGrad, grad);
  }

  /**
   * out (m × fanOut) = a·b on the listed units' columns of b (bRows × fanOut), zeros in the
   * others: the columns are copied out into narrowB, multiplied into narrowOut and copied back.
   */
  private narrowProduct(
    m: number, a: CsrOperand, b: Float32Array, bRows: number, units: number, narrowB: Float32Array, narrowOut: Float32Array, out: Float32Array,
  ): void {
    const { k, fanOut, liveUnits } = this;
    k.gatherColumns(bRows, fanOut, b, liveUnits, units, narrowB);
    k.csrGemm(m, units, a, narrowB, narrowOut, false);
    k.scatterColumns(m, fanOut, narrowOut, liveUnits, units, out);
  }

  /** Marks the live pixels, lists the live units (in liveUnits) and returns their count. */
  private scanWeights(w: Float32Array): number {
    this.k.nonzeroPattern(this.fanIn, this.fanOut, w, this.livePixels, this.liveUnits);
    return this.listMarked(this.liveUnits);
  }

  /** Lists the units with a non-zero outgoing weight in `next` (fanOut rows) and returns their count. */
  private feedingUnits(next: Float32Array): number {
    const width = next.length / this.fanOut;
    if (!this.nextColumns || this.nextColumns.length < width) this.nextColumns = this.k.allocInt(width);
    this.k.nonzeroPattern(this.fanOut, width, next, this.liveUnits, this.nextColumns);
    return this.listMarked(this.liveUnits);
  }

  /**
   * Turns a 0/1 mark per unit (in liveUnits) into a list of units, in place, and returns its
   * length: the marked units, padded with unmarked ones to a multiple of 4 (the kernels work in
   * 4-float vectors, and a partial vector costs more than a whole one), or fanOut when that
   * would not save a vector. A listed unit that is not live just gets its exact zero column.
   */
  private listMarked(marks: Int32Array): number {
    const { fanOut } = this;
    let live = 0;
    for (let u = 0; u < fanOut; u++) if (marks[u] !== 0) live++;
    if (live === 0) return 0;
    const width = Math.ceil(live / 4) * 4;
    if (width >= fanOut) return fanOut;
    let n = 0, pad = width - live;
    for (let u = 0; u < fanOut; u++) {
      if (marks[u] !== 0) marks[n++] = u;
      else if (pad > 0) {
        marks[n++] = u;
        pad--;
      }
    }
    return n;
  }

  /**
   * The cached copy of s restricted to the live pixels (rebuilt when stale), or null when the live
   * pixels hold most of s's non-zeros anyway.
   */
  private filtered(rows: number, s: CsrOperand): CsrOperand | null {
    const f = this.entry(rows, s);
    const live = this.livePixels;
    const need = this.keptCount(f, (j) => live[j] !== 0);
    if (need > MAX_KEPT_SHARE * f.total) return null;
    if (f.csr === null || need < MIN_CACHE_USE * f.kept) {
      // first use, or the copy carries too many dead pixels: keep exactly the live ones
      for (let j = 0; j < this.fanIn; j++) f.keep[j] = live[j]!;
      this.rebuild(f, rows, s);
      return f.csr;
    }
    let covered = true;
    for (let j = 0; covered && j < this.fanIn; j++) if (live[j] !== 0 && f.keep[j] === 0) covered = false;
    if (!covered) {
      // a pixel outside the copy came alive: keep the union with the pixels kept so far (the
      // line search's candidates revive and drop pixels from step to step; the union absorbs
      // that), unless the union is most of S (then the copy stays as it is, unused this time)
      const union = (j: number) => f.keep[j] !== 0 || live[j] !== 0;
      if (this.keptCount(f, union) > MAX_KEPT_SHARE * f.total) return null;
      for (let j = 0; j < this.fanIn; j++) f.keep[j] = union(j) ? 1 : 0;
      this.rebuild(f, rows, s);
    }
    return f.csr;
  }

  /** Non-zeros of f's operand in the pixels `inKeep` accepts. */
  private keptCount(f: Filtered, inKeep: (j: number) => boolean): number {
    let n = 0;
    for (let j = 0; j < this.fanIn; j++) if (inKeep(j)) n += f.perColumn[j]!;
    return n;
  }

  private entry(rows: number, s: CsrOperand): Filtered {
    let list = this.cache.get(s.colIndex);
    if (!list) {
      list = [];
      this.cache.set(s.colIndex, list);
    }
    const rowOffset = s.rowStart.byteOffset;
    let f = list.find((e) => e.rowOffset === rowOffset && e.rows === rows);
    if (!f) {
      const perColumn = new Int32Array(this.fanIn);
      const p0 = s.rowStart[0]!, p1 = s.rowStart[rows]!;
      for (let p = p0; p < p1; p++) perColumn[s.colIndex[p]!]!++;
      f = { rowOffset, rows, perColumn, total: p1 - p0, keep: this.k.allocInt(this.fanIn), kept: 0, csr: null };
      list.push(f);
    }
    return f;
  }

  /** Refills f with the non-zeros of s in the pixels f keeps. */
  private rebuild(f: Filtered, rows: number, s: CsrOperand): void {
    const { k } = this;
    this.counts.rebuilds++;
    f.csr ??= { rowStart: k.allocInt(rows + 1), colIndex: k.allocInt(f.total), values: k.alloc(f.total) };
    f.kept = k.csrSelectColumns(rows, s, f.keep, f.csr);
  }
}
