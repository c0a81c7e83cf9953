import type { Kernels } from '../kernels/kernels.js';
import type { Problem } from '../nn/problem.js';
import { MpgSolver, tradeoff, type MpgStep } from '../optim/mpg.js';
import { Proximal, Sgd } from '../optim/optimizer.js';
import { fullGradient } from './baselines/fit.js';
import type { CorrectorReport, CorrectorSettings } from './corrector.js';

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
 * they make little progress per pass, where proximal SGD on batches of 5,600 makes about ten
 * (the λ sweep's inner solver; with λ fixed from outside this corrector *is* one warm-started
 * sweep fit, and with momentum off and one batch per pass it is the paper's corrector at fixed α).
 *
 * Full-batch passes only measure: λ at the start (when the caller gives none), the training
 * objective after every pass over the data, and at the end the stationarity of the point, σ =
 * ‖y(α*) − θ‖/h, the MPG step's norm (src/path/stationarity.ts; zero exactly at a Pareto-critical
 * point). The corrector stops when the objective settles (see `run`); it has converged when σ is
 * at most `tolerance` times a reference σ (the continuation's: the path's largest, at the
 * initial corrector's start; alone: σ at its own start). A ratio of two σ of the same problem, that test means the same on 150 rows
 * and on 60,000, in any units. σ at every pass, or at each point's own start, would cost one more
 * full-batch gradient (about a pass) each; an objective is a forward pass.
 *
 * Reproducible: the batch stream is reseeded by the caller for every segment (seed, point index)
 * and the momentum starts from zero, so a run resumed from a saved point repeats the same steps.
 */
export interface StochasticSettings {
  /** Heavy-ball learning rate (the sweep's default, 0.1). */
  lr: number;
  /** Heavy-ball momentum μ (0.9, as the sweep and the PyTorch baseline). */
  momentum: number;
  /**
   * Stochastic steps per pass over the training rows: the batch is rows / stepsPerPass (at least
   * 32 rows, at most the problem's batch). A fixed number of steps per pass, not a fixed batch,
   * keeps the progress per pass the same on any data size.
   */
  stepsPerPass: number;
}

export const STOCHASTIC_DEFAULTS: StochasticSettings = { lr: 0.1, momentum: 0.9, stepsPerPass: 50 };

/** The corrector gives up once its learning rate has been halved this far (SGD's noise floor). */
const MIN_LR_FRACTION = 1 / 64;
const MIN_CHECK_STEPS = 50;
/** Passes before the convergence test may pass: the heavy ball needs ~1/(1-μ) steps to build up speed. */
const MIN_PASSES = 2;


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
  /**
   * σ the tolerance is relative to: converged when σ ≤ tolerance × this (the path's largest σ at
   * a corrector's start). Default: σ at this corrector's start, when it measures it (no λ given).
   */
  stationarityReference?: number;
};

export class StochasticCorrector {
  private readonly mpg: MpgSolver;
  private readonly sgd: Sgd;
  private readonly prox: Proximal;
  private readonly grad: Float32Array;
  private readonly y: Float32Array;
  private readonly backup: Float32Array;

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
  }

  /**
   * Corrects θ in place at trade-off `s.lambda` (or s.fixedAlpha's; default: the MPG step's at θ).
   * Of the other settings it uses maxSteps, moveTolerance, lossScale, keepZeros and h (the last
   * corrector's step).
   */
  run(theta: Float32Array, s: StochasticCorrectorSettings): CorrectorReport {
    const { k, problem, settings: c } = this;
    const h = c.lr / (1 - c.momentum);
    let lambda = s.lambda ?? (s.fixedAlpha !== undefined ? tradeoff(s.fixedAlpha) : undefined);
    let startStationarity = NaN;
    if (lambda === undefined || s.stationarityReference === undefined) {
      // one full gradient at the start: for the λ (when the caller gives none) and as the σ the
      // tolerance is relative to (when the caller has no reference from the path)
      fullGradient(problem, theta, this.grad);
      const start = this.mpg.step(theta, this.grad, this.penalised, h, this.y);
      startStationarity = start.stationarity;
      // α* = 0: the point only wants to get sparser; a λ that thresholds every weight at once
      lambda ??= start.alpha > 0 ? tradeoff(start.alpha) : Infinity;
    }
    const reference = s.stationarityReference ?? startStationarity;
    const objectiveAt = (loss: number): number => (Number.isFinite(lambda) ? loss + lambda! * k.l1Norm(this.penalised, theta) : k.l1Norm(this.penalised, theta));
    // keepZeros (the sparser branch): the weights that are 0 now stay 0, so non-zeros never rise
    const zeros = s.keepZeros ? zeroIndices(theta, this.penalised) : null;
    const batch = this.batchRows();
    // a pass: every training row once (the stream is an epoch-wise shuffle), and at least
    // MIN_CHECK_STEPS steps (on small data a pass is a handful of steps, too few to say anything)
    const perPass = Math.max(MIN_CHECK_STEPS, Math.ceil(problem.train.rows / batch));
    this.prox.lambda = Number.isFinite(lambda) ? lambda : 1e30;
    this.sgd.reset();
    // the step the last corrector ended with (carried in s.h as the effective step lr/(1-μ)), at
    // most the configured one, doubled: a stretch of the front that needed a short step is
    // usually followed by another, and a long step's noise ball inflates l1 without lowering the
    // loss (restarting every point at lr 0.1 gave 0.362 at l1 181 on Fashion-MNIST, against 0.339)
    let lr = Math.min(c.lr, 2 * s.h * (1 - c.momentum));
    let steps = 0;
    let passes = 0;
    let settled = false;
    let last = objectiveAt(problem.evaluate(theta).loss);
    let lastDecrease = Infinity;
    let annealed = false;
    while (!settled && steps < s.maxSteps && lr >= c.lr * MIN_LR_FRACTION) {
      this.sgd.lr = lr;
      this.backup.set(theta);
      let finite = true;
      for (let i = 0; i < perPass && steps < s.maxSteps; i++, steps++) {
        const loss = problem.lossAndGradient(theta, problem.nextBatch(batch), this.grad);
        if (!Number.isFinite(loss)) {
          finite = false;
          break;
        }
        this.prox.step(theta, this.grad);
        if (zeros) for (const i of zeros) theta[i] = 0;
      }
      // the full training objective (a forward pass): the corrector only ever accepts a pass
      // that lowered it, so its point is no worse than where it started
      const objective = finite ? objectiveAt(problem.evaluate(theta).loss) : NaN;
      passes++;
      const decrease = (last - objective) / s.lossScale;
      if (!(decrease >= 0)) {
        // diverged, or the iterates wander in SGD's noise ball (whose size is proportional to
        // the step) above where the pass started: go back there and halve the step
        theta.set(this.backup);
        this.sgd.reset();
        lr /= 2;
        continue;
      }
      // Settled once a pass lowers the objective by less than the tolerance (in the normalised
      // units of the front's spacing), and so does all that is left of the descent: at a linear
      // rate q = decrease/last decrease that is decrease·q/(1-q). Slow progress on an
      // ill-conditioned stretch is not arrival. At least two passes, so the momentum builds up.
      const q = decrease / lastDecrease;
      const remaining = q < 1 ? (decrease * q) / (1 - q) : Infinity;
      const calm = passes >= MIN_PASSES && decrease < s.moveTolerance && remaining < s.moveTolerance;
      lastDecrease = decrease;
      last = objective;
      // A settled objective can be SGD's noise ball (an excess over the optimum proportional to
      // the step) rather than the optimum: once settled, halve the step and settle again.
      if (calm && annealed) settled = true;
      else if (calm) {
        lr /= 2;
        annealed = true;
        lastDecrease = Infinity;
      }
    }
    // Converged means stationary: σ from one full-batch gradient at the point, relative to the
    // reference (see the class comment). A σ test after every pass would double the cost of a
    // pass, so the objective's progress decides when to stop and σ whether the point arrived.
    const end = this.stationarity(theta);
    const converged = !(reference > 0) || end.stationarity <= s.tolerance * reference;
    // the point solves the scalarised problem at λ: that is its trade-off (α = 1/(1+λ)), exactly,
    // where the end's own MPG α* carries the batch noise left in θ
    return {
      steps, converged, alpha: Number.isFinite(lambda) ? 1 / (1 + lambda) : 0, stationarity: end.stationarity,
      relativeStationarity: reference > 0 ? end.stationarity / reference : NaN, startStationarity, h: lr / (1 - c.momentum),
    };
  }

  /** The MPG step at θ from the full-batch gradient (σ, α*). */
  private stationarity(theta: Float32Array): MpgStep {
    fullGradient(this.problem, theta, this.grad);
    return this.mpg.step(theta, this.grad, this.penalised, this.settings.lr / (1 - this.settings.momentum), this.y);
  }

  /** Rows per stochastic step (see StochasticSettings.stepsPerPass). */
  private batchRows(): number {
    const p = this.problem;
    return Math.min(p.batchSize, Math.max(32, Math.ceil(p.train.rows / this.settings.stepsPerPass)));
  }
}

/** Indices of the exact zeros among the first `n` entries. */
function zeroIndices(theta: Float32Array, n: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (theta[i] === 0) out.push(i);
  return Int32Array.from(out);
}
