import type { Kernels } from '../kernels/kernels.js';
import type { BatchStream, Problem } from '../nn/problem.js';
import { MpgSolver, tradeoff, type MpgStep } from '../optim/mpg.js';
import { Proximal, Sgd } from '../optim/optimizer.js';
import { fullGradient } from './baselines/fit.js';
import { projectOntoL1Ball } from '../optim/l1-ball.js';
import type { CorrectorReport, CorrectorSettings } from './corrector.js';
import type { PassProgress, PointCheckpoint } from './method.js';

/**
 * The stochastic corrector: proximal SGD with heavy-ball momentum on the scalarised problem
 *
 *     min_θ  L(θ) + λ‖θ_pen‖₁,      λ = (1-α*)/α*
 *
 * where α* is the MPG step's dual weight (Amakor, Sonntag & Peitz, eq. of the MPG dual) at the
 * point the predictor handed over, measured with one full-batch gradient. At a Pareto-critical
 * point α*∇L + (1-α*)s = 0 with s ∈ ∂‖θ_pen‖₁, so the critical points of this problem are the
 * Pareto-critical points with that trade-off: the corrector moves θ to the front at the slope the
 * predictor reached. Full-batch MPG steps make one step per pass over the data; on 60,000 rows
 * they make little progress per pass. This corrector is the λ sweep's inner solver (lr 0.1,
 * momentum 0.9, the problem's batch: 5,600 rows beyond 10,000, so about ten steps per pass); with
 * momentum off and one batch per pass it is the paper's corrector at fixed α.
 *
 * Progress is judged after every pass on a fixed subsample of the training rows
 * (Problem.subsample, SUBSAMPLE_ROWS): the objective there, compared between two θ, changes nearly as the full
 * one does, at a seventh of a full evaluation on 60,000 rows. Every pass is kept unless the loss
 * diverged (then it is undone and the step halved): undoing passes that did not lower the
 * objective stalled the lower-loss branch of Fashion-MNIST at l1 184 (an undone pass halves the
 * step, and from a settled point a pass at the halved step rarely lowers the objective, so the
 * steps fell to their floor; see README, "Mini-batches"). The corrector stops when the objective
 * settles (see `run`) and returns the θ with the lowest objective at the end of a pass: at lr
 * 0.1 a pass now and then throws the network far up (on Fashion-MNIST at λ ≈ 6e-3 the objective
 * rose from 1.03 to 3.11 over a corrector), and the point must not be the worse for it. (Not
 * the start: from a point annealed at a nearby λ the passes rarely beat it, and the path would
 * repeat that point instead of moving on.)
 *
 * At the end one full-batch gradient gives the point's stationarity σ = ‖y(α*) − θ‖/h, the MPG
 * step's norm (src/path/stationarity.ts; zero exactly at a Pareto-critical point). It has
 * converged when σ is at most `tolerance` times a reference σ (the continuation's: the path's
 * largest, at the initial corrector's start; alone: σ at its own start). A ratio of two σ of the
 * same problem, that test means the same on 150 rows and on 60,000, in any units.
 *
 * Reproducible: the batch stream is reseeded by the caller for every segment (seed, point index)
 * and the momentum starts from zero, so a run resumed from a saved point repeats the same steps.
 * After every pass it continues from, `onPass` gets the pass's progress and a snapshot of the fit
 * (θ, the velocity, the best θ, the loop's counters, the batch stream's position); `resume` with
 * such a snapshot continues the fit from that pass boundary, with the same steps as if it had not
 * stopped (a long point survives a kill).
 */
export interface StochasticSettings {
  /** Heavy-ball learning rate (the sweep's default, 0.1). */
  lr: number;
  /** Heavy-ball momentum μ (0.9, as the sweep and the PyTorch baseline). */
  momentum: number;
}

export const STOCHASTIC_DEFAULTS: StochasticSettings = { lr: 0.1, momentum: 0.9 };

/**
 * Steps between two objective checks: a pass over the training rows, but at least this many (on
 * small data a pass is a handful of steps, too few to say anything).
 */
const MIN_CHECK_STEPS = 10;
/**
 * Passes at one step before the objective may count as calm: the heavy ball needs ~1/(1-μ) steps
 * to build up speed, and a decrease over two passes says little about the rate.
 */
const MIN_PASSES = 3;
/**
 * Halvings of the step once the objective is calm (each a round of at least MIN_PASSES passes):
 * each costs passes at every point (on Fashion-MNIST about 25 passes a point without a bound,
 * 17 with two) for losses lower by the noise of the halved step; on the lasso fixture two suffice.
 */
const MAX_ANNEAL = 2;
/**
 * The trend test's window (see StochasticCorrectorSettings.trend) spans at least this many steps:
 * at the minimum of MIN_PASSES checks of 10 steps, the path's first fit on make_classification
 * (30,000 rows, 4 classes, 20,20 units; batches of 5,600, so a check every 10 steps) stopped after
 * 780 steps at loss 0.293 while its objective still fell by about the tolerance a check, and every
 * later point inherited it (train HV 0.886 over seeds 1–3; the sweep, whose dense fit runs 300
 * epochs, 0.937). Over 50 steps: 0.916 (see docs/performance.md).
 */
const TREND_MIN_STEPS = 50;
/** Halvings of the step after divergence before the corrector gives up (as the sweep's fits). */
const MAX_HALVINGS = 30;
/**
 * A pass that kills the network counts as diverged (undone, the step halved): its subsample loss
 * ends at DEAD_LOSS_SHARE·L_null or above from a start below LIVE_LOSS_SHARE·L_null, while l1 stays
 * above DEAD_L1_SHARE of the start's (the units died; a step to the sparse end takes the weights
 * with it). On diabetes with the target in its own units (10 ReLU units, --batch 100, seed 1) the
 * first sparser fit from loss 0.37·L_null ended at 1.000·L_null with l1 397: a rise well inside
 * the divergence test's L_null, and every later point stayed there (6 front points for 40, train
 * HV 0.152; now 0.695).
 */
const DEAD_LOSS_SHARE = 0.99;
const LIVE_LOSS_SHARE = 0.9;
const DEAD_L1_SHARE = 0.5;

/**
 * Which corrector a problem gets. Full-batch MPG steps cost one pass over the training rows each;
 * once a pass holds more than one batch (the default batch is the whole set up to 10,000 rows,
 * 5,600 beyond), one pass buys several stochastic steps instead, so the corrector takes them.
 * The rule depends only on the data size and the batch, never on which data set it is.
 */
export function usesStochasticCorrector(problem: Problem): boolean {
  return !problem.fullBatch;
}

/** The corrector seam's settings, and the trade-off to correct at (when the caller chooses it). */
export type StochasticCorrectorSettings = CorrectorSettings & {
  lambda?: number;
  /** Without `lambda`: correct at this factor times the MPG step's trade-off at θ. @default 1 */
  lambdaFactor?: number;
  /**
   * Without `lambda`, when the MPG step at θ has α* = 0 (its trade-off is infinite): correct at
   * this λ instead. Default: λ = ∞, which thresholds every weight at once.
   */
  zeroAlphaLambda?: number;
  /**
   * σ the tolerance is relative to: converged when σ ≤ tolerance × this (the path's largest σ at
   * a corrector's start). Default: σ at this corrector's start, when it measures it (no λ given).
   */
  stationarityReference?: number;
  /**
   * Calm also needs the round's lowest objective to have fallen by less than the tolerance over
   * its last passes (MIN_PASSES, and at least TREND_MIN_STEPS steps), not only the last pass: far
   * from the front (a fit from the random init) a pass that rises by batch noise, or lowers the
   * objective a little less than the passes before, says nothing while the trend still falls. The
   * LeNet-like net on MNIST at λ 3.3e-5 from its init stopped after 12 passes at lr 0.1 on such a
   * pass (loss 0.0059); with the trend, at loss 0.0010. @default false
   */
  trend?: boolean;
  /**
   * Passes over which the step rises linearly to lr at the start, by lr/W a step over the fit's
   * first W steps (Goyal et al., "Accurate, large minibatch SGD", 2017: a gradual warm-up over
   * the first five epochs), for fits from a random init. Without it, heavy-ball SGD at lr 0.1 throws some inits of the
   * LeNet-like net into a region they train out of only slowly: PyTorch on the seed-3 split, same
   * solver, init 1 reached 96.35 % test accuracy after 30 epochs (loss 0.0067, l1 1,394), with a
   * 100-step warm-up 97.2 % after 15 (loss 0.0064, l1 751). @default 0 (none)
   */
  warmupPasses?: number;
  /** Called after every pass the fit continues from: its progress, and its snapshot on demand. */
  onPass?: (progress: PassProgress, save: () => PointCheckpoint) => void;
  /** A snapshot from `onPass`: the fit continues from that pass boundary (θ is overwritten). */
  resume?: PointCheckpoint;
  /**
   * Halvings of the step once calm, at most (see MAX_ANNEAL): the continuation lets its one fit
   * from the random init take more than the warm-started points (see INITIAL_MAX_ANNEAL there).
   * @default MAX_ANNEAL
   */
  maxAnneal?: number;
  /**
   * The ε-constraint problem instead of the scalarised one: minimise L(θ) over ‖θ_pen‖₁ ≤ l1Bound
   * (heavy-ball steps, each projected onto the ball), from θ projected into it (the shrink
   * predictor). Every Pareto-optimal point solves it for its own l1, also where the front is not
   * convex and no λ reaches it. Takes precedence over `lambda`; the point's reported trade-off is
   * the MPG step's α* at its end.
   */
  l1Bound?: number;
};

/** The loop's counters a snapshot keeps (see StochasticCorrector.run). */
const LOOP_FIELDS = [
  'lambda', 'startStationarity', 'passes', 'steps', 'lr', 'round', 'halvings', 'anneals', 'first', 'last', 'lowest',
  'roundLowest', 'lastRoundLowest', 'lastDecrease', 'firstLoss', 'firstL1',
] as const;

export class StochasticCorrector {
  private readonly mpg: MpgSolver;
  private readonly sgd: Sgd;
  private readonly prox: Proximal;
  private readonly grad: Float32Array;
  private readonly y: Float32Array;
  private readonly backup: Float32Array;
  private readonly best: Float32Array;

  constructor(
    private readonly k: Kernels, private readonly problem: Problem, private readonly penalised: number,
    private readonly settings: StochasticSettings = STOCHASTIC_DEFAULTS,
  ) {
    const n = problem.mlp.layout.size;
    this.mpg = new MpgSolver(k);
    this.sgd = new Sgd(k, n, settings.lr, settings.momentum);
    this.prox = new Proximal(k, this.sgd, penalised, 0);
    this.grad = k.alloc(n);
    this.y = k.alloc(n);
    this.backup = k.alloc(n);
    this.best = k.alloc(n);
  }

  /**
   * Corrects θ in place at trade-off `s.lambda` (or s.fixedAlpha's; default: the MPG step's at θ),
   * or within the l1 ball of radius `s.l1Bound`. Of the other settings it uses maxSteps,
   * moveTolerance, lossScale, tolerance, keepZeros, lambdaFactor, zeroAlphaLambda and
   * stationarityReference.
   */
  run(theta: Float32Array, s: StochasticCorrectorSettings): CorrectorReport {
    const { k, problem, settings: c } = this;
    const resume = s.resume ? loopState(s.resume) : null;
    const bound = s.l1Bound;
    let lambda = bound !== undefined ? 0 : s.lambda ?? (s.fixedAlpha !== undefined ? tradeoff(s.fixedAlpha) : undefined);
    let startStationarity = NaN;
    if (resume) {
      ({ lambda, startStationarity } = resume);
    } else if (lambda === undefined || s.stationarityReference === undefined) {
      // one full gradient at the start: for the λ (when the caller gives none) and as the σ the
      // tolerance is relative to (when the caller has no reference from the path)
      const start = this.stationarity(theta);
      startStationarity = start.stationarity;
      // α* = 0: the point only wants to get sparser; a λ that thresholds every weight at once,
      // unless the caller has a finite one for that case
      lambda ??= start.alpha > 0 ? tradeoff(start.alpha) * (s.lambdaFactor ?? 1) : s.zeroAlphaLambda ?? Infinity;
    }
    const reference = s.stationarityReference ?? startStationarity;
    const sample = problem.subsample();
    /** The loss and l1 of the last objective evaluated (for onPass). */
    let sampleLoss = NaN, l1 = NaN;
    const objective = (): number => {
      sampleLoss = problem.evaluate(theta, sample).loss;
      l1 = k.l1Norm(this.penalised, theta);
      return Number.isFinite(lambda) ? sampleLoss + lambda! * l1 : l1;
    };
    // keepZeros (the sparser branch): the weights that are 0 now stay 0, so non-zeros never rise
    const zeros = s.resume ? s.resume.tensors.zeros as Int32Array ?? null : s.keepZeros ? zeroIndices(theta, this.penalised) : null;
    const perPass = Math.max(MIN_CHECK_STEPS, problem.stepsPerEpoch);
    /** The trend test's window in passes (see TREND_MIN_STEPS). */
    const trendWindow = Math.max(MIN_PASSES, Math.ceil(TREND_MIN_STEPS / perPass));
    const step = (): boolean => {
      const loss = problem.lossAndGradient(theta, problem.nextBatch(), this.grad);
      if (!Number.isFinite(loss)) return false;
      // an ε-constraint step projects instead of soft-thresholding (by 0 there: a wasted pass)
      if (bound === undefined) this.prox.step(theta, this.grad);
      else {
        this.sgd.step(theta, this.grad);
        projectOntoL1Ball(this.k, theta, this.penalised, bound);
      }
      if (zeros) for (const i of zeros) theta[i] = 0;
      return true;
    };
    this.prox.lambda = Number.isFinite(lambda) ? lambda : 1e30;
    this.sgd.reset();
    let lr = c.lr;
    let steps = 0;
    const warmup = Math.round((s.warmupPasses ?? 0) * perPass);
    /** Passes since the step last changed. */
    let round = 0;
    /** Halvings after divergence, and once calm (see MAX_ANNEAL). */
    let halvings = 0;
    let anneals = 0;
    let settled = false;
    let passes = 0;
    if (bound !== undefined && !resume) projectOntoL1Ball(this.k, theta, this.penalised, bound);
    const first = resume ? resume.first : objective();
    /** The start's subsample loss and l1 (the dead-pass test's reference). */
    const firstLoss = resume ? resume.firstLoss : sampleLoss, firstL1 = resume ? resume.firstL1 : l1;
    let last = first;
    let lowest = Infinity;
    /** The lowest objective at a pass end in this round (at this step), and in the last one. */
    let roundLowest = Infinity;
    let lastRoundLowest = Infinity;
    let lastDecrease = Infinity;
    /** The round's lowest objective after each of its passes, after the round's start value (s.trend). */
    const lows: number[] = [first];
    if (resume) {
      ({ passes, steps, lr, round, halvings, anneals, last, lowest, roundLowest, lastRoundLowest, lastDecrease } = resume);
      lows.splice(0, lows.length, ...resume.lows);
      this.restore(theta, s.resume!, resume);
    }
    const save = (): PointCheckpoint => this.snapshot(theta, zeros, {
      lambda: lambda!, startStationarity, passes, steps, lr, round, halvings, anneals, first, last, lowest, roundLowest, lastRoundLowest, lastDecrease, lows,
      firstLoss, firstL1,
    });
    let resumed = resume !== null;
    while (!settled && steps < s.maxSteps && halvings <= MAX_HALVINGS) {
      // a pass boundary the fit continues from (not the one it was resumed at)
      if (passes > 0 && !resumed) {
        s.onPass?.({ pass: passes, steps, loss: sampleLoss, l1, lr, lambda: Number.isFinite(lambda) ? lambda! : null }, save);
      }
      resumed = false;
      passes++;
      this.backup.set(theta);
      let finite = true;
      for (let i = 0; i < perPass && steps < s.maxSteps && finite; i++, steps++) {
        this.sgd.lr = steps < warmup ? (lr * (steps + 1)) / warmup : lr;
        finite = step();
      }
      const now = finite ? objective() : NaN;
      const L0 = problem.nullLoss;
      const died = sampleLoss >= DEAD_LOSS_SHARE * L0 && firstLoss < LIVE_LOSS_SHARE * L0 && l1 > DEAD_L1_SHARE * firstL1;
      if (!(now <= first + L0) || died) {
        // diverged (or ran far above where it started, or killed the network): undo the pass and halve the step
        theta.set(this.backup);
        this.sgd.reset();
        lr /= 2;
        halvings++;
        continue;
      }
      // Calm once a pass lowers the objective by less than the tolerance (in the normalised
      // units of the front's spacing), and so does all that is left of the descent: at a linear
      // rate q = decrease/last decrease that is decrease·q/(1-q). Slow progress on an
      // ill-conditioned stretch is not arrival. At least MIN_PASSES passes at each step.
      const decrease = (last - now) / s.lossScale;
      const q = decrease / lastDecrease;
      const remaining = q < 1 ? (decrease * q) / (1 - q) : Infinity;
      round++;
      lastDecrease = decrease;
      last = now;
      roundLowest = Math.min(roundLowest, now);
      lows.push(roundLowest);
      const stalled = !s.trend || (lows.length > trendWindow && (lows[lows.length - 1 - trendWindow]! - roundLowest) / s.lossScale < s.moveTolerance);
      const calm = round >= MIN_PASSES && decrease < s.moveTolerance && remaining < s.moveTolerance && stalled;
      if (now < lowest) {
        lowest = now;
        this.best.set(theta);
      }
      if (!calm) continue;
      // A calm objective can be SGD's noise ball, an excess over the optimum proportional to the
      // step: halve the step and let it calm down again, until a halving no longer lowers the
      // lowest objective of a round by the tolerance (at most s.maxAnneal times).
      settled = anneals >= (s.maxAnneal ?? MAX_ANNEAL) || (lastRoundLowest - roundLowest) / s.lossScale < s.moveTolerance;
      anneals++;
      lastRoundLowest = roundLowest;
      roundLowest = Infinity;
      lows.length = 0;
      lows.push(now);
      lr /= 2;
      round = 0;
      lastDecrease = Infinity;
    }
    if (last > lowest) theta.set(this.best);
    // Converged means stationary: σ from one full-batch gradient at the point, relative to the
    // reference (see the class comment). A σ test after every pass would double the cost of a
    // pass, so the objective's progress decides when to stop and σ whether the point arrived.
    const end = this.stationarity(theta);
    const converged = !(reference > 0) || end.stationarity <= s.tolerance * reference;
    // the point solves the scalarised problem at λ: that is its trade-off (α = 1/(1+λ)), exactly,
    // where the end's own MPG α* carries the batch noise left in θ (an ε-constraint fit has only that)
    return {
      steps, converged, alpha: bound !== undefined ? end.alpha : Number.isFinite(lambda) ? 1 / (1 + lambda) : 0, stationarity: end.stationarity,
      relativeStationarity: reference > 0 ? end.stationarity / reference : NaN, startStationarity, h: lr / (1 - c.momentum),
    };
  }

  /** A snapshot of the fit at a pass boundary (see StochasticCorrectorSettings.onPass). */
  private snapshot(theta: Float32Array, zeros: Int32Array | null, loop: LoopState): PointCheckpoint {
    const { order, ...stream } = this.problem.streamState();
    return {
      json: { ...loop, lows: [...loop.lows], stream },
      tensors: { theta, velocity: this.sgd.velocity, best: this.best, order, ...(zeros && { zeros }) },
    };
  }

  /** θ, the velocity, the best θ and the batch stream of a snapshot (checked by readableSnapshot). */
  private restore(theta: Float32Array, c: PointCheckpoint, loop: LoopState): void {
    theta.set(c.tensors.theta as Float32Array);
    this.sgd.velocity.set(c.tensors.velocity as Float32Array);
    this.best.set(c.tensors.best as Float32Array);
    this.prox.lambda = Number.isFinite(loop.lambda) ? loop.lambda : 1e30;
    const stream = c.json.stream as Omit<BatchStream, 'order'>;
    this.problem.restoreStream({ ...stream, order: c.tensors.order as Int32Array });
  }

  /** The MPG step at θ from the full-batch gradient (σ, α*). */
  private stationarity(theta: Float32Array): MpgStep {
    fullGradient(this.problem, theta, this.grad);
    return this.mpg.step(theta, this.grad, this.penalised, this.settings.lr / (1 - this.settings.momentum), this.y);
  }
}

type LoopState = Record<(typeof LOOP_FIELDS)[number], number> & { lows: number[] };

/**
 * Whether `c` is a snapshot the stochastic corrector of `problem` can continue from: every counter
 * a number, the vectors of this network's size, the batch stream of this data's. One that does
 * not pass (a damaged or foreign file) is not used: its point restarts.
 */
export function readableSnapshot(problem: Problem, penalised: number, c: PointCheckpoint): boolean {
  const n = problem.mlp.layout.size;
  const { json: j, tensors: t } = c;
  const stream = j.stream as Record<string, unknown> | undefined;
  const rng = stream?.rng as Record<string, unknown> | undefined;
  const blocks = problem.streamState().order.length;
  const within = (a: Int32Array, end: number): boolean => a.every((v) => v >= 0 && v < end);
  return LOOP_FIELDS.every((f) => typeof j[f] === 'number') && Array.isArray(j.lows) && j.lows.every((v) => typeof v === 'number') &&
    ['theta', 'velocity', 'best'].every((f) => t[f] instanceof Float32Array && t[f].length === n) &&
    t.order instanceof Int32Array && t.order.length === blocks && within(t.order, blocks) &&
    (t.zeros === undefined || (t.zeros instanceof Int32Array && within(t.zeros, penalised))) &&
    ['cursor', 'within', 'left', 'steps'].every((f) => Number.isInteger(stream?.[f])) &&
    Array.isArray(rng?.s) && rng.s.length === 4 && rng.s.every((v) => Number.isInteger(v)) && (rng.spare === null || typeof rng.spare === 'number');
}

/** The loop's counters of a snapshot (checked by readableSnapshot). */
function loopState(c: PointCheckpoint): LoopState {
  return c.json as LoopState;
}

/** Indices of the exact zeros among the first `n` entries. */
function zeroIndices(theta: Float32Array, n: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (theta[i] === 0) out.push(i);
  return Int32Array.from(out);
}
