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
  /** Non-zeros that can change the output: none into or out of dead units (src/metrics/effective.ts). */
  effectiveNonzeros?: number;
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
  /** Continuation, full batch: stationarity / its value where the corrector started (converged: ≤ tolerance). */
  relativeStationarity?: number;
  /**
   * Continuation, a classification network's initial point: the training rows its settling run
   * started on before it went on with all of them (src/path/working-set.ts).
   */
  workingSetRows?: number;
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
  /** Full-batch networks' sparser branch: raw index of the branch's point before `last` (see secantPredictor). */
  before?: number;
  h: number;
  /** Learning rate of the lower-loss predictor (adapted from call to call). */
  predictorLr: number;
  scale: number;
  l1Scale: number;
  lastLoss: number;
  lastL1: number;
  lastLambda: number | null;
  /** Lower-loss branch: successive points that did not beat its end so far by the flat slope (see Continuation.advance). */
  flatCount: number;
  stuckCount: number;
  branchPoints: number;
  /** glmnet's end of a linear model's path, 1e-4·λ_max (0 for networks: λ_max vanishes there). */
  lambdaEnd?: number;
  /**
   * Lower-loss branch: the l1 the branch is expected to end at, extrapolated linearly in λ from
   * the last two points down to lambdaEnd (exact for least squares while the active set holds).
   */
  l1Estimate?: number;
  /** Normalised distance walked along the current branch. */
  arc?: number;
  /** Full-batch networks: (l1, loss) of every point so far, flat (sets the spacing, see Continuation). */
  trail?: number[];
  /** Largest stationarity at a (non-initial) corrector's start so far (sets the stationarity floor). */
  sigmaScale?: number;
  /** Full-batch networks' sparser branch: steps redone because the corrector revived zeros (see Continuation). */
  revivals?: number;
  /**
   * Networks' sparser branch: its steps are ε-constraint fits (the loss minimised over the l1
   * ball the spacing asks for) since a step jumped where no shorter one could help (a mini-batch
   * λ step to w = 0, or any step at the smallest scale; see Continuation.jumpedPastShortening).
   */
  l1Constrained?: boolean;
  /**
   * A full-batch regression network's lower-loss branch ended flat: the next step is the dense
   * probe (Continuation.probeDenseEnd), a fit from the init without penalty.
   */
  denseProbe?: boolean;
  /**
   * The probe found lower losses beyond the lower-loss branch's end: the sparser steps from it walk
   * the stretch between (raw points labelled 'bridge') until a point's l1 or loss reaches that end's,
   * then the sparser branch starts from the initial point as usual.
   */
  bridge?: { l1: number; loss: number };
  /**
   * A fixed-λ step of a regression network's sparser branch stalled: the branch's later steps take
   * MPG correctors again (see Continuation.sparserTradeoff).
   */
  sparserMpg?: boolean;
  /** Why each branch ended (see BranchEnd). */
  ends?: Partial<Record<'denser' | 'sparser', BranchEnd>>;
}

/**
 * Why a continuation branch stopped. 'unregularised': α* = 1 (a stationary point of the loss
 * alone), λ ≤ 1e-4·λ_max (glmnet's end) or a loss below 1e-3·L_null; 'flat': the loss stopped
 * falling; 'all-zero': the sparser branch reached w = 0; 'budget': the branch used its point
 * budget before any of these (a warning: the front may be cut short).
 */
export type BranchEnd = 'unregularised' | 'flat' | 'all-zero' | 'budget';

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
  /**
   * A network's sparser branch: zeros the predictor made stay zero in its corrector, so non-zeros
   * never rise as l1 falls. Not for linear models: a lasso path's support can grow with λ (with
   * correlated features a variable may enter as another leaves), and their convex correctors
   * find the exact support anyway. Off by default: the sparser branch redoes only a step that
   * revived weights, keeping the last point's zeros (see Continuation.sparserRevived).
   */
  keepZeros: boolean;
  /**
   * How a network's full-batch correctors stop (linear models always use 'stationarity'): 'either'
   * stops on σ or, not converged, when the progress test says the corrector stalled.
   */
  networkStop: 'stationarity' | 'move' | 'either';
  /**
   * A network's σ test is tolerance × this (its progress test keeps the tolerance): at 0.05 the
   * σ test ended MNIST's correctors after ~30 steps at losses up to twice the progress test's
   * (train hypervolume 1.107 instead of 1.121 at 0.01).
   */
  networkStationarityShare: number;
  /**
   * A full-batch network's progress test measures loss moves in units of
   * min(1, stallSlopeFactor·λ·l1_scale/L_null)·L_null instead of L_null, λ the last point's trade-off
   * (see Continuation.stallLossScale).
   */
  stallSlopeFactor: number;
  /** Correctors stop at σ ≤ tolerance·max(σ_start, floorShare·largest σ_start so far). */
  floorShare: number;
  /**
   * floorShare for full-batch networks. The largest σ_start grows with the first sparser steps
   * from the dense end (the shrink predictor cuts thousands of weights at once), so the floor
   * depends on how well trained that end is: on MNIST with the initial corrector's projected
   * momentum it rose from 4.1 to 9.0, and at 0.1 the sparse end's correctors met the doubled floor
   * after 6–12 steps at losses the next longer corrector beat (train HV 1.1198; at 0.05 1.1217,
   * at 0 1.1223 with 13 % more corrector steps).
   */
  networkFloorShare: number;
  /**
   * Linear models' sparser correctors also stop only when the loss excess bound at their point
   * (the Frank–Wolfe gap on its l1 ball, src/path/linear-metric.ts) is at most this share of the
   * loss range L_null − L(dense end).
   */
  gapShare: number;
  /**
   * A classification network's settling run at λ_flat starts on the rows whose loss is above this
   * share of the mean loss (src/path/working-set.ts); 0: on all rows.
   */
  workingSetShare: number;
  /** … when those rows are at most this share of the training rows (else on all rows at once). */
  maxWorkingSetShare: number;
  /** Linear models: relative stationarity the solve at glmnet's end (the path's first point) reaches. */
  endTolerance: number;
  maxInitialSteps: number;
  maxCorrectorSteps: number;
  maxPredictorSteps: number;
  predictorLearningRate: number;
  /** Mini-batch runs: the stochastic corrector's heavy-ball learning rate (`--lr`, default 0.1). */
  stochasticLearningRate: number;
  /**
   * Full-batch regression networks: the dense probe's epochs and learning rate (the sweep's dense
   * fit, `--dense-epochs` and `--lr`; see Continuation.probeDenseEnd).
   */
  denseProbeEpochs: number;
  denseProbeLearningRate: number;
  /** Full batch: corrector converged when its stationarity falls to this fraction of its start value. */
  tolerance: number;
  /** Mini-batch: corrector converged when a check interval moves less than this fraction of the spacing. */
  moveTolerance: number;
  /** Network's lower-loss branch ends when Δ(loss/L_null) / Δ(l1/l1_scale) stays below this. */
  flatSlope: number;
  /** … or any branch when a point lowers the loss by less than this fraction of L_null (glmnet's 1e-5). */
  minLossChange: number;
  /** Linear models: the lower-loss branch ends at λ ≤ lambdaMinRatio·λ_max (glmnet: 1e-4). */
  lambdaMinRatio: number;
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
