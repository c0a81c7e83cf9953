import { hypervolume, largestGap, nonDominated } from '../../src/metrics/front.js';
import type { PreparedData } from '../../src/path/prepare.js';
import { exactFront, solveLasso, lambdaMax as exactLambdaMax, type Task } from '../../test/reference/lasso.js';

/** One front point as every method reports it. */
export interface SuitePoint {
  l1: number;
  trainLoss: number;
  testAccuracy?: number;
}

export interface FrontMeasures {
  hypervolumeTrain: number;
  points: number;
  largestGap: number;
  /** The highest test accuracy on the front: an oracle choice (picked by looking at the test set). */
  bestTestAccuracy: number | null;
}

/** Measures of a front on the suite's fixed normalisation (loss/L_null, l1/l1Ref). */
export function measureFront(points: SuitePoint[], nullLoss: number, l1Ref: number): FrontMeasures {
  const f = points.map((p) => ({ l1: p.l1, loss: p.trainLoss }));
  const front = nonDominated(f);
  const acc = points.map((p) => p.testAccuracy).filter((a): a is number => a !== undefined);
  return {
    hypervolumeTrain: hypervolume(f, nullLoss, l1Ref),
    points: front.length,
    largestGap: largestGap(front.map((i) => f[i]!), nullLoss, l1Ref),
    bestTestAccuracy: acc.length ? Math.max(...acc) : null,
  };
}

/** L_null of the training part: entropy of the class frequencies, or the target's variance. */
export function nullLossOf(d: PreparedData): number {
  const y = d.train.y;
  const n = d.train.rows;
  if (d.info.task === 'regression') {
    let m = 0;
    for (let i = 0; i < n; i++) m += y[i]!;
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (y[i]! - m) ** 2;
    return v / n;
  }
  const counts = new Float64Array(d.info.classes);
  for (let i = 0; i < n; i++) counts[y[i]!]!++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * Math.log(c / n);
  return h;
}

/** The exact lasso path of a linear problem (test/reference/lasso.ts), in double precision. */
export class ExactLasso {
  private readonly X: Float64Array;
  private readonly y: Float64Array;
  private readonly n: number;
  private readonly p: number;
  private readonly task: Task;
  /** glmnet's end of the path: λ_max·1e-4, its l1 and loss. */
  readonly end: { lambda: number; l1: number; loss: number };
  readonly nullLoss: number;

  constructor(d: PreparedData) {
    this.X = Float64Array.from(d.train.x);
    this.y = Float64Array.from(d.train.y);
    this.n = d.train.rows;
    this.p = d.train.features;
    this.task = d.info.task === 'regression' ? 'regression' : { classes: d.info.classes };
    const lambda = 1e-4 * exactLambdaMax(this.X, this.y, this.n, this.p, this.task);
    const s = solveLasso(this.X, this.y, this.n, this.p, this.task, lambda);
    this.end = { lambda, l1: s.l1, loss: s.loss };
    this.nullLoss = nullLossOf(d);
  }

  /**
   * How far a front is from the exact path: the worst loss excess over the exact minimum at the
   * same l1, as % of the loss range (L_null − loss at glmnet's end), and the coverage, the share
   * of that range the front spans (from L_null down to its lowest loss).
   */
  deviation(points: SuitePoint[]): { worstExcessPercent: number; coveragePercent: number } {
    const exact = exactFront(this.X, this.y, this.n, this.p, this.task, points.map((q) => q.l1));
    const range = this.nullLoss - this.end.loss;
    let worst = -Infinity;
    points.forEach((q, i) => (worst = Math.max(worst, q.trainLoss - exact[i]!)));
    const lowest = Math.min(...points.map((q) => q.trainLoss));
    return { worstExcessPercent: (100 * worst) / range, coveragePercent: (100 * (this.nullLoss - lowest)) / range };
  }

  /** The exact front at `count` evenly spaced l1 values up to glmnet's end (the reference row). */
  front(count: number): SuitePoint[] {
    const l1s = Array.from({ length: count }, (_, i) => (i / (count - 1)) * this.end.l1);
    const loss = exactFront(this.X, this.y, this.n, this.p, this.task, l1s);
    return l1s.map((l1, i) => ({ l1, trainLoss: loss[i]! }));
  }
}
