export type Phase = 'initial' | 'denser' | 'sparser';
export type Direction = 'both' | 'denser' | 'sparser';

/** One point a path method computed (the raw log keeps them all, dominated or not). */
export interface RawPoint {
  index: number;
  /** Which part of the method made it (continuation: initial, denser, sparser; sweep: sweep …). */
  phase: string;
  l1: number;
  /** l2 paths only (--penalty l2): ‖θ_pen‖₂², the path's second objective. */
  l2squared?: number;
  nonzeros: number;
  trainLoss: number;
  trainAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
  /** The point's lasso multiplier λ (continuation: (1-α*)/α* of the last corrector step; null: ∞). */
  lambda: number | null;
  /** Optimiser steps spent on this point. */
  steps: number;
  /** Whether the method's convergence test passed (false: it hit a cap). */
  converged: boolean;
  seconds: number;
  /** Continuation only: α* of the last MPG step and its stationarity ‖y-θ‖/h. */
  alpha?: number;
  stationarity?: number;
}

/** Everything the continuation needs to carry on from its last point (saved with each point). */
export interface ContinuationState {
  phase: Phase | 'done';
  /** Index the next point gets. */
  next: number;
  /** Raw index of the initial point (the branch switch goes back to it). */
  anchor: number;
  anchorLoss?: number;
  anchorL1?: number;
  anchorLambda?: number | null;
  /** Raw index of the point the next predictor starts from. */
  last: number;
  h: number;
  /** Learning rate of the lower-loss predictor (adapted from call to call). */
  predictorLr: number;
  scale: number;
  l1Scale: number;
  lastLoss: number;
  lastL1: number;
  lastLambda: number | null;
  flatCount: number;
  stuckCount: number;
  branchPoints: number;
}

export interface ContinuationSettings {
  seed: number;
  points: number;
  direction: Direction;
  /** Length of the penalised prefix of θ. */
  penalised: number;
  /** Estimated normalised arc length of the front; spacing = arcLength / (points - 1). */
  arcLength: number;
  h: number;
  accelerate: boolean;
  /** Which l1 norm an extrapolation may not exceed (see CorrectorSettings.restartBound). */
  restartBound: 'step' | 'start' | 'project';
  /**
   * The initial corrector's progress tolerance as a fraction of the others': both branches start
   * from its point, so a point left short of the front there costs the whole dense part of the
   * front (its points end up dominated by later ones).
   */
  initialToleranceFactor: number;
  maxInitialSteps: number;
  maxCorrectorSteps: number;
  maxPredictorSteps: number;
  predictorLearningRate: number;
  /** Corrector converged when a check interval moves less than this fraction of the spacing. */
  moveTolerance: number;
  /** Lower-loss branch ends when Δ(loss/L_null) / Δ(l1/l1_scale) stays below this. */
  flatSlope: number;
  /** … or when the training loss falls below this fraction of L_null. */
  minLossFraction: number;
  maxBranchPoints: number;
  /** A point more than this many spacings from the previous one is redone with a shorter predictor… */
  maxOvershoot: number;
  /** … at most this many times. */
  maxRetries: number;
  minScale: number;
  maxScale: number;
}
