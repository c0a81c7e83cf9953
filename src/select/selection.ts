/**
 * The numbers model selection works on: held-out loss (and accuracy) with a standard error for
 * every front point, and glmnet's two picks (cv.glmnet's lambda.min and lambda.1se):
 *   min — the point of least mean validation loss (the sparser one on a tie);
 *   1se — the sparsest point (least l1) whose mean validation loss is at most min's mean plus
 *         min's standard error.
 * Cross-validation aligns the folds' fronts by l1 (each fold has its own points): at each point
 * of the full-data front, a fold's validation loss is interpolated linearly in l1 between the
 * fold's neighbouring points and clamped to its end values outside its range.
 */
import type { PathPoint } from '../path/result.js';

/** One front point's held-out numbers (path.json `selection.points[i]`). */
export interface SelectionRow {
  /** Position in path.json `points`. */
  point: number;
  /** Raw index (weights file points/NNN.safetensors). */
  index: number;
  l1: number;
  nonzeros: number;
  /** Mean validation loss (over folds for cross-validation). */
  validationLoss: number;
  /** Its standard error: over folds (cross-validation) or over validation rows (one validation part). */
  validationLossSE: number;
  validationAccuracy?: number;
  validationAccuracySE?: number;
}

/** A chosen point: its selection row plus its training and test numbers. */
export interface SelectionPick extends SelectionRow {
  trainLoss: number;
  testLoss?: number;
  testAccuracy?: number;
}

export interface FoldRunInfo {
  fold: number;
  /** Rows the fold's path was computed on / rows it was validated on. */
  train: number;
  validation: number;
  frontPoints: number;
  /** Sub-run folder relative to the run folder (absent when run in memory). */
  out?: string;
}

/** path.json `selection`. */
export interface PathSelection {
  kind: 'cross-validation' | 'validation';
  /** K for cross-validation, else null. */
  folds: number | null;
  /** Share of the training part held out, for a single validation part, else null. */
  validationFraction: number | null;
  /** What the standard errors are taken over. */
  standardError: 'folds' | 'rows';
  /** Held-out rows: the validation part, or (cross-validation) all training rows, each held out once. */
  validationRows: number;
  points: SelectionRow[];
  min: SelectionPick;
  '1se': SelectionPick;
  foldRuns?: FoldRunInfo[];
}

/** A front point with its validation numbers (path.json `points[i]` of a run with selection). */
export type ValidatedPoint = PathPoint & { validationLoss?: number; validationAccuracy?: number };

/** One fold's front: l1 ascending, with the fold's held-out loss (and accuracy) at each point. */
export interface FoldFront {
  l1: number[];
  loss: number[];
  accuracy?: number[];
}

/**
 * y(x) on the piecewise linear curve through (xs[i], ys[i]), xs ascending: linear between the
 * neighbours of x, the end values outside [xs[0], xs[n-1]]; at repeated xs, the mean of their ys.
 */
export function interpolateAt(xs: readonly number[], ys: readonly number[], x: number): number {
  const n = xs.length;
  if (n === 0 || n !== ys.length) throw new Error(`internal: interpolateAt needs equally long non-empty lists (${n}, ${ys.length})`);
  if (x <= xs[0]!) return meanAt(xs, ys, xs[0]!);
  if (x >= xs[n - 1]!) return meanAt(xs, ys, xs[n - 1]!);
  let hi = 1;
  while (xs[hi]! < x) hi++;
  if (xs[hi] === x) return meanAt(xs, ys, x);
  const lo = hi - 1;
  const t = (x - xs[lo]!) / (xs[hi]! - xs[lo]!);
  return ys[lo]! + t * (ys[hi]! - ys[lo]!);
}

function meanAt(xs: readonly number[], ys: readonly number[], x: number): number {
  let s = 0;
  let c = 0;
  xs.forEach((v, i) => {
    if (v === x) {
      s += ys[i]!;
      c++;
    }
  });
  return s / c;
}

/** Mean and standard error of the mean (sample sd with K-1, over √K), as cv.glmnet's cvm and cvsd. */
export function meanAndSE(values: readonly number[]): { mean: number; se: number } {
  const k = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / k;
  if (k < 2) return { mean, se: 0 };
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, se: Math.sqrt(ss / (k - 1) / k) };
}

/**
 * The selection rows of a front from its folds' fronts: at each front point's l1, every fold's
 * validation loss (and accuracy) interpolated by l1, then mean and standard error over folds.
 */
export function alignFolds(points: readonly PathPoint[], folds: readonly FoldFront[]): SelectionRow[] {
  return points.map((p, i) => {
    const losses = folds.map((f) => interpolateAt(f.l1, f.loss, p.l1));
    const l = meanAndSE(losses);
    const row: SelectionRow = { point: i, index: p.index, l1: p.l1, nonzeros: p.nonzeros, validationLoss: l.mean, validationLossSE: l.se };
    if (folds.length && folds.every((f) => f.accuracy)) {
      const a = meanAndSE(folds.map((f) => interpolateAt(f.l1, f.accuracy!, p.l1)));
      row.validationAccuracy = a.mean;
      row.validationAccuracySE = a.se;
    }
    return row;
  });
}

/** Position in `rows` of the least mean validation loss (ties: the least l1). */
export function minRow(rows: readonly SelectionRow[]): number {
  if (!rows.length) throw new Error('internal: no selection rows');
  let best = 0;
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i]!;
    const b = rows[best]!;
    if (a.validationLoss < b.validationLoss || (a.validationLoss === b.validationLoss && a.l1 < b.l1)) best = i;
  }
  return best;
}

/** Position in `rows` of the 1-SE point: the least l1 with loss ≤ min loss + min's SE. */
export function oneSeRow(rows: readonly SelectionRow[]): number {
  const m = rows[minRow(rows)]!;
  const bound = m.validationLoss + m.validationLossSE;
  let best = -1;
  rows.forEach((r, i) => {
    if (r.validationLoss <= bound && (best < 0 || r.l1 < rows[best]!.l1)) best = i;
  });
  return best;
}

export function pickOf(row: SelectionRow, p: PathPoint): SelectionPick {
  const pick: SelectionPick = { ...row, trainLoss: p.trainLoss };
  if (p.testLoss !== undefined) pick.testLoss = p.testLoss;
  if (p.testAccuracy !== undefined) pick.testAccuracy = p.testAccuracy;
  return pick;
}
