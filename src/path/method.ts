import type { Kernels } from '../kernels/kernels.js';
import type { Problem } from '../nn/problem.js';
import type { ResolvedPathOptions } from './options.js';
import type { RawPoint } from './types.js';
import type { PenaltyName } from './penalty.js';
import { effectiveNonzeros } from '../metrics/effective.js';

/**
 * Called once per computed point, before the next one starts. The caller persists the point, its
 * parameters and `state` (whatever the method needs to carry on from this point after a kill).
 */
export type PointSink<S = unknown> = (point: RawPoint, theta: Float32Array, state: S) => void;

/**
 * A mini-batch point in progress, saved at a pass boundary of its fit: everything the method needs
 * to continue the point exactly as if it had not stopped. `json` holds numbers (non-finite ones
 * too), strings, arrays and objects; `tensors` the vectors. The run folder writes it atomically.
 */
export interface PointCheckpoint {
  json: Record<string, unknown>;
  tensors: Record<string, Float32Array | Int32Array>;
}

/** A mini-batch fit after one pass over the training rows (what a progress display shows). */
export interface PassProgress {
  /** Passes of this fit so far. */
  pass: number;
  steps: number;
  /** The training loss and l1 at the pass end, on the fit's fixed subsample (Problem.subsample). */
  loss: number;
  l1: number;
  /** The step the next pass takes and the trade-off λ fitted at (null: ∞). */
  lr: number;
  lambda: number | null;
}

/** A pass of the fit of raw point `index`; `seconds` spent on the point so far (over resumed sessions). */
export interface PointPass extends PassProgress {
  index: number;
  phase: string;
  seconds: number;
}

/**
 * Called after every pass a mini-batch fit continues from: `save()` snapshots the point in
 * progress (the caller decides when to write one; calling it changes nothing).
 */
export type PassSink = (progress: PointPass, save: () => PointCheckpoint) => void;

/** What a path method gets to work with. */
export interface MethodContext {
  k: Kernels;
  problem: Problem;
  options: ResolvedPathOptions;
  /** Length of the penalised prefix of θ (see ParameterLayout). */
  penalised: number;
  sink: PointSink;
  /** Parameters of raw point i (from memory or the run folder). */
  load(index: number): Float32Array;
  /** The state saved with the last point when resuming, else null. */
  resume: unknown | null;
  /** Mini-batch fits report every pass here (see PassSink). */
  pass?: PassSink;
  /**
   * The point in progress a stopped run saved (after the point of `resume`): the method continues
   * it from there, or restarts the point when it cannot read it.
   */
  resumePoint?: PointCheckpoint | null;
}

/**
 * A way of computing the front: the continuation method, or a baseline users compare it with.
 * It reports every point through ctx.sink as soon as it has it, and never writes files itself.
 */
export interface PathMethod {
  readonly name: string;
  /**
   * Optional: refuses (with fail) a problem the method cannot handle, before any file is written.
   * `layers` are the network's widths from input to output, `trainRows` the training rows.
   */
  check?(options: ResolvedPathOptions, layers: readonly number[], trainRows: number): void;
  run(ctx: MethodContext): void;
  /**
   * Optional (methods that save points in progress, see PassSink): whether the method can continue
   * from checkpoint `c` on this problem. Without it, or when it says no, the point restarts.
   */
  readsPoint?(problem: Problem, penalised: number, c: PointCheckpoint): boolean;
}

/** The method-specific facts of a point; measurePoint adds the objectives and accuracies. */
export type PointFacts = Omit<RawPoint, 'l1' | 'nonzeros' | 'effectiveNonzeros' | 'trainLoss' | 'trainAccuracy' | 'testLoss' | 'testAccuracy'>;

/** Evaluates θ on the training (and test) data: l1, non-zeros, losses and accuracies. */
export function measurePoint(problem: Problem, theta: Float32Array, penalised: number, facts: PointFacts, penalty: PenaltyName = 'l1'): RawPoint {
  const k = problem.k;
  const train = problem.evaluate(theta);
  const point: RawPoint = {
    ...facts, l1: k.l1Norm(penalised, theta),
    ...(penalty === 'l2' && { l2squared: k.dot(penalised, theta, theta) }),
    nonzeros: k.countNonzero(penalised, theta),
    effectiveNonzeros: effectiveNonzeros(problem.mlp.layout, theta, penalised), trainLoss: train.loss,
  };
  if (train.accuracy !== undefined) point.trainAccuracy = train.accuracy;
  if (problem.test) {
    const test = problem.evaluate(theta, problem.test);
    point.testLoss = test.loss;
    if (test.accuracy !== undefined) point.testAccuracy = test.accuracy;
  }
  return point;
}
