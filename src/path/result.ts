import type { ModelInfo } from './model.js';
import { hypervolume, largestGap, nonDominated } from '../metrics/front.js';
import type { DatasetInfo } from './prepare.js';
import type { RawPoint } from './types.js';
import type { PenaltyName } from './penalty.js';

export { PATH_FORMAT } from '../io/run.js';
import { PATH_FORMAT } from '../io/run.js';

/** One point of the reported front (path.json's `points`): its raw point's numbers and its weights file. */
export interface PathPoint extends Pick<RawPoint,
  'index' | 'l1' | 'l2squared' | 'nonzeros' | 'effectiveNonzeros' | 'trainLoss' | 'testLoss' | 'trainAccuracy' | 'testAccuracy' | 'lambda'> {
  /** Weights file, relative to the run folder. */
  weights: string;
}

export interface FrontMetrics {
  /** Loss of the best constant predictor (normalises the loss axis). */
  nullLoss: number;
  /** l1 normalisation: --l1-ref if given, else the largest l1 on the front (l1 paths only). */
  l1Ref?: number;
  /** l2 paths: normalisation of ‖θ_pen‖² (--l1-ref if given, else the largest on the front); replaces l1Ref. */
  l2Ref?: number;
  hypervolumeTrain: number;
  hypervolumeTest?: number;
  /** Raw points left out of the front because another point dominates them. */
  dominatedDropped: number;
  /** Largest normalised gap between neighbouring front points. */
  largestGap: number;
  /**
   * The largest test accuracy over the front: an oracle (it looks at the test set), not a model
   * choice; `point` is its front index (what --point takes), `index` its raw index.
   */
  bestTestAccuracy?: { choice: 'oracle: max test accuracy over the front'; accuracy: number; l1: number; nonzeros: number; point: number; index: number };
}

export interface PathSummary {
  format: typeof PATH_FORMAT;
  method: string;
  status: 'running' | 'complete';
  seed: number;
  seconds: number;
  dataset: DatasetInfo;
  model: ModelInfo;
  objective: { loss: 'cross-entropy' | 'mse'; penalty: PenaltyName; penalizeBias: boolean };
  metrics: FrontMetrics;
  points: PathPoint[];
  /** Every computed point, dominated ones included, in the order computed. */
  raw: RawPoint[];
  /** Continuation: why each branch ended ('unregularised', 'flat', 'all-zero' or 'budget'). */
  branchEnds?: Record<string, string>;
  /** What the user should know about the front, e.g. a branch cut short by its point budget. */
  warnings?: string[];
}

/** path.json's branchEnds and warnings from a method's last saved state (only the continuation has ends). */
export function branchEndsOf(state: unknown): Pick<PathSummary, 'branchEnds' | 'warnings'> {
  const ends = (state as { ends?: Record<string, string> } | null)?.ends;
  if (!ends || !Object.keys(ends).length) return {};
  const warnings = Object.entries(ends).filter(([, why]) => why === 'budget')
    .map(([branch]) => `the ${branch} branch stopped at its point budget (3 × points) before reaching its end: the front may be cut short`);
  return { branchEnds: { ...ends }, ...(warnings.length && { warnings }) };
}

/**
 * The share of L_null the front's lowest training loss must fall below: a front that stays above
 * it is a network that fitted (almost) nothing, which a user must hear about rather than read off
 * a hypervolume of 0.11. Seen on a regression target in its own units fitted on mini-batches
 * (Friedman #1, 20,000 rows, std 515, 20,20 units): the first steps at lr 0.05 diverged, the
 * halvings ended at lr 6e-6 and every point stayed at 1.000·L_null.
 */
export const NOTHING_FITTED_SHARE = 0.99;

/**
 * The warning for a front whose lowest training loss is at least NOTHING_FITTED_SHARE·L_null
 * (null when it fitted something), with `hint` (what to try) after it.
 */
export function nothingFittedWarning(points: Pick<RawPoint, 'trainLoss'>[], nullLoss: number, hint: string): string | null {
  if (!points.length || !(nullLoss > 0)) return null;
  const lowest = Math.min(...points.map((p) => p.trainLoss));
  if (!(lowest >= NOTHING_FITTED_SHARE * nullLoss)) return null;
  return `the front's lowest training loss is ${((100 * lowest) / nullLoss).toFixed(1)} % of the constant predictor's: the model fitted almost nothing; ${hint}`;
}

/** `summary` with `warning` (if any) after its own warnings. */
export function withWarning<T extends Pick<PathSummary, 'warnings'>>(summary: T, warning: string | null): T {
  return warning === null ? summary : { ...summary, warnings: [...(summary.warnings ?? []), warning] };
}

export function weightsFile(index: number): string {
  return `points/${String(index).padStart(3, '0')}.safetensors`;
}

/** The front's second objective: l1, or ‖θ‖² for an l2 path (the metrics code calls it l1). */
function secondObjective(penalty: PenaltyName): (p: { l1: number; l2squared?: number }) => number {
  return (p) => (penalty === 'l2' ? p.l2squared ?? 0 : p.l1);
}

/** Indices of the raw points the front keeps (non-dominated in train loss and the second objective). */
function frontIndices(raw: RawPoint[], penalty: PenaltyName): number[] {
  const x = secondObjective(penalty);
  return nonDominated(raw.map((p) => ({ l1: x(p), loss: p.trainLoss })));
}

/** How many raw points the front keeps (summarise's points.length, without its measures). */
export function frontSize(raw: RawPoint[], penalty: PenaltyName = 'l1'): number {
  return frontIndices(raw, penalty).length;
}

/** The reported front and its measures, from all raw points. */
export function summarise(
  raw: RawPoint[], nullLoss: number, fixedL1Ref: number | null = null, penalty: PenaltyName = 'l1',
): { points: PathPoint[]; metrics: FrontMetrics } {
  const x = secondObjective(penalty);
  const points: PathPoint[] = frontIndices(raw, penalty).map((i) => {
    const r = raw[i]!;
    const p: PathPoint = {
      index: r.index, l1: r.l1, ...(penalty === 'l2' && { l2squared: r.l2squared ?? 0 }),
      nonzeros: r.nonzeros, ...(r.effectiveNonzeros !== undefined && { effectiveNonzeros: r.effectiveNonzeros }),
      trainLoss: r.trainLoss, lambda: r.lambda, weights: weightsFile(r.index),
    };
    if (r.testLoss !== undefined) p.testLoss = r.testLoss;
    if (r.trainAccuracy !== undefined) p.trainAccuracy = r.trainAccuracy;
    if (r.testAccuracy !== undefined) p.testAccuracy = r.testAccuracy;
    return p;
  });
  // --l1-ref fixes the l1 normalisation so that runs can be compared; else the front's own largest l1
  const l1Ref = fixedL1Ref ?? Math.max(1e-12, ...points.map(x));
  const metrics: FrontMetrics = {
    nullLoss,
    ...(penalty === 'l2' ? { l2Ref: l1Ref } : { l1Ref }),
    hypervolumeTrain: hypervolume(points.map((p) => ({ l1: x(p), loss: p.trainLoss })), nullLoss, l1Ref),
    dominatedDropped: raw.length - points.length,
    largestGap: largestGap(points.map((p) => ({ l1: x(p), loss: p.trainLoss })), nullLoss, l1Ref),
  };
  if (points.length && points[0]!.testLoss !== undefined) {
    // the test front: the same networks measured on the test part (its own non-dominated set)
    metrics.hypervolumeTest = hypervolume(points.map((p) => ({ l1: x(p), loss: p.testLoss! })), nullLoss, l1Ref);
  }
  const withAcc = points.filter((p) => p.testAccuracy !== undefined);
  if (withAcc.length) {
    const best = withAcc.reduce((a, b) => (b.testAccuracy! > a.testAccuracy! ? b : a));
    metrics.bestTestAccuracy = {
      choice: 'oracle: max test accuracy over the front', accuracy: best.testAccuracy!, l1: best.l1, nonzeros: best.nonzeros, point: points.indexOf(best), index: best.index,
    };
  }
  return { points, metrics };
}

// effectiveNonzeros last, so that the columns readers already know keep their places
export const CSV_COLUMNS = ['index', 'l1', 'nonzeros', 'trainLoss', 'testLoss', 'trainAccuracy', 'testAccuracy', 'lambda', 'weights', 'effectiveNonzeros'] as const;
/** path.csv of an l2 path: its objective ‖θ_pen‖² first, the l1 norm kept for comparisons. */
export const L2_CSV_COLUMNS = ['index', 'l2squared', 'l1', 'nonzeros', 'trainLoss', 'testLoss', 'trainAccuracy', 'testAccuracy', 'lambda', 'weights', 'effectiveNonzeros'] as const;
