import type { Kernels } from '../kernels/kernels.js';
import { initNetwork, settleIfZero, type Problem } from '../nn/problem.js';
import { Sgd } from '../optim/optimizer.js';
import { tradeoff } from '../optim/mpg.js';
import { Corrector, type CorrectorReport } from './corrector.js';
import { STOCHASTIC_DEFAULTS, StochasticCorrector, readableSnapshot, usesStochasticCorrector, type StochasticCorrectorSettings } from './stochastic-corrector.js';
import { gradientPredictor, secantPredictor, shrinkPredictor } from './predictors.js';
import { measurePoint, type MethodContext, type PassSink, type PathMethod, type PointCheckpoint, type PointSink } from './method.js';
import type { BranchEnd, ContinuationSettings, ContinuationState, Phase, RawPoint } from './types.js';
import { lambdaMax } from './lambda-max.js';
import { denseWalkStep, type DenseWalk } from './dense-walk.js';
import { linearMetric } from './linear-metric.js';
import { workingSetRows } from './working-set.js';
import { nonDominatedPairs } from '../metrics/front.js';
import type { LossName } from '../nn/mlp.js';
import { ProxFitter } from './baselines/fit.js';

/**
 * The predictor-corrector continuation method (Amakor, Sonntag & Peitz,
 * arXiv 2308.12044, Algorithm 2), with these changes:
 *
 *   θ ← corrector(init)                              initial point p0 on the front
 *   repeat (towards lower loss):   θ ← corrector(gradient predictor(θ, d·s))
 *   θ ← p0
 *   repeat (towards sparser):      θ ← corrector(shrink predictor(θ, Δl1 for d·s))
 *
 * d is the target spacing in normalised objectives (loss/L_null, l1/l1_scale), so `points`
 * sets the density of the front rather than fixed step counts (see spacing()); s adapts after
 * every point to the distance the point really moved. Full-batch correctors stop on stationarity
 * (a network's also when they stall, then not converged). The lower-loss branch
 * stops where the front goes flat (the unregularised end); the sparser branch ends at the
 * all-zero network. A mini-batch path (stochastic-corrector.ts) starts at its dense end instead
 * (DENSE_START) and walks one sparser branch, as a linear model's does. Every segment reseeds
 * the batch sampler from (seed, point index), so a run resumed from any saved point continues
 * exactly as it would have. A mini-batch point in progress (a fit of the dense-end walk or a
 * sparser point: on the seed's CIFAR-10 CNN hours of passes) is also saved at its passes'
 * boundaries (`onPass`, see pointSnapshot), and `run` continues it from such a snapshot.
 */
export class Continuation {
  private readonly corrector: { run(theta: Float32Array, s: StochasticCorrectorSettings): CorrectorReport };
  /** Whether the corrector takes stochastic steps at a λ chosen here (see stochastic-corrector.ts). */
  private readonly stochastic: boolean;
  private readonly sgd: Sgd;
  private readonly grad: Float32Array;
  private readonly backup: Float32Array;
  /** The point the current step started from (its zeros bound a redone sparser step's support). */
  private readonly lastPoint: Float32Array;
  readonly theta: Float32Array;
  /** The stochastic initial point's λ after a try that collapsed to w = 0 (see run). */
  private initialLambda: number | undefined;
  /** The stochastic dense-end walk (see dense-walk.ts): the last fit kept, and the λ it may not go below. */
  private walk: DenseWalk | undefined;
  private readonly walkTheta: Float32Array;
  /** The mini-batch point being fitted: where its loop iteration started (for pointSnapshot). */
  private inProgress: { spacing: number; retries: number; start: number } | null = null;
  /** The sparser branch's point before the last (the secant predictor's). */
  private readonly secantFrom: Float32Array;
  /** The rows the initial point's settling run started on (see settleOnWorkingSet), if it used a working set. */
  private workingSetRows: number | undefined;

  constructor(
    private readonly k: Kernels, private readonly problem: Problem,
    private readonly settings: ContinuationSettings, private readonly sink: PointSink<ContinuationState>,
    /** Mini-batch fits: called after each pass (see PassSink). */
    private readonly onPass: PassSink | null = null,
  ) {
    const n = problem.mlp.layout.size;
    this.stochastic = usesStochasticCorrector(problem);
    this.corrector = this.stochastic
      ? new StochasticCorrector(k, problem, settings.penalised, { ...STOCHASTIC_DEFAULTS, lr: settings.stochasticLearningRate })
      : new Corrector(k, problem, settings.penalised, linearMetric(problem, settings.penalised) ?? undefined);
    this.sgd = new Sgd(k, n, settings.predictorLearningRate, 0.9);
    this.grad = k.alloc(n);
    this.backup = k.alloc(n);
    this.lastPoint = k.alloc(n);
    this.theta = k.alloc(n);
    this.walkTheta = this.stochastic ? k.alloc(n) : new Float32Array(0);
    this.secantFrom = this.stochastic ? new Float32Array(0) : k.alloc(n);
  }

  /** Fresh state for a new run. */
  initialState(): ContinuationState {
    const s = this.settings;
    return {
      phase: 'initial', next: 0, anchor: -1, last: -1, h: s.h, scale: 1, l1Scale: 0, predictorLr: s.predictorLearningRate,
      lastLoss: this.problem.nullLoss, lastL1: 0, lastLambda: null, flatCount: 0, stuckCount: 0, branchPoints: 0,
    };
  }

  /**
   * Runs from `state` to the end. `load(i)` must return the parameters of raw point i (for the
   * branch switch and for resuming). `saved`: a mini-batch point in progress after `state`'s
   * (pointSnapshot, checked by readablePoint), continued from its last saved pass.
   */
  run(state: ContinuationState, load: (index: number) => Float32Array, saved: PointCheckpoint | null = null): ContinuationState {
    const s = this.settings;
    const theta = this.theta;
    let pending = saved && this.stochastic ? (saved.json as unknown as PointInProgress) : null;
    if (pending) {
      state = structuredClone(pending.state);
      this.initialLambda = pending.initialLambda ?? undefined;
      this.walk = pending.walk ?? undefined;
      if (this.walk) this.walkTheta.set(saved!.tensors.walkTheta!);
    }
    let retries = pending?.retries ?? 0;
    // a network's sparser step whose corrector revived weights the last point had at 0 is redone
    // keeping the predictor's zeros (see sparserRevived)
    let keepZeros = false;
    let nonzerosBefore = Infinity;
    while (state.phase !== 'done') {
      // a resumed point: its spacing, its time so far and (in the corrector) θ and the batch stream
      // as they were at its last saved pass
      const resumed = pending ? { json: pending.corrector, tensors: saved!.tensors } : undefined;
      const spacing = pending?.spacing ?? this.spacing(state);
      this.problem.reseed((s.seed * 1000003 + state.next) >>> 0);
      const start = performance.now() - (pending?.seconds ?? 0) * 1000;
      pending = null;
      this.inProgress = { spacing, retries, start };
      if (state.denseProbe) {
        this.probeDenseEnd(state, spacing);
        continue;
      }
      let report: CorrectorReport;
      if (state.phase === 'initial') {
        if (!resumed) {
          state.lambdaEnd = s.lambdaMinRatio * lambdaMax(this.problem, s.penalised);
          this.reinit();
          state.l1Scale = this.k.l1Norm(s.penalised, theta);
        }
        report = this.correct(state, spacing, s.maxInitialSteps, false, null, { resume: resumed });
        if (!this.stochastic && !linearPath(state)) report = this.settleInitial(state, spacing, report);
      } else {
        theta.set(load(state.last));
        this.lastPoint.set(theta);
        nonzerosBefore = this.k.countNonzero(s.penalised, theta);
        if (this.stochastic) {
          // no predictor: the last point warm-starts the fit at the next λ (stochasticLambda), as
          // in a λ sweep; a predicted point would only have to be corrected back
        } else if (state.phase === 'denser') {
          state.predictorLr = gradientPredictor(
            { k: this.k, problem: this.problem, penalised: s.penalised, sgd: this.sgd, grad: this.grad,
              backup: this.backup, lossScale: this.problem.nullLoss, l1Scale: paceScale(state) },
            theta, spacing * state.scale, state.predictorLr, s.maxPredictorSteps);
        } else if (state.l1Constrained) {
          // no predictor: the corrector projects the last point into its ε-constraint ball (see jumpedPastShortening)
        } else {
          // a network's sparser branch extrapolates its last two points once it has them (see SECANT_MAX_FACTOR)
          const delta = this.l1Step(state, spacing * state.scale);
          let secant: number | null = null;
          if (state.before !== undefined && !linearPath(state)) {
            this.secantFrom.set(load(state.before));
            secant = secantPredictor(this.k, theta, this.secantFrom, s.penalised, delta, SECANT_MAX_FACTOR);
          }
          if (secant === null) shrinkPredictor(this.k, theta, s.penalised, delta);
        }
        // once revivals recur along the sparser branch, the first try keeps the last point's zeros
        // (see sparserRevived)
        // (an ε-constraint step keeps them from the start: its projected steps could revive them)
        const keep = keepZeros || (state.phase === 'sparser' && ((state.revivals ?? 0) >= REVIVALS_BEFORE_KEEPING_ZEROS || state.l1Constrained === true));
        report = this.correct(state, spacing, s.maxCorrectorSteps, keep, this.sparserTradeoff(state), { resume: resumed, minL1: this.jumpFloor(state, spacing, retries) });
      }
      // the all-zero network is the constant predictor: its biases exact, its loss L_null
      settleIfZero(this.problem, s.penalised, theta);
      let point = this.measure(state.bridge ? 'bridge' : state.phase, state.next, report, (performance.now() - start) / 1000);
      const lambda = tradeoff(report.alpha);
      if (state.phase === 'initial' && this.stochastic && point.l1 === 0 && Number.isFinite(lambda) && retries < s.maxRetries) {
        // The MPG trade-off at a random init can lie beyond the front's sparse end: the LeNet-like
        // net's init on MNIST (loss 4.26, above the constant predictor's 2.30) gave λ = 0.033 and
        // the corrector went to w = 0, which is critical for every λ, so no branch could leave it.
        // Retry from the same init at λ/10 (there: 0.0033, l1 90, test accuracy 95.9 %).
        // Deterministic, so a resumed run repeats it.
        this.initialLambda = lambda * INITIAL_LAMBDA_RETRY;
        retries++;
        continue;
      }
      if (state.phase === 'initial' && this.stochastic && !linearPath(state) && point.l1 > 0 && Number.isFinite(lambda)) {
        const walked = this.denseWalk(point, lambda);
        if (walked === null) continue;
        point = walked;
      }
      if (!keepZeros && this.sparserRevived(state, point, nonzerosBefore)) {
        keepZeros = true;
        state.revivals = (state.revivals ?? 0) + 1;
        continue;
      }
      if (this.jumpedPastShortening(state, point, spacing)) {
        // the rest of the branch takes ε-constraint steps, from this step on (see jumpedPastShortening);
        // a full-batch step keeps the shortest scale its retries reached (its λ no longer says how far
        // a step goes: at the kink it is that of a flat stretch)
        state.l1Constrained = true;
        if (this.stochastic) {
          state.scale = 1;
          retries++;
        } else {
          // (its own retries, which may shorten it below minScale: see overshoot)
          retries = 0;
        }
        continue;
      }
      if (state.phase !== 'initial' && retries < s.maxRetries && this.overshoot(state, point, spacing)) {
        // The point landed far beyond the target spacing (the front bends harder than the tangent
        // said): shorten the predictor and redo the step from the same point, so the front keeps
        // no holes. The retry is seeded like the first try, so a resumed run repeats it exactly.
        retries++;
        continue;
      }
      retries = 0;
      keepZeros = false;
      this.advance(state, point, spacing);
      this.sink(point, theta, state);
    }
    return state;
  }

  /** One decision of the dense-end walk (see dense-walk.ts): the point to start from, or null to fit the next λ. */
  private denseWalk(point: RawPoint, lambda: number): RawPoint | null {
    const s = this.settings;
    const step = denseWalkStep(this.walk, point, lambda, (lambda / DENSE_START) * s.lambdaMinRatio, s, this.problem.nullLoss, this.problem.arch.loss === 'mse');
    if ('next' in step) {
      this.walkTheta.set(this.theta);
      this.walk = step.walk;
      this.initialLambda = step.next;
      return null;
    }
    if (step.restore) this.theta.set(this.walkTheta);
    this.walk = undefined;
    return step.start;
  }

  /**
   * True when a mini-batch sparser step at the next λ landed over maxOvershoot spacings from the
   * last point and no shorter λ step can help: it collapsed the network to w = 0, or the step is
   * already at its smallest scale (a λ 2.5 % higher than the last point's still jumps). Where a
   * deep net's front is not convex (near w = 0 the loss depends on products of weights along a
   * path, l1 on their sum) no λ has its minimiser, so λ steps creep and then jump, whatever their
   * size. Friedman #1 with 25,000 rows (20,20 ReLU units), seed 2: points at l1 3.35–3.54 (loss
   * 0.28–0.30), then w = 0 (loss 1.0); with a longer-trained start, l1 11.1 → 5.7 (loss 0.084 →
   * 0.210) at the smallest scale. The rest of the branch takes ε-constraint steps instead: the loss
   * minimised over the l1 ball the spacing asks for, τ = l1_last − Δl1 (l1Step), which reaches
   * every Pareto-optimal point, convex stretch or not (there: l1 3.4 → 0 in 17 points, as the
   * full-batch path walks it). Only after such a jump: on Fashion-MNIST ε-constraint steps along
   * the whole branch (its first λ step overshoots, and a shorter one does not) stop on plateaus
   * that λ steps jump past (loss 1.69 against 1.28 at l1 14; train hypervolume 0.9820 against
   * 0.9837). A full-batch network's sparser step switches the same way once its predictor at the
   * smallest scale still lands that far (a kink: Friedman #1, 20,20 units, seed 4, from l1 3.08
   * every shorter step landed at w = 0 or l1 1.41); a collapse at a larger scale is retried
   * shorter first.
   */
  private jumpedPastShortening(state: ContinuationState, p: RawPoint, spacing: number): boolean {
    // (a full-batch linear model's convex front has no such stretch)
    if ((!this.stochastic && linearPath(state)) || state.phase !== 'sparser' || state.l1Constrained || !(state.lastL1 > 0)) return false;
    // (a full-batch step that collapsed shortens its predictor first: a shorter step can land
    // between, where no shorter λ can)
    if ((!this.stochastic || p.l1 !== 0) && state.scale > this.settings.minScale) return false;
    return this.moved(state, p) > this.settings.maxOvershoot * spacing;
  }

  /**
   * The sparse-end rule for full-batch networks: along the sparser branch non-zeros never rise as
   * l1 falls. The predictor's soft-threshold only adds zeros, but the MPG corrector may revive
   * weights the last point had at 0 (on the default MNIST run: 168 non-zeros with median |w| 4e-5
   * at l1 1.2, between points with 10 and 0). Such a step is redone with a corrector that keeps
   * the last point's zeros (not the predictor's: weights the soft-threshold cut may come back),
   * so its point has at most the last point's non-zeros. After REVIVALS_BEFORE_KEEPING_ZEROS such
   * redos the branch's later steps keep the last point's zeros from their first try: on MNIST
   * the revivals recur at 15 of the 27 points below l1 41 (the redone tries and the overshoot
   * retries threw away 955 of 6,240 corrector steps), and a redo is what the first try then becomes.
   * Linear models are exempt (a lasso path's support can grow as λ rises when features are
   * correlated), and mini-batch runs keep their own rule (stochastic-corrector.ts).
   */
  private sparserRevived(state: ContinuationState, p: RawPoint, nonzerosBefore: number): boolean {
    return state.phase === 'sparser' && !this.stochastic && !linearPath(state) && p.nonzeros > nonzerosBefore;
  }

  /**
   * A full-batch network's initial point, in two more corrector runs from where the initial
   * corrector stopped:
   * 1. With the reference momentum rule the initial corrector stalled far above the front: on
   *    MNIST at loss 0.018 (l1 776), where the first sparser corrector then found 0.0022 at l1
   *    739, dominating the initial point and every lower-loss point between. A corrector with
   *    the branches' projected momentum from there reached 0.00165 in 100 steps. The initial
   *    corrector now has that momentum itself (see correct), and this run is a check that
   *    costs MNIST 20 steps.
   * 2. If the point then lies beyond the front's dense end, where the front is flat (normalised
   *    slope λ·l1_scale/L_null below flatSlope, the lower-loss branch's own end rule), it is moved to
   *    that end: the scalarised problem min L + λ_flat‖θ_pen‖₁ at λ_flat = flatSlope·L_null/l1_scale,
   *    solved by accelerated proximal gradient from there, as a linear path starts at glmnet's λ_end.
   *    Walked point by point, the flat stretch cost a third of the point budget and left the largest
   *    gaps: its correctors stopped on small absolute moves at losses whose differences between
   *    neighbours were smaller still, and a later corrector that went further dominated several of
   *    them (MNIST: 11 of 54 raw points above l1 250 dominated; the front's dense end now l1 315).
   *    A classification network settles on the rows it does not fit yet first (see
   *    settleOnWorkingSet), then on all rows.
   * 3. If the point lies on the steep part of the front instead, the init goes there too: the
   *    settling run starts again from the init (whose weights are all non-zero) rather than from
   *    the few weights the MPG corrector left. On a regression network (diabetes, 10 ReLU units,
   *    target std 77) the MPG point was the all-zero network (the init's l1: 40), and a lower-loss
   *    branch grown from it ended at loss 2,836 and l1 35 where the sweep reaches 2,211 at l1 284
   *    (train HV 0.651 against the sweep's 0.734; now 0.739). A front that reaches far beyond
   *    the init's l1 makes λ_flat, measured against that l1, too steep: it is measured again
   *    against the settled point's l1 while that grows by over FLAT_SCALE_GROWTH (there: l1 40 →
   *    151 → 237; regression only, see remeasuresFlatScale), and a solve that ends at w = 0
   *    starts again from the init at λ/10 (see settleFlat).
   * The steps of all these runs are reported as the point's.
   */
  private settleInitial(state: ContinuationState, spacing: number, first: CorrectorReport): CorrectorReport {
    const s = this.settings;
    // w = 0 is exactly stationary for a deep net (the sparse end: steep, as λ = ∞ is)
    const l1 = this.k.l1Norm(s.penalised, this.theta);
    const check = l1 === 0 ? null : this.correct(state, spacing, s.maxInitialSteps, false, { lambda: null });
    const steps = first.steps + (check?.steps ?? 0);
    const scale = Math.max(state.l1Scale, check ? this.k.l1Norm(s.penalised, this.theta) : 0, 1e-12);
    const lambda = check ? tradeoff(check.alpha) : Infinity;
    if (Number.isNaN(lambda)) return { ...check!, steps };
    // on the steep part of the front: start again from the init (see 3. above)
    if ((lambda * scale) / this.problem.nullLoss >= s.flatSlope) this.reinit();
    const report = this.settleFlat(state, spacing, scale);
    report.steps += steps;
    return report;
  }

  /**
   * θ ← the seeded init, the same every method starts from (initNetwork: a full-batch regression
   * network's output bias at the target's mean).
   */
  private reinit(): void {
    initNetwork(this.problem, this.settings.seed, this.theta);
  }

  /**
   * λ_flat = flatSlope·L_null/l1_scale: the trade-off at which the front's slope in normalised
   * objectives (L/L_null against l1/l1_scale) is flatSlope, the lower-loss branch's end rule. It
   * is where a full-batch network's initial point settles (settleFlat), and where a mini-batch
   * path's first fit starts when the MPG step at the random init has α* = 0. That happens where
   * the init fits worse than shrinking its weights would, in the loss's own units: a target in
   * its own units (diabetes, std 76, 10 units, batch 100: on seed 2 shrinking the init's weights
   * lowered the loss by far more than their l1, λ was infinite and the fit ended at w = 0, a
   * front of one point; Friedman #1 at std 515, 20,20 units, batch 100, seed 4 likewise).
   */
  private flatLambda(l1Scale: number): number {
    return (this.settings.flatSlope * this.problem.nullLoss) / Math.max(l1Scale, 1e-12);
  }

  /**
   * The settling run at λ_flat = flatSlope·L_null/scale from θ (on a working set first, see
   * settleOnWorkingSet), solved again against the settled point's l1 while that outgrows the
   * scale by over FLAT_SCALE_GROWTH (at most MAX_FLAT_SETTLES runs). Returns the last run's
   * report, with the steps of all of them.
   */
  private settleFlat(state: ContinuationState, spacing: number, scale: number): CorrectorReport {
    const s = this.settings;
    const lambdaFlat = (): number => this.flatLambda(scale);
    let before = this.settleOnWorkingSet(state, spacing, lambdaFlat());
    for (let settle = 1; ; settle++) {
      const report = this.correct(state, spacing, s.maxInitialSteps, false, { lambda: lambdaFlat() });
      report.steps += before;
      before = report.steps;
      const l1 = this.k.l1Norm(s.penalised, this.theta);
      if (settle >= MAX_FLAT_SETTLES) return report;
      if (l1 === 0) {
        // w = 0 is the front's sparse end, not where it turns flat: from the init again a decade
        // lower, as a mini-batch start that collapsed (diabetes, 10 ReLU units, raw features: at
        // λ_flat = 3.1 on seed 7, and the lower-loss branch then grew the network from w = 0 over
        // 105 points)
        this.reinit();
        scale /= INITIAL_LAMBDA_RETRY;
      } else if (remeasuresFlatScale(this.problem.arch.loss, l1, scale)) {
        // λ_flat was measured against an l1 the settled point outgrew: measure it against the point's
        scale = l1;
      } else {
        return report;
      }
    }
  }

  /**
   * The first part of the settling run at λ_flat for a classification network: the same
   * accelerated proximal gradient run on the working set of rows whose loss is above
   * workingSetShare × the mean (src/path/working-set.ts), at λ_flat·N/|W|, to its own progress
   * test; the full-batch run then continues from its point. Skipped when the working set holds
   * more than maxWorkingSetShare of the rows (nothing to gain). The default MNIST run settled on
   * 2,506 of 8,000 rows: over seeds 1–16 the initial point took 2.6 instead of 4.9 s, with the
   * same train hypervolume on average (1.1158 against 1.1162) and the same best test accuracy
   * (93.0 %). Returns the steps taken.
   */
  private settleOnWorkingSet(state: ContinuationState, spacing: number, lambdaFlat: number): number {
    const s = this.settings;
    if (this.problem.arch.loss !== 'cross-entropy' || !(s.workingSetShare > 0)) return 0;
    const rows = workingSetRows(this.problem.rowLosses(this.theta), s.workingSetShare);
    const n = this.problem.train.rows;
    if (rows.length === 0 || rows.length > s.maxWorkingSetShare * n) return 0;
    const scale = n / rows.length;
    this.workingSetRows = rows.length;
    const corrector = new Corrector(this.k, this.problem.restrictedTo(rows), s.penalised);
    return this.correct(state, spacing, s.maxInitialSteps, false, { lambda: lambdaFlat * scale }, { workingSet: { corrector, scale } }).steps;
  }

  /**
   * The loss unit of a full-batch network's progress test: L_null·min(1, K·λ·l1_scale/L_null), λ the
   * last point's trade-off, K = stallSlopeFactor. Two neighbours a step Δl1 apart differ in loss by
   * about λ·Δl1; where the front is flat that is far below the tolerance × spacing × L_null the test
   * allows per check, so correctors stopped at losses that a later corrector beat by more than the
   * difference, and the front lost the points between (MNIST: 0.0153 at l1 384 against 0.0062 at
   * 349). With K = 10 the allowed move is at most 0.3 of λ·Δl1 at the default tolerance. Networks'
   * initial points, linear models and mini-batch runs keep L_null.
   */
  private stallLossScale(state: ContinuationState): number {
    const L0 = this.problem.nullLoss;
    if (this.stochastic || linearPath(state) || state.phase === 'initial' || state.lastLambda === null) return L0;
    const slope = (this.settings.stallSlopeFactor * state.lastLambda * Math.max(state.l1Scale, 1e-12)) / L0;
    // at most a thousandfold tighter (λ = 0 is the unregularised end, where the branch stops anyway)
    return L0 * Math.min(1, Math.max(MIN_STALL_LOSS_SHARE, slope));
  }

  /**
   * One corrector run from this.theta. `settle`: the initial point is being settled
   * (settleInitial), with the branches' momentum rule, at the MPG step's trade-off (lambda null)
   * or at a fixed λ; or a regression network's sparser step is corrected at a fixed λ
   * (sparserTradeoff). `minL1`: a sparser try stops below it (jumpFloor). `workingSet` (settleOnWorkingSet only): run this corrector, on a working set of rows
   * whose objective is `scale` times the full one's, so the step size and the progress test's
   * loss unit are scaled to match.
   */
  private correct(
    state: ContinuationState, spacing: number, maxSteps: number, keepZeros = false, settle: { lambda: number | null } | null = null,
    { resume, workingSet, minL1 }: { resume?: PointCheckpoint; workingSet?: { corrector: Corrector; scale: number }; minL1?: number } = {},
  ): CorrectorReport {
    const s = this.settings;
    const initial = state.phase === 'initial';
    // A linear model's path starts at its unregularised end, glmnet's λ = 1e-4·λ_max, solved as
    // the scalarised problem at that λ; the sparser branch then walks the whole path knowing its
    // l1 range (see README, "Where the path starts and stops").
    const atEnd = initial && linearPath(state);
    const scale = workingSet?.scale ?? 1;
    const r = (workingSet?.corrector ?? this.corrector).run(this.theta, {
      h: state.h / scale, maxSteps, lossScale: this.stallLossScale(state) * scale,
      tolerance: atEnd ? s.endTolerance : s.tolerance * (initial ? s.initialToleranceFactor : 1) * (linearPath(state) ? 1 : s.networkStationarityShare),
      // against the fixed spacing arcLength / (points - 1), not the estimated one: a longer step
      // must not loosen the corrector (MNIST's estimated spacing is about 1.6× the fixed one)
      moveTolerance: s.moveTolerance * Math.min(spacing, s.arcLength / Math.max(1, s.points - 1)) * (initial ? s.initialToleranceFactor : 1),
      l1Scale: Math.max(state.l1Scale, 1e-12), accelerate: s.accelerate,
      // A mini-batch initial corrector starts from a random init far from the front, where
      // momentum bounded only by the start's l1 can carry a small deep net into w = 0 (seen on the
      // export tests' regression data), so it keeps the reference rule. A full-batch network's
      // takes the branches' projected momentum, whose function-value restart keeps the loss from
      // running away: on MNIST the reference rule stalled after 480 steps at l1 776 (then 860
      // more to settle), the projected rule met σ in 110 (see settleInitial).
      restartBound: initial && !settle && this.stochastic ? 'step' : s.restartBound,
      ...(atEnd && { fixedAlpha: 1 / (1 + state.lambdaEnd!) }),
      ...(settle?.lambda != null && { fixedAlpha: 1 / (1 + settle.lambda) }),
      ...(minL1 !== undefined && { minL1 }),
      ...(!this.stochastic && !linearPath(state) && { heavyBall: HEAVY_BALL }),
      // A network's lower-loss correctors stop on progress alone (σ measured): a deep net's w = 0
      // is exactly stationary, and a corrector that starts near it (a small net on a regression
      // target in the hundreds) would otherwise meet σ there and end the branch at w = 0.
      stop: linearPath(state) ? 'stationarity' : state.phase === 'sparser' ? s.networkStop : 'move',
      measureStationarity: true,
      ...(state.phase === 'sparser' && s.keepZeros && !linearPath(state) && { keepZeros: true }),
      ...(keepZeros && { keepZerosOf: this.lastPoint }),
      // A corrector whose predictor barely moved the point off the front (σ at its start far below
      // other correctors') need not shrink σ by the tolerance again: near a least-squares end σ
      // would otherwise have to go below float32's rounding of the gradient.
      ...(!initial && { stationarityFloor: s.tolerance * (this.stochastic || linearPath(state) ? s.floorShare : s.networkFloorShare) * (state.sigmaScale ?? 0) }),
      ...(!initial && linearPath(state) && { gapTolerance: s.gapShare * (this.problem.nullLoss - (state.anchorLoss ?? 0)) }),
      ...this.stochasticLambda(state, spacing),
      // (the corrector minimises the loss in this l1 ball instead of at stochasticLambda's λ)
      ...(state.phase === 'sparser' && state.l1Constrained && { l1Bound: Math.max(0, state.lastL1 - this.l1Step(state, spacing * state.scale)) }),
      ...(initial && this.stochastic && { lambdaFactor: DENSE_START, zeroAlphaLambda: this.flatLambda(state.l1Scale) }),
      // a mini-batch path's fits from the init stop on their trend: every later point inherits how
      // far the start was trained (see TREND_MIN_STEPS); the dense-end walk's fits below the first
      // are compared by their loss and warm up (see dense-walk.ts)
      ...(initial && this.stochastic && { trend: true }),
      ...(initial && this.walk && { warmupPasses: DENSE_WALK_WARMUP }),
      ...(initial && this.initialLambda !== undefined && { lambda: this.initialLambda }),
      ...(this.stochastic && this.onPass && { onPass: this.passHook(state) }),
      ...(resume && { resume }),
      // the path's start may anneal longer than its warm-started points (see INITIAL_MAX_ANNEAL)
      ...(initial && this.stochastic && { maxAnneal: INITIAL_MAX_ANNEAL }),
    });
    state.h = r.h * scale;
    // (the stochastic corrector measures σ at the start only at the initial point, the path's reference)
    if ((!initial || this.stochastic) && Number.isFinite(r.startStationarity)) state.sigmaScale = Math.max(state.sigmaScale ?? 0, r.startStationarity);
    return r;
  }

  /**
   * The stochastic corrector's onPass: the pass as a pass of this point, and on demand the point's
   * snapshot (PointInProgress: the continuation's state as the point's fit started, its spacing,
   * retries, the dense-end walk so far and the seconds spent, around the corrector's own).
   */
  private passHook(state: ContinuationState): StochasticCorrectorSettings['onPass'] {
    const sink = this.onPass!;
    const p = this.inProgress!;
    const seconds = (): number => (performance.now() - p.start) / 1000;
    return (progress, save) => sink({ ...progress, index: state.next, phase: state.phase, seconds: seconds() }, () => {
      const c = save();
      const json: PointInProgress = {
        state: structuredClone(state), spacing: p.spacing, retries: p.retries, seconds: seconds(),
        initialLambda: this.initialLambda ?? null, walk: this.walk ? structuredClone(this.walk) : null, corrector: c.json,
      };
      return { json: json as unknown as Record<string, unknown>, tensors: { ...c.tensors, ...(this.walk && { walkTheta: this.walkTheta }) } };
    });
  }

  /**
   * The stochastic corrector's trade-off: the last point's λ moved along the branch by a factor
   * e^(±K·d·s) (smaller towards lower loss, larger towards sparser), K = LOG_LAMBDA_PER_DISTANCE,
   * d·s the predictor's distance. The λ of a point that is not yet stationary (the predicted one)
   * is a poor guess of the front's slope, while the last corrected point's is exact, and a
   * geometric step in λ is scale-free (glmnet's grid); the spacing feedback that scales the
   * predictor (s) adapts the step to the front. The initial point (and a branch that starts from
   * λ = 0 or ∞) takes the MPG step's λ at θ.
   */
  private stochasticLambda(state: ContinuationState, spacing: number): { lambda?: number; stationarityReference?: number } {
    const last = state.lastLambda;
    if (!this.stochastic) return {};
    const reference = state.sigmaScale !== undefined ? { stationarityReference: state.sigmaScale } : {};
    if (state.phase === 'initial' || last === null || !(last > 0)) return reference;
    const sign = state.phase === 'denser' ? -1 : 1;
    // at most a factor e per point: where the corrector moves the point less than the spacing
    // (a flat stretch, or SGD at its noise floor) the feedback keeps doubling the scale, and an
    // unbounded step would skip decades of λ at once
    return { lambda: last * Math.exp(sign * Math.min(MAX_LOG_LAMBDA_STEP, LOG_LAMBDA_PER_DISTANCE * spacing * state.scale)), ...reference };
  }

  /**
   * The l1 decrease whose step along the front's tangent has normalised length `distance`:
   * with the local slope dL/dl1 = -λ, the tangent step (λΔ/L_null, Δ/l1_scale) has length
   * Δ·√((λ/L_null)² + 1/l1_scale²) (in distance()'s measure: Δ·(√(λ/L_null) + √(1/l1_scale))²).
   */
  private l1Step(state: ContinuationState, distance: number): number {
    const lambda = state.lastLambda ?? 0;
    const perUnit = this.distance(state, lambda / this.problem.nullLoss, 1 / Math.max(state.l1Scale, 1e-12));
    return distance / perUnit;
  }

  private measure(phase: Phase | 'bridge' | 'dense', index: number, r: CorrectorReport, seconds: number): RawPoint {
    return measurePoint(this.problem, this.theta, this.settings.penalised, {
      index, phase, lambda: finiteOrNull(tradeoff(r.alpha)), steps: r.steps, converged: r.converged, seconds,
      alpha: r.alpha,
      // Infinity: no step was measured (say, a float32 gradient that overflowed on a huge target)
      ...(Number.isFinite(r.stationarity) && { stationarity: r.stationarity }),
      ...(Number.isFinite(r.relativeStationarity) && { relativeStationarity: r.relativeStationarity }),
      ...(phase === 'initial' && this.workingSetRows !== undefined && { workingSetRows: this.workingSetRows }),
    });
  }

  /**
   * The target distance between neighbouring points in normalised objectives. A network's front
   * is assumed `arcLength` long. A linear model's path is walked in one branch from its known
   * dense end to (l1 = 0, L_null), so its length is estimated as it goes: the arc walked so far
   * plus, for the rest, the mean of the chord and the two legs to (0, 1) (a convex front lies
   * between them), spread over the points still to come.
   */
  private spacing(state: ContinuationState): number {
    const s = this.settings;
    const intervals = Math.max(1, s.points - 1);
    if (linearPath(state)) {
      if (state.phase !== 'sparser') return s.arcLength / intervals;
      return ((state.arc ?? 0) + this.restToZero(state, state.lastL1, state.lastLoss, state.l1Scale)) / intervals;
    }
    if (this.stochastic || !state.trail || state.phase === 'initial') return s.arcLength / intervals;
    return this.networkSpacing(state, intervals);
  }

  /**
   * A full-batch network's spacing. Its front runs from an initial point somewhere in the middle
   * to two ends of unknown position, so the length is estimated from what has been computed: the
   * length of the front so far (its non-dominated points, l1 over the largest l1 so far) plus the
   * rest to (l1 = 0, L_null) as for a linear model, from the anchor on the lower-loss branch and
   * from the last point on the sparser one. The lower-loss branch spaces its points by that
   * estimate / (points - 1); it underestimates the front while the branch is still growing, which
   * only shortens the steps. The sparser branch then spreads the points still missing from the
   * target over the rest, (rest) / (points - front points so far), which also makes up for
   * points a later neighbour dominated; kept within [0.5, 1.5]× the mean spacing so that a
   * dense or sparse lower-loss branch cannot leave gaps or crowd the sparse end.
   */
  private networkSpacing(state: ContinuationState, intervals: number): number {
    const trail = state.trail!;
    const scale = paceScale(state);
    const front = frontOf(trail);
    let walked = 0;
    for (let i = 1; i < front.length; i++) {
      walked += this.distance(state, (front[i]![0] - front[i - 1]![0]) / scale, (front[i]![1] - front[i - 1]![1]) / this.problem.nullLoss);
    }
    const from = state.phase === 'sparser' ? [state.lastL1, state.lastLoss] : [state.anchorL1 ?? state.lastL1, state.anchorLoss ?? state.lastLoss];
    const rest = this.restToZero(state, from[0]!, from[1]!, scale);
    // at least 1: the front spans l1 from 0 to l1_scale (an initial point at w = 0 has no rest)
    const mean = Math.max(1, walked + rest) / intervals;
    if (state.phase !== 'sparser') return mean;
    const missing = Math.max(1, intervals + 1 - front.length);
    return Math.min(1.5 * mean, Math.max(0.5 * mean, rest / missing));
  }

  /**
   * Distance between two points of the front in normalised objectives (Δl1/l1_scale, ΔL/L_null).
   * Networks: Euclidean. Linear models: (√|Δx| + √|Δy|)² = |Δx| + |Δy| + 2√(|Δx||Δy|). The
   * hypervolume-optimal placement of μ points on a front y = f(x) has density ∝ √|f'| (Auger,
   * Bader, Brockhoff & Zitzler, "Theory of the hypervolume indicator: optimal μ-distributions",
   * FOGA 2009): it crowds the bend and leaves flat stretches empty. The √ term gives the bend that
   * share, the Manhattan terms keep points on the flat stretches (the gap rule). Measured at 40
   * points (train hypervolume, the benchmark suite's l1_ref; Euclidean → this metric; the sweep):
   * raw-target diabetes 0.5711 → 0.5724 (0.5722), wine 1.1338 → 1.1351 (1.1350), breast cancer
   * 1.1306 → 1.1317 (1.1231). On MNIST's network front it lost (1.1189 → 1.1115), so networks
   * keep the Euclidean distance.
   */
  private distance(state: ContinuationState, dx: number, dy: number): number {
    if (!linearPath(state)) return Math.hypot(dx, dy);
    const r = Math.sqrt(Math.abs(dx)) + Math.sqrt(Math.abs(dy));
    return r * r;
  }

  /**
   * Estimated normalised length of a convex front from (l1, loss) to (0, L_null) in distance()'s
   * measure: for networks the mean of chord and legs.
   */
  private restToZero(state: ContinuationState, l1: number, loss: number, l1Scale: number): number {
    const x = l1 / Math.max(l1Scale, 1e-12);
    const dy = Math.max(0, 1 - loss / this.problem.nullLoss);
    // linear: the Manhattan legs plus the √ term's 2∫√|f'|dx, which is at most 2√(x·dy) (a straight
    // line) and smaller the more the front bends; 0.8 of that bound
    if (linearPath(state)) return x + dy + 1.6 * Math.sqrt(x * dy);
    return (Math.hypot(x, dy) + x + dy) / 2;
  }

  /** The normalised distance from the last point to p (l1 over the larger of the pace scale and p's l1). */
  private moved(state: ContinuationState, p: RawPoint): number {
    const l1Scale = Math.max(paceScale(state), p.l1);
    return this.distance(state, (p.trainLoss - state.lastLoss) / this.problem.nullLoss, (p.l1 - state.lastL1) / l1Scale);
  }

  /** True (and the predictor scale cut to fit) when p is over `maxOvershoot` spacings away. */
  private overshoot(state: ContinuationState, p: RawPoint, spacing: number): boolean {
    const moved = this.moved(state, p);
    const floor = this.settings.minScale * (state.l1Constrained && !this.stochastic ? EPSILON_SCALE_FLOOR : 1);
    if (moved <= this.settings.maxOvershoot * spacing || state.scale <= floor) return false;
    // A mini-batch step's λ ignores the scale above the cap (stochasticLambda): cut from the scale
    // the step used, or the retry would fit the same λ from the same seed, bit for bit (Iris 4
    // units, --batch 16 --points 8, point 6: a 6-pass retry that repeated the first try).
    if (this.stochastic) state.scale = Math.min(state.scale, cappedScale(spacing));
    state.scale = Math.max(floor, state.scale * Math.max(0.1, spacing / moved));
    return true;
  }

  /** Bookkeeping after a point: adapt the predictor scale, decide whether the branch ends. */
  private advance(state: ContinuationState, p: RawPoint, spacing: number): void {
    const s = this.settings;
    const L0 = this.problem.nullLoss;
    const prevLoss = state.lastLoss;
    const prevL1 = state.lastL1;
    const prevLambda = state.lastLambda;
    // l1 distances are measured against the front itself (the initial point's l1, then the largest
    // reached), not against the random init, whose l1 depends on the init scheme and the width.
    // Mini-batch: the LeNet-like net's init has l1 888 and its front lives below 100, so every step
    // looked < 0.1 spacings long and the lower-loss branch ended as stuck after 3 points, 1 % of
    // the way to the dense end. Full batch: Friedman #2 (20,20 units) has an init at l1 157 and a
    // front below l1 35, so the sparser branch's steps across the flat dense end were 4–5 times
    // the target spacing in l1 (largest gap 6.0 target spacings over seeds 1–4, now 1.3).
    state.l1Scale = state.phase === 'initial' && p.l1 > 0 ? p.l1 : Math.max(state.l1Scale, p.l1);
    const moved = this.distance(state, (p.trainLoss - prevLoss) / L0, (p.l1 - prevL1) / paceScale(state));
    state.next = p.index + 1;
    state.lastLoss = p.trainLoss;
    state.lastL1 = p.l1;
    state.lastLambda = p.lambda;
    if (state.phase === 'sparser' && !this.stochastic && !linearPath(state)) state.before = state.last;
    state.last = p.index;
    if (!this.stochastic && !linearPath(state)) (state.trail ??= []).push(p.l1, p.trainLoss);

    if (state.phase === 'initial') {
      state.anchor = p.index;
      state.anchorLoss = p.trainLoss;
      state.anchorL1 = p.l1;
      state.anchorLambda = p.lambda;
      state.branchPoints = 0;
      state.phase = s.direction === 'sparser' ? 'sparser' : 'denser';
      if (linearPath(state) || this.stochastic) {
        // a linear model's initial point is the lower-loss end itself, and so is a mini-batch
        // network's (the fit at DENSE_START times the init's trade-off)
        (state.ends ??= {}).denser = 'unregularised';
        state.phase = s.direction === 'denser' ? 'done' : 'sparser';
      }
      return;
    }
    state.branchPoints++;
    state.arc = (state.arc ?? 0) + moved;
    // Aim the next predictor so that the next point lands `spacing` away: scale by the ratio of
    // wanted to achieved distance, damped to at most ×2 / ÷2 per point.
    const ratio = moved > 0 ? spacing / moved : 2;
    state.scale = Math.min(s.maxScale, Math.max(s.minScale, state.scale * Math.min(2, Math.max(0.5, ratio))));

    const lambdaEnd = state.lambdaEnd ?? 0;
    if (state.phase === 'denser') {
      // Where the branch will end, in l1, so that distances along a long flat stretch are measured
      // against the whole front and not against the l1 reached so far (which makes the steps grow
      // geometrically: 181 points on an unscaled regression target, and an end far short of the
      // least-squares fit). l1 is extrapolated linearly in λ (exact for least squares while the
      // active set holds; an underestimate when more weights join, which only shortens steps).
      if (lambdaEnd > 0 && prevLambda !== null && p.lambda !== null && prevLambda > p.lambda && p.l1 > prevL1) {
        const slope = (p.l1 - prevL1) / (prevLambda - p.lambda);
        state.l1Estimate = Math.max(state.l1Estimate ?? 0, p.l1 + slope * Math.max(0, p.lambda - lambdaEnd));
      }
      const gain = (prevLoss - p.trainLoss) / L0;
      // progress stalls (the corrector pulled the point back where it was) → count it
      state.stuckCount = moved < 0.1 * spacing ? state.stuckCount + 1 : 0;
      // a network's front turns flat: moving along it buys almost no loss, or the step did not
      // move denser at all (in a flat stretch the MPG corrector pulls the predicted point back
      // to a sparser trade-off: on the diabetes network, 10 units, the branch took 44 points from
      // l1 237 to 415, 9 of them below the last one's l1, and the front had 56 points for 40).
      // Measured against the branch's lowest-loss point so far, not the last point: a point that
      // falls back and the next that only climbs back again both count as flat (on the default
      // diabetes network the branch went back and forth between l1 50 and 53 for 16 points, at
      // losses from 0.2924 up to 0.3061, before two flat points came in a row; now 5).
      // (a linear model's branch ends at lambdaEnd instead, and keeps no trail)
      state.flatCount = lambdaEnd === 0 && !this.beatsBranchEnd(state, p) ? state.flatCount + 1 : 0;
      const unregularised = ((p.alpha ?? 0) >= 1 - 1e-9 && p.converged)
        || (lambdaEnd > 0 && p.lambda !== null && p.lambda <= lambdaEnd)
        || p.trainLoss <= s.minLossFraction * L0;
      const flat = state.flatCount >= 2 || state.stuckCount >= 3 || (gain >= 0 && gain < s.minLossChange && p.converged);
      const end: BranchEnd | null = unregularised ? 'unregularised' : flat ? 'flat' : state.branchPoints >= s.maxBranchPoints ? 'budget' : null;
      if (end) {
        (state.ends ??= {}).denser = end;
        if (end === 'flat' && this.probesDenseEnd()) state.denseProbe = true;
        else this.switchToSparser(state);
      }
    } else {
      // a fixed-λ step that stalled: MPG steps from the next point on (see sparserTradeoff)
      if (this.sparserTradeoffApplies(state) && moved < FIXED_STALL * spacing) state.sparserMpg = true;
      const end: BranchEnd | null = p.l1 === 0 ? 'all-zero' : state.branchPoints >= s.maxBranchPoints ? 'budget' : null;
      if (state.bridge) {
        // (the probe's point is the lower-loss end now; the bridge's own points may be dominated)
        if (p.l1 <= state.bridge.l1 || p.trainLoss >= state.bridge.loss || state.branchPoints >= s.maxBranchPoints) this.switchToSparser(state);
      } else if (end) {
        (state.ends ??= {}).sparser = end;
        state.phase = 'done';
      }
    }
  }

  /**
   * A full-batch regression network's sparser corrector (not an ε-constraint one) minimises the
   * scalarised problem L + λ‖θ_pen‖₁ by accelerated proximal gradient, at the λ the MPG step reads
   * off the predicted point, instead of taking MPG steps. MPG steps move the point along whatever
   * descent direction both objectives share, and on these fronts they fell into worse basins than
   * a λ fit does (Friedman #1 in its own units, seed 1: loss 0.083·L_null at l1 195, where the
   * sweep's fits have 0.032 at l1 190). Seeds 1–8, train HV (MPG → fixed λ; the sweep): diabetes
   * in its own units, 10 units, 0.7839 → 0.7977 (0.8001); 10,10 units 0.8650 → 0.9014 (0.8962);
   * diabetes standardised 0.8358 → 0.8328 (0.8271); a sparse make_regression target, 20 units,
   * 1.0984 → 1.0901 (1.0558). Seeds 1–4: Friedman #1 in its own units (l1/900) 1.1230 → 1.1406
   * (1.1075), standardised 1.1458 → 1.1513; Friedman #2 and #3 +0.001; raw features 0.5075 →
   * 0.5414. A step that stalls hands the branch back to MPG steps (FIXED_STALL). Returns null
   * where the MPG corrector stays.
   */
  private sparserTradeoff(state: ContinuationState): { lambda: number } | null {
    if (!this.sparserTradeoffApplies(state)) return null;
    const lambda = tradeoff((this.corrector as Corrector).tradeoffAt(this.theta, state.h, null));
    return Number.isFinite(lambda) && lambda > 0 ? { lambda } : null;
  }

  /**
   * The l1 below which a full-batch network's sparser try (predictor and MPG or fixed-λ corrector)
   * stops early, where a point that far is thrown away in any case and its distance changes
   * nothing: at minScale, maxOvershoot spacings from the last point in l1 alone
   * (jumpedPastShortening switches the branch to ε-constraint steps); above it, with a retry
   * left, JUMP_ABORT spacings (overshoot shortens the step by the same tenth wherever the try
   * would have ended). Such a try would otherwise run on to its corrector's end: on Friedman #1
   * (20,20 units, seed 1) the first sparser step from the settled point (l1 108), corrected at a
   * fixed λ, landed at l1 16 and, at minScale, at l1 53 after 1,445 steps, 0.3 s of a 1.3 s path,
   * both thrown away. (MPG tries stop there too; on the classifiers and MNIST measured, seeds
   * 1–4, none reached the floor: their overshoots land within 10 spacings.) Undefined when the
   * try's point may be kept, and for ε-constraint steps, linear models and mini-batches.
   */
  private jumpFloor(state: ContinuationState, spacing: number, retries: number): number | undefined {
    const s = this.settings;
    if (state.phase !== 'sparser' || state.l1Constrained || this.stochastic || linearPath(state)) return undefined;
    const spacings = state.scale <= s.minScale ? s.maxOvershoot : retries < s.maxRetries ? JUMP_ABORT : null;
    return spacings === null ? undefined : state.lastL1 - spacings * spacing * paceScale(state);
  }

  /**
   * Whether the lower-loss branch's point p beats the branch's end so far (its lowest loss, the
   * front's last pair by l1 in the trail before p) at a normalised slope of flatSlope or more, or
   * with a lower loss at no larger l1 (see advance).
   */
  private beatsBranchEnd(state: ContinuationState, p: RawPoint): boolean {
    const [endL1, endLoss] = branchEnd(state.trail!.slice(0, -2));
    const gain = (endLoss - p.trainLoss) / this.problem.nullLoss;
    const cost = (p.l1 - endL1) / state.l1Scale;
    return gain > 0 && (cost <= 0 || gain / cost >= this.settings.flatSlope);
  }

  /** Whether the next sparser step is corrected at a fixed λ (see sparserTradeoff). */
  private sparserTradeoffApplies(state: ContinuationState): boolean {
    return state.phase === 'sparser' && !state.l1Constrained && !state.sparserMpg && !this.stochastic && !linearPath(state) && this.problem.arch.loss === 'mse';
  }

  /** Whether a flat end of the lower-loss branch is checked by a dense probe (see probeDenseEnd). */
  private probesDenseEnd(): boolean {
    return !this.stochastic && this.problem.arch.loss === 'mse' && this.settings.direction !== 'denser' && this.settings.denseProbeEpochs > 0;
  }

  /**
   * The dense probe at a regression network's flat lower-loss end: the sweep's dense fit
   * (denseProbeEpochs of proximal heavy-ball SGD at λ = 0 from the seeded init, ProxFitter). Where
   * the front has a long straight stretch, the flat rule, which measures the slope against the
   * front's own l1, cannot see past it: on diabetes with the target in its own units (10 ReLU
   * units, seed 3) the settled start sat at l1 57.5, loss 0.42·L_null, λ_flat 2.14 (normalised
   * slope 0.02, the rule's threshold by construction), and the lower-loss correctors, pulled back
   * to that trade-off, ended flat at l1 60, while the sweep's front goes on falling at about that
   * slope to 0.30 at l1 337. If the probe's loss is below the end's (the branch's lowest) by at
   * least PROBE_MIN_GAIN target spacings, and the secant from the end to it, with l1 measured
   * against the probe's own l1, is not flat, the probe becomes a point (raw phase 'dense') and
   * the stretch between is walked from it by sparser steps (the bridge, see
   * ContinuationState.bridge); otherwise the sparser branch starts as usual. Measured over seeds
   * 1–8: diabetes raw target, 10 units, train HV (l1/400) 0.758 → 0.784 (the sweep: 0.795), no
   * seed lower; 10,10 units 0.862 → 0.865 (probes kept on 3 seeds: +0.036, −0.002, −0.012, the
   * last one's sparse end coarser on the longer front); standardised targets (diabetes, Friedman
   * #1–#3, a sparse linear target) and raw features: no probe kept, the same fronts. A classifier's
   * loss has no finite dense end to probe (it falls as the weights grow).
   */
  private probeDenseEnd(state: ContinuationState, spacing: number): void {
    const s = this.settings;
    delete state.denseProbe;
    const start = performance.now();
    this.reinit();
    const fit = new ProxFitter(this.k, this.problem, s.penalised).fit(this.theta, 0, s.denseProbeLearningRate, s.denseProbeEpochs, s.seed);
    const report: CorrectorReport = { steps: fit.steps, converged: fit.converged, alpha: 1, stationarity: NaN, relativeStationarity: NaN, startStationarity: NaN, h: state.h };
    const probe = this.measure('dense', state.next, report, (performance.now() - start) / 1000);
    const L0 = this.problem.nullLoss;
    const [endL1, endLoss] = branchEnd(state.trail!);
    const gain = (endLoss - probe.trainLoss) / L0;
    if (!(gain > 0 && gain >= PROBE_MIN_GAIN * spacing && gain / ((probe.l1 - endL1) / probe.l1) >= s.flatSlope)) {
      this.switchToSparser(state);
      return;
    }
    this.switchToSparser(state, { index: probe.index, l1: probe.l1, loss: probe.trainLoss, lambda: 0 });
    state.bridge = { l1: endL1, loss: endLoss };
    state.l1Scale = Math.max(state.l1Scale, probe.l1);
    state.next = probe.index + 1;
    state.trail!.push(probe.l1, probe.trainLoss);
    this.sink(probe, this.theta, state);
  }

  /**
   * The sparser branch starts: from the initial point (the anchor), or from `from` (a dense
   * probe's point, whose bridge walks back first; see probeDenseEnd).
   */
  private switchToSparser(state: ContinuationState, from?: { index: number; l1: number; loss: number; lambda: number }): void {
    if (this.settings.direction === 'denser') {
      state.phase = 'done';
      return;
    }
    state.phase = 'sparser';
    state.branchPoints = 0;
    // (after a bridge: its ε-constraint switch and revivals are its own)
    delete state.bridge;
    delete state.l1Constrained;
    delete state.sparserMpg;
    delete state.revivals;
    // A full-batch network's stationarity floor (see correct) is relative to this branch's own
    // correctors: on a regression network (diabetes, 10,10 ReLU units, target std 77) one
    // lower-loss point that jumped (loss 1,259 → 1,622) set the scale, and the sparse end's
    // correctors then stopped as stationary after 3–4 steps (l1 40 at loss 4,261; train HV 0.821,
    // now 0.847)
    if (!this.stochastic && !linearPath(state)) delete state.sigmaScale;
    state.arc = 0;
    state.scale = 1;
    state.last = from?.index ?? state.anchor;
    delete state.before;
    // the start's own objectives become the reference for the first sparser step
    state.lastLoss = from?.loss ?? state.anchorLoss ?? state.lastLoss;
    state.lastL1 = from?.l1 ?? state.anchorL1 ?? state.lastL1;
    state.lastLambda = from ? from.lambda : state.anchorLambda ?? state.lastLambda;
  }
}

/**
 * A mini-batch point in progress (the json of Continuation's PointCheckpoint): the state as the
 * point's fit started (the dense fit may have set lambdaEnd, l1Scale, h and sigmaScale), the
 * loop's locals, the dense-end walk's fits so far (walkTheta among the tensors) and the
 * stochastic corrector's own snapshot.
 */
interface PointInProgress {
  state: ContinuationState;
  spacing: number;
  retries: number;
  /** Seconds spent on this fit so far (the point's `seconds`, with the walk's). */
  seconds: number;
  initialLambda: number | null;
  walk: DenseWalk | null;
  corrector: Record<string, unknown>;
}

/**
 * Whether `c` is a point in progress this problem's continuation can continue from (see
 * PointInProgress; the corrector's part by readableSnapshot). A file that does not pass is not
 * used: the point restarts.
 */
export function readablePoint(problem: Problem, penalised: number, c: PointCheckpoint): boolean {
  const j = c.json as Partial<Record<keyof PointInProgress, unknown>>;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const walk = j.walk;
  const walkOk = walk === null || (isObject(walk) && isObject(walk.point) && typeof walk.floor === 'number' && typeof walk.seconds === 'number' &&
    c.tensors.walkTheta instanceof Float32Array && c.tensors.walkTheta.length === problem.mlp.layout.size);
  return usesStochasticCorrector(problem) && isObject(j.state) && ['initial', 'sparser', 'denser'].includes(j.state.phase as string) &&
    typeof j.spacing === 'number' && Number.isInteger(j.retries) && typeof j.seconds === 'number' &&
    (j.initialLambda === null || typeof j.initialLambda === 'number') && walkOk &&
    isObject(j.corrector) && readableSnapshot(problem, penalised, { json: j.corrector, tensors: c.tensors });
}

/**
 * ln λ per unit of normalised distance for the stochastic corrector's first step along a branch
 * (afterwards the spacing feedback scales it): 6 makes the default 40 points about 0.25 apart in
 * ln λ, the λ sweep's spacing (59 values over five decades).
 */
const LOG_LAMBDA_PER_DISTANCE = 6;
const MAX_LOG_LAMBDA_STEP = 1;

/** The largest predictor scale whose stochastic λ step stays within MAX_LOG_LAMBDA_STEP. */
function cappedScale(spacing: number): number {
  return MAX_LOG_LAMBDA_STEP / (LOG_LAMBDA_PER_DISTANCE * spacing);
}

/** The smallest share of L_null a network's progress test measures loss moves in (stallLossScale). */
const MIN_STALL_LOSS_SHARE = 1e-3;
/** settleInitial: λ_flat is measured again against the settled point's l1 once that exceeds the scale used by this factor … */
const FLAT_SCALE_GROWTH = 1.1;
/** … at most this many settling runs in all. */
const MAX_FLAT_SETTLES = 4;

/**
 * settleFlat: whether λ_flat is measured again against a settled point's l1 (`l1`) that outgrew
 * the `scale` it was measured against. Only for a squared error, whose loss levels off at the
 * noise's share of the variance: a classifier's keeps falling as its weights grow (rows that can
 * be separated), so a slope measured against its own growing l1 never turns flat and each solve
 * at the lower λ grows it again. On make_classification's 8,000 rows (40 features, 4 classes,
 * 40-20-20-4 ReLU) seeds 2 and 3 went l1 260 → 546 → 695 → 898 over 15,000–17,000 steps (23–25 s),
 * and starting there (test accuracy 81 %) cost the front: over seeds 1–4 train HV 0.8881 in
 * 74.7 s, 0.9100 in 23.9 s without it (the sweep: 0.8991 in 19.3 s). MNIST, digits, breast cancer
 * and wine never measured again; Iris did on 7 of seeds 1–8 (train HV over seeds 1–16 1.0102 →
 * 1.0100).
 */
export function remeasuresFlatScale(loss: LossName, l1: number, scale: number): boolean {
  return loss === 'mse' && l1 > FLAT_SCALE_GROWTH * scale;
}
/**
 * A mini-batch path starts at its dense end, as a linear model's does and as the λ sweep does:
 * the initial corrector solves the scalarised problem at this factor times the MPG trade-off at
 * the random init (a decade below the slope the init sees), and the path is one sparser branch
 * from there. Trained dense and then shrunk, the network keeps lower losses at every l1 than one
 * trained up from a sparse point: on Fashion-MNIST (784-20-20-10) the lower-loss branch from the
 * init's own trade-off ended flat at l1 184, loss 0.337; the dense end at a tenth of it has l1
 * 356, loss 0.283 (at a hundredth, l1 895 and 0.317 after as many passes: the init's weights,
 * l1 780, barely shrink at that λ, and the points above the useful l1 take the point budget).
 */
const DENSE_START = 0.1;
/**
 * Halvings of the step a mini-batch path's initial fits (the first fit and the dense-end walk's,
 * each from the random init) may take once calm, where a warm-started point takes MAX_ANNEAL (2,
 * stochastic-corrector.ts); each halving still has to lower the round's lowest objective by the
 * tolerance. The sparser branch is warm-started point by point from there, so the path inherits
 * how far its start was trained, and a halving at the start is paid once where one at every
 * point is paid 40 times. Fashion-MNIST (784-20-20-10, seeds 1–3, one thread): the start's loss
 * 0.2924 → 0.2898, 0.3067 → 0.3047, 0.3291 → 0.3269 for 88, 77 and 66 more steps, train
 * hypervolume (l1/300) 0.9794 → 0.9837, 0.9757 → 0.9759, 0.9769 → 0.9787 at 7,117 → 7,172,
 * 6,655 → 6,160, 6,809 → 7,447 steps; most of that gain lies at l1 below 50, where the network's
 * collapse at λ ≈ 0.055 lands differently from run to run (±0.002 of HV), the band l1 250–330
 * gained 0.0008, 0.0002, 0.0002. MNIST at batch 500 (seeds 1, 2) is unchanged (its fit stops on
 * the gain rule first); the LeNet-like net's walk (seed 1) now starts at l1 997 instead of 610 and
 * its best test accuracy is 97.1 % (was 97.25 %). A third halving at every point (MAX_ANNEAL 3)
 * gave 0.9797, 0.9779, 0.9737: the points' lower noise let λ run ahead of their l1 in the middle.
 */
export const INITIAL_MAX_ANNEAL = 4;
/**
 * Passes of learning-rate warm-up for the dense-end walk's fits below the first (each from the
 * random init; see StochasticCorrectorSettings.warmupPasses).
 */
const DENSE_WALK_WARMUP = 5;
/**
 * Redos of a network's sparser step (sparserRevived) after which its later steps keep the last
 * point's zeros from their first try. Two, not one: wine's 8-unit net revives weights once at
 * l1 6.7 and once more at its last point, and keeping zeros from the first revival on cost its
 * front 1.0610 → 1.0587 (train HV, l1/30); MNIST's first two are at l1 41 and 34, and with the
 * rule its corrector steps fell 6,240 → 5,551 for the same front (HV 1.1246, 41 points). Small
 * nets revive as often: breast cancer's 8-unit net redid 14, 16 and 11 sparser steps without the
 * rule (seeds 2–4), 2 with it, for fronts of the same quality (largest gaps 0.095, 0.082, 0.099
 * against 0.097, 0.094, 0.079 without).
 */
const REVIVALS_BEFORE_KEEPING_ZEROS = 2;
/**
 * A full-batch network's MPG correctors take heavy-ball steps with at most this momentum (see
 * CorrectorSettings.heavyBall; the settling run at a fixed λ keeps Nesterov's). Together with the
 * secant predictor, MNIST seeds 1–3 at one thread: 4,246 / 4,192 / 3,059 corrector steps → 3,566 /
 * 3,686 / 2,564, train HV 1.1211 / 1.1248 / 1.1153 → 1.1219 / 1.1181 / 1.1160; alone it lost HV
 * (1.1121 / 1.1144 / 1.1128): its correctors stall, and so stop, at higher losses.
 */
const HEAVY_BALL = 0.9;
/**
 * The secant predictor's largest step, in multiples of the last step (see secantPredictor). It
 * starts the sparser correctors closer to the front (MNIST seed 1 at l1 202: loss 0.0135 instead of
 * 0.0190 after the corrector), which is what makes up the heavy ball's loss of HV.
 */
const SECANT_MAX_FACTOR = 2;
/**
 * A full-batch ε-constraint step that overshoots may shorten to this share of minScale. Its l1
 * step comes from the last point's λ, which at a kink is that of the flat stretch before it
 * (Friedman #1 seed 4: λ 0.001 at l1 3.08, then 0.28), so even minScale asked for 0.9 of l1 and the
 * loss rose by 0.14 of L_null.
 */
const EPSILON_SCALE_FLOOR = 0.1;
/**
 * The least loss gain (share of L_null, in target spacings) for which a dense probe becomes a point
 * (see probeDenseEnd). On diabetes in its own units (10 units) two of eight seeds' probes lowered
 * the loss by only 0.012 and 0.014 of L_null (spacing 0.037) at l1 1.7× and 2.1× the end's: kept,
 * they stretched the front's l1 scale, coarsened the sparse end and left a flat gap of 0.3 in
 * l1/400 (train HV 0.7705 → 0.7623 and 0.7679 → 0.7662); the kept ones gained 0.034–0.086.
 */
const PROBE_MIN_GAIN = 0.5;
/**
 * A fixed-λ sparser step that moved less than this share of the spacing hands the rest of the
 * branch back to MPG correctors (see sparserTradeoff): near a steep sparse end the λ read off the
 * predicted point is hardly above the last point's, whose minimiser the fit returns to (diabetes
 * in its own units, seed 3: 24 steps of 0.006·L_null each from l1 9 to 7, 65 front points for 40).
 */
const FIXED_STALL = 0.5;
/**
 * jumpFloor: a fixed-λ try that moved this many spacings in l1 alone stops. overshoot cuts the
 * scale by spacing/moved but by at most a tenth, so a try beyond 10 spacings gets the same retry
 * wherever it would have ended.
 */
const JUMP_ABORT = 10;
/** The factor on λ when an initial point collapsed to w = 0 (a decade per retry; see also settleFlat). */
const INITIAL_LAMBDA_RETRY = 0.1;

/**
 * The l1 scale distances are measured in: the largest l1 so far, or on the lower-loss branch of
 * a linear model the l1 its end is expected at, when that is larger.
 */
function paceScale(state: ContinuationState): number {
  const est = state.phase === 'denser' ? state.l1Estimate ?? 0 : 0;
  return Math.max(state.l1Scale, est, 1e-12);
}

/** The non-dominated (l1, loss) pairs of a flat [l1, loss, l1, loss, …] list, by l1 ascending. */
function frontOf(trail: number[]): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < trail.length; i += 2) pairs.push([trail[i]!, trail[i + 1]!]);
  return nonDominatedPairs(pairs);
}

/**
 * The lower-loss branch's end so far: its lowest loss, the last pair by l1 of the front of a
 * non-empty trail (the last point may be one a corrector left higher).
 */
function branchEnd(trail: number[]): [number, number] {
  return frontOf(trail).at(-1)!;
}

/** A linear model's path: walked from glmnet's end λ = lambdaEnd > 0 (see distance()). */
function linearPath(state: ContinuationState): boolean {
  return (state.lambdaEnd ?? 0) > 0;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The continuation method as a PathMethod, with the settings regpath uses (see README). */
export const continuationMethod: PathMethod = {
  name: 'continuation',
  run(ctx: MethodContext): void {
    const o = ctx.options;
    const settings: ContinuationSettings = {
      seed: o.seed, points: o.points, direction: o.direction, penalised: ctx.penalised,
      // The default MNIST front is about 1.6 long in normalised objectives, but with the default
      // tolerance a quarter to a third of the raw points end up dominated (loosely converged
      // points that a later neighbour beats, the flat dense end), so the spacing aims at 1.28×
      // the target count: 46, 41 and 40+ front points for seeds 1, 2, 3 (target 40). Mini-batch
      // runs keep the reference rule and 1.6.
      arcLength: ctx.problem.fullBatch ? 1.25 : 1.6, h: o.step, accelerate: true,
      // projected momentum needs the exact losses of full batches; on mini-batches the stochastic
      // test run's hypervolume fell from 0.97 ('start') to 0.74 (and to 0.11 with 'step')
      restartBound: ctx.problem.fullBatch ? 'project' : 'start', initialToleranceFactor: 0.2,
      maxInitialSteps: o.maxCorrectorSteps * 5, maxCorrectorSteps: o.maxCorrectorSteps,
      // `--lr`: the seed's CIFAR-10 CNN does not train at 0.1 (loss stays at ln 10 from its first pass)
      stochasticLearningRate: o.learningRate,
      denseProbeEpochs: o.denseEpochs, denseProbeLearningRate: o.learningRate,
      maxPredictorSteps: 100, predictorLearningRate: 0.1, maxOvershoot: 2.5, maxRetries: 3,
      workingSetShare: 0.01, maxWorkingSetShare: 0.85,
      tolerance: o.tolerance, moveTolerance: o.tolerance, flatSlope: 0.02, minLossFraction: 1e-3, minLossChange: 1e-5, lambdaMinRatio: 1e-4, endTolerance: 1e-5, floorShare: 0.1, networkFloorShare: 0.05, gapShare: 1e-3, networkStop: 'either', networkStationarityShare: 0.2, keepZeros: false, stallSlopeFactor: 10,
      maxBranchPoints: o.points * 3, minScale: 0.1, maxScale: 100,
    };
    const c = new Continuation(ctx.k, ctx.problem, settings, ctx.sink as PointSink<ContinuationState>, ctx.pass ?? null);
    const state = ctx.resume ? structuredClone(ctx.resume as ContinuationState) : c.initialState();
    c.run(state, ctx.load, ctx.resumePoint ?? null);
  },
  readsPoint: readablePoint,
};
