import type { Kernels } from '../kernels/kernels.js';
import type { Problem } from '../nn/problem.js';
import type { FirstLayerPlan } from '../nn/mlp.js';
import { MpgSolver, type MpgStep } from '../optim/mpg.js';
import { StationarityTest } from './stationarity.js';
import { l1BallGap } from './linear-metric.js';

/** Relative rounding noise of a float32 forward pass's loss, for the sufficient-decrease test. */
const LOSS_NOISE = 1e-5;

/** Where the corrector is and how it stopped. */
export interface CorrectorReport {
  steps: number;
  converged: boolean;
  /** α* of the last MPG step; the point's local lasso multiplier is (1-α)/α. */
  alpha: number;
  /** σ = ‖y(α*) − z‖/h of the last accepted MPG step (see src/path/stationarity.ts). */
  stationarity: number;
  /** σ / σ at the corrector's start (full batch; NaN on mini-batches). */
  relativeStationarity: number;
  /** σ at the corrector's start (NaN on mini-batches). */
  startStationarity: number;
  /** Step size h after backtracking (carried to the next corrector). */
  h: number;
}

export interface CorrectorSettings {
  /** Initial MPG step size h (backtracking shrinks it, successes grow it back). */
  h: number;
  /** Hard cap on MPG steps. */
  maxSteps: number;
  /**
   * Full batch: 'stationarity' (default), the progress test of mini-batch runs ('move'), or
   * 'either' (networks): stop when σ is met (converged) or when the progress test says the
   * corrector stalled (not converged). On MNIST σ alone took over four times the corrector steps
   * of the progress test: near the dense end σ falls by a factor 3 in 700 steps (see README).
   */
  stop?: 'stationarity' | 'move' | 'either';
  /**
   * With stop 'move' on a full batch: still measure σ against `tolerance`, and report `converged`
   * as whether it was met when the progress test stopped.
   */
  measureStationarity?: boolean;
  /** Full batch: converged when σ ≤ tolerance × σ at the start (see StationarityTest)… */
  tolerance: number;
  /** … or σ ≤ this (see StationarityTest's floor). @default 0 */
  stationarityFloor?: number;
  /** Mini-batch: converged when a check interval moves the point less than this (normalised objectives). */
  moveTolerance: number;
  /** Objective scales for the progress test: loss / lossScale, l1 / l1Scale. */
  lossScale: number;
  l1Scale: number;
  /** Extrapolation θ + (k-1)/(k+2)(θ - θ_prev), kept from making θ denser by `restartBound`. */
  accelerate: boolean;
  /**
   * How the extrapolation is kept from making θ denser. 'step' — the reference rule: undo it
   * (restart the momentum) whenever it would raise ‖θ‖₁ above the current iterate's. Near the
   * front α* ≈ 1, an MPG step barely changes ‖θ‖₁ and almost any extrapolation raises it a
   * little, so this restarts on about every second step and the corrector degrades to plain
   * proximal gradient. 'start' — undo it only when it would raise ‖θ‖₁ above the corrector's
   * starting point's (what mini-batch runs use). 'project' — keep the momentum, and when a step
   * lands above the l1 of the corrector's starting point, project it onto that l1 ball (one
   * soft-threshold) before the descent test. Once the iterates ride that bound (most of the
   * front: the predictor set the l1, the corrector lowers the loss at it) this is accelerated
   * projected gradient, and it reaches several times lower losses in the same steps: on the
   * default MNIST run the corrector at l1 ≈ 110 lowered the loss from 0.29 to 0.17 over 635
   * steps at a steady rate under the 'start' rule, restarting every two or three steps. The
   * corrected point is still no denser than where it began. With it goes a function-value restart (an extrapolated step whose loss
   * exceeds the current iterate's is redone from the iterate), so the loss cannot run away
   * either ('start' has the same restart). The initial corrector (from a dense random init, far
   * from the front) uses 'step'.
   */
  restartBound: 'step' | 'start' | 'project';
  /**
   * Solve the scalarised problem at this fixed α (λ = (1−α)/α) instead of taking MPG steps:
   * accelerated proximal gradient on L + λ‖θ_pen‖₁ (FISTA with function-value restarts on that
   * objective, no l1 bound). A linear model's path starts here, at glmnet's end λ = 1e-4·λ_max.
   */
  fixedAlpha?: number;
  /**
   * Keep the weights that are exactly 0 at the start at 0: the MPG steps act on the other
   * weights alone (their gradient is zeroed at the kept zeros). Without such a bound, at MNIST's
   * sparse end the MPG steps revived 158 weights at |w| ≈ 4e-5 between two points with 10 non-zeros.
   */
  keepZeros?: boolean;
  /**
   * Full batch, stationarity stop: also require the Frank–Wolfe gap of the loss on the l1 ball
   * through the point (src/path/linear-metric.ts, l1BallGap) to be at most this, in loss units.
   */
  gapTolerance?: number;
  /** Keep at 0 the weights that are exactly 0 in this vector (e.g. the last point of the path) instead. */
  keepZerosOf?: Float32Array;
  /**
   * Full batch, 'project' bound, MPG steps (no fixed α): heavy-ball steps with momentum
   * β = min(heavyBall, (k-1)/(k+2)) instead of Nesterov's: y = MPG step from θ + β(θ − θ_prev) with
   * the gradient at θ, tested by L(y) ≤ L(θ) + gᵀ(y−θ) + ‖y−θ‖²/(2h) (the inertial proximal method
   * iPiano of Ochs, Chen, Brox & Pock, SIAM J. Imaging Sci. 2014, with backtracking). The accepted
   * y's forward pass is the next step's, so a step costs one forward and one backward pass, as a
   * sweep step does, where Nesterov's needs a second forward at the extrapolated point: on the
   * default MNIST net 5.9 against 7.0–7.7 ms per step at one thread (the sweep's 5.3).
   */
  heavyBall?: number;
  /**
   * Full batch: the ε-constraint problem instead of a Pareto-critical point: minimise L(θ) over
   * ‖θ_pen‖₁ ≤ l1Bound by accelerated projected gradient (FISTA on L with every candidate
   * projected onto the ball, the projected-gradient descent test and σ the norm of the
   * projected-gradient map), from θ projected into the ball. Every Pareto-optimal point solves it
   * for its own l1, also where the front is not convex. The reported α is the MPG step's α* at the
   * end (one more gradient). Overrides fixedAlpha and restartBound.
   */
  l1Bound?: number;
  /**
   * Stop (not converged) as soon as an accepted step's ‖θ_pen‖₁ falls below this: the caller
   * throws away a point that far in any case, so the rest of the run would be wasted.
   */
  minL1?: number;
}

/**
 * The corrector: accelerated multiobjective proximal gradient steps that move θ to a
 * Pareto-critical point dominating it (both objectives go down).
 *
 * Full batch: it stops when the MPG step norm σ (src/path/stationarity.ts) has fallen to
 * `tolerance` × its value at the corrector's start, so `converged` means the point is stationary
 * for the scalarised problem at its own λ to that relative accuracy, on any data size or target
 * scale. σ is read off each accepted step, i.e. at the extrapolated point z the step started
 * from; y = prox(z − h·α∇L(z)) becomes θ, and the prox-gradient map is Lipschitz, so σ(θ) is
 * within a constant factor of σ(z), and equal to it whenever the momentum restarts.
 * Mini-batches: batch gradients give a noisy σ, so every check interval (one epoch, at least 5
 * steps) it measures how far the point moved in normalised objectives and stops when that, and
 * the distance still to go extrapolated from the rate of convergence, fall below `moveTolerance`.
 *
 * The step size is found by backtracking on the batch:
 *   L(y) ≤ L(z) + ω1 + ‖y - z‖²/(2h)
 * (the quadratic upper bound that makes the MPG step a descent step for both objectives);
 * a non-finite loss counts as a failed test, which is how a diverging step is caught.
 */
export class Corrector {
  private readonly mpg: MpgSolver;
  private readonly z: Float32Array;
  private readonly y: Float32Array;
  private readonly prev: Float32Array;
  private readonly grad: Float32Array;
  /** Heavy-ball steps: the point θ + β(θ − θ_prev) the MPG step starts from. */
  private readonly base: Float32Array;

  /**
   * `mpg`: the MPG step and the metric it is measured in (a linear model's: LinearMetric,
   * src/path/linear-metric.ts); Euclidean by default.
   */
  constructor(private readonly k: Kernels, private readonly problem: Problem, private readonly penalised: number, mpg?: MpgSolver) {
    const n = problem.mlp.layout.size;
    this.mpg = mpg ?? new MpgSolver(k);
    this.z = k.alloc(n);
    this.y = k.alloc(n);
    this.prev = k.alloc(n);
    this.grad = k.alloc(n);
    this.base = k.alloc(n);
  }

  run(theta: Float32Array, s: CorrectorSettings): CorrectorReport {
    const { k, problem, penalised: p } = this;
    const n = theta.length;
    const { z, y, prev, grad } = this;
    const bound = problem.fullBatch ? s.l1Bound : undefined;
    if (bound !== undefined) this.mpg.projectOntoL1Ball(theta, p, bound);
    prev.set(theta);
    // probe a larger step first: a corrector that inherits a step shrunk by an earlier, harder
    // stretch of the path would otherwise crawl and pass the progress test without converging
    let h = 4 * s.h;
    let momentumK = 0;
    let accepted = 0;
    let alpha = 1;
    let stationarity = Infinity;
    const stop = s.stop ?? 'stationarity';
    const test = problem.fullBatch && (stop !== 'move' || s.measureStationarity) ? new StationarityTest(s.tolerance, s.stationarityFloor ?? 0) : null;
    // 'either': the progress test ends a corrector that stalls before σ is met (not converged)
    const progress = stop !== 'stationarity' || !test;
    const stopOnSigma = test !== null && stop !== 'move';
    let startStationarity = NaN;
    // (an ε-constraint run is FISTA on L alone, α = 1, its candidates projected onto the ball)
    const fixed = bound !== undefined ? 1 : s.fixedAlpha ?? null;
    const zeros = s.keepZerosOf ? zeroIndices(s.keepZerosOf, p) : s.keepZeros ? zeroIndices(theta, p) : null;
    // the objective the function-value restart watches: L, or L + λ‖θ_pen‖₁ at a fixed α
    const lambdaFixed = fixed === null ? 0 : (1 - fixed) / fixed;
    const checkEvery = Math.max(5, problem.stepsPerEpoch);
    const l1Start = k.l1Norm(p, theta);
    // Full batch: the first step starts from θ itself (no momentum yet), so its loss is θ's
    // training loss, and the progress test's first reference is taken from it (below) instead of
    // from a forward pass of its own (one per corrector: 2 % of the default MNIST run's CPU time).
    let lastCheck: [number, number] = problem.fullBatch ? [NaN, NaN] : this.objectives(theta, s, null);
    /** The loss at θ (the batch loss of its accepted step; the training loss at the start). */
    let thetaLoss = lastCheck[0] * s.lossScale + lambdaFixed * l1Start;
    let lastLoss = NaN;
    /** The batch loss L(y) of the last accepted step, without a fixed α's penalty term. */
    let acceptedLoss = NaN;
    let prevMove = Infinity;
    // at least three checks: the extrapolation needs a few steps to build up speed, and the
    // first intervals' moves say little about the rate
    let checks = 0;
    let converged = false;
    // Full batch: θ's forward pass (the accepted line-search point's) is still in the network's
    // buffers after a step, so a step that starts from θ itself needs only the backward pass.
    let thetaForwardKept = false;
    // Full batch: the first-layer products X·W1 of θ and θ_prev stay in the network's slots (-1:
    // none), so the extrapolated z = (1+β)θ - βθ_prev gets its product as their combination, and
    // θ's product is reused after a restart (see FirstLayerPlan). The line search's candidate y
    // saves its product in the third slot and, when accepted, becomes θ.
    // Heavy ball: the gradient is taken at z = θ, the step starts from base = θ + β(θ − θ_prev)
    const heavy = s.heavyBall !== undefined && problem.fullBatch && s.restartBound === 'project' && fixed === null;
    // A heavy-ball step never extrapolates the product (its gradient point is θ, whose forward
    // pass is kept or whose gradient is), so it saves none: copying every candidate's product
    // (8,000 × 20 floats on MNIST) into a slot nobody read was 1–2 % of the default run.
    const slots = problem.fullBatch && !heavy;
    let thetaSlot = -1, prevSlot = -1;
    const base = heavy ? this.base : z;
    /** Heavy ball after a function-value restart: L(θ), whose gradient is still in `grad` (else NaN). */
    let keptGradientLoss = NaN;
    let step = 0;
    for (; step < s.maxSteps; step++) {
      // extrapolate
      momentumK++;
      const nesterov = s.accelerate ? (momentumK - 1) / (momentumK + 2) : 0;
      const beta = heavy ? Math.min(s.heavyBall!, nesterov) : nesterov;
      z.set(theta);
      let extrapolated = false;
      if (heavy) {
        base.set(theta);
        if (beta > 0) {
          k.axpy(n, beta, theta, base);
          k.axpy(n, -beta, prev, base);
        }
      } else if (beta > 0) {
        k.axpy(n, beta, theta, z);
        k.axpy(n, -beta, prev, z);
        const bound = s.restartBound === 'step' ? k.l1Norm(p, theta) : l1Start;
        if (fixed === null && s.restartBound !== 'project' && k.l1Norm(p, z) > bound) {
          z.set(theta);
          momentumK = 0;
        } else {
          extrapolated = true;
        }
      }
      const batch = problem.nextBatch();
      const reuse = thetaForwardKept && !extrapolated;
      const keptGradient = !Number.isNaN(keptGradientLoss);
      let plan: FirstLayerPlan | null = null;
      if (slots && !reuse && !keptGradient) {
        if (!extrapolated) plan = thetaSlot >= 0 ? { combine: { a: 1, sa: thetaSlot, b: 0, sb: thetaSlot } } : { save: (thetaSlot = freeSlot(prevSlot, -1)) };
        else if (thetaSlot >= 0 && prevSlot >= 0) plan = { combine: { a: 1 + beta, sa: thetaSlot, b: -beta, sb: prevSlot } };
      }
      const lz = keptGradient ? keptGradientLoss : problem.lossAndGradient(z, batch, grad, reuse, plan);
      keptGradientLoss = NaN;
      thetaForwardKept = false;
      if (problem.fullBatch && Number.isNaN(lastCheck[0]) && !extrapolated && Number.isFinite(lz)) {
        lastCheck = [lz / s.lossScale, l1Start / s.l1Scale];
        thetaLoss = lz + lambdaFixed * l1Start;
      }
      // Kept zeros: the MPG step on the free weights alone (z is 0 there, and with a 0 gradient
      // y stays 0). Zeroing them in y after a full step instead broke the step's descent property
      // (gᵀ(y−z) could turn positive, so the loss rose while l1 fell: MNIST's sparser branch
      // jumped to w = 0).
      if (zeros) for (let i = 0; i < zeros.length; i++) grad[zeros[i]!] = 0;
      if (!Number.isFinite(lz)) {
        // the extrapolated point itself blew up: drop momentum and retry from θ
        momentumK = 0;
        h /= 2;
        continue;
      }
      let ok = false;
      for (let tries = 0; tries < 40; tries++) {
        // the last step's α* is a close guess of this one's (see MpgSolver.step)
        const r = fixed === null ? this.mpg.step(base, grad, p, h, y, undefined, step > 0 ? alpha : null) : this.proxStep(z, grad, h, fixed, y);
        // The ball the candidate must stay in: the ε-constraint's, or for MPG steps under the
        // 'project' rule the start's l1 (momentum carried the step past it). A projected candidate
        // is tested in the projected-gradient form of the descent test, and so is every heavy-ball
        // step (its test is taken at θ, where the gradient is, not at the step's base).
        const radius = bound ?? (fixed === null && s.restartBound === 'project' ? l1Start : undefined);
        const projected = radius !== undefined && k.l1Norm(p, y) > radius;
        if (projected) this.mpg.projectOntoL1Ball(y, p, radius);
        if (projected || heavy || bound !== undefined) {
          r.omega1 = dotDiff(grad, y, z);
          r.stepNormSq = this.mpg.distanceSquared(y, z);
          // (σ of an ε-constraint run: the norm of the projected-gradient map)
          if (bound !== undefined) r.stationarity = Math.sqrt(r.stepNormSq) / h;
        }
        const ly = problem.lossAndGradient(y, batch, null, false, slots ? { save: freeSlot(thetaSlot, prevSlot) } : null);
        // The slack is float32 rounding of the loss: without it, near convergence (where the
        // bound's terms are smaller than that noise) the test fails spuriously and h collapses.
        // (a fixed α's step on L has length hα, hence the bound's hα)
        if (Number.isFinite(ly) && ly <= lz + r.omega1 + r.stepNormSq / (2 * h * (fixed ?? 1)) + LOSS_NOISE * Math.abs(lz)) {
          alpha = r.alpha;
          stationarity = r.stationarity;
          if (test && !test.started) test.begin((startStationarity = stationarity));
          acceptedLoss = ly;
          lastLoss = ly + (fixed === null ? 0 : lambdaFixed * k.l1Norm(p, y));
          ok = true;
          break;
        }
        h /= 2;
        accepted = 0;
      }
      if (!ok) break;
      if ((extrapolated || (heavy && beta > 0)) && (s.restartBound !== 'step' || fixed !== null) && lastLoss > thetaLoss) {
        // Function-value restart (O'Donoghue & Candès): the extrapolated step raised the loss
        // above the current iterate's, so momentum carries the point the wrong way (towards the
        // all-zero network, a Pareto-critical point of every deep net). Redo the step from θ
        // (a heavy-ball step took its gradient at θ: it is still in `grad`).
        momentumK = 0;
        if (heavy) keptGradientLoss = lz;
        continue;
      }
      thetaForwardKept = problem.fullBatch;
      if (slots) {
        const ySlot = freeSlot(thetaSlot, prevSlot);
        prevSlot = thetaSlot;
        thetaSlot = ySlot;
      }
      thetaLoss = lastLoss;
      prev.set(theta);
      theta.set(y);
      if (s.minL1 !== undefined && k.l1Norm(p, theta) < s.minL1) {
        step++;
        break;
      }
      if (++accepted >= 5) {
        h *= 1.25;
        accepted = 0;
      }
      // a few steps first: the first ones after a predictor can be tiny when h is too large
      if (stopOnSigma && step >= 2 && test.met(stationarity) && !(l1BallGap(grad, z, p) > (s.gapTolerance ?? Infinity))) {
        converged = true;
        step++;
        break;
      }
      if (progress && (step + 1) % checkEvery === 0) {
        // Full batch: the accepted step's loss is already the training loss at θ, also at a fixed
        // α (the initial point's settling run, where a forward pass of θ every five steps was 2.3 %
        // of the default MNIST run's CPU time).
        const now = this.objectives(theta, s, problem.fullBatch ? acceptedLoss : null);
        const move = Math.hypot(now[0] - lastCheck[0], now[1] - lastCheck[1]);
        lastCheck = now;
        // A small move alone can mean slow convergence, not arrival. With linear convergence at
        // rate r = move/prevMove per interval the distance still to go is move·r/(1-r); stop
        // only when that estimate is small too.
        // (no move at all: a fixed point, e.g. w = 0 of a deep net, where the ratio is 0/0)
        const r = move === 0 ? 0 : move / prevMove;
        const remaining = Number.isFinite(prevMove) && r < 1 ? (move * r) / (1 - r) : Infinity;
        prevMove = move;
        if (++checks >= 3 && move < s.moveTolerance && remaining < s.moveTolerance) {
          converged = test ? test.met(stationarity) : true;
          step++;
          break;
        }
      }
    }
    const relativeStationarity = test ? test.relative(stationarity) : problem.fullBatch ? stationarity / startStationarity : NaN;
    if (bound !== undefined) alpha = this.tradeoffAt(theta, h, zeros);
    return { steps: step, converged, alpha, stationarity, relativeStationarity, startStationarity, h };
  }

  /** α* of the MPG step at θ (the point's local trade-off), from one more full-batch gradient. */
  tradeoffAt(theta: Float32Array, h: number, zeros: Int32Array | null): number {
    const { problem, grad, y } = this;
    const loss = problem.lossAndGradient(theta, problem.nextBatch(), grad);
    if (!Number.isFinite(loss)) return NaN;
    // (as every MPG step of a corrector that keeps zeros: on the free weights alone)
    if (zeros) for (let i = 0; i < zeros.length; i++) grad[zeros[i]!] = 0;
    return this.mpg.step(theta, grad, this.penalised, h, y).alpha;
  }

  /** One proximal gradient step on L + λ‖θ_pen‖₁ at a fixed α, reported like an MPG step. */
  private proxStep(z: Float32Array, g: Float32Array, h: number, alpha: number, y: Float32Array): MpgStep {
    const { k, penalised: p } = this;
    this.mpg.write(z, g, p, h, alpha, y);
    const sq = this.mpg.distanceSquared(y, z);
    return { alpha, omega1: dotDiff(g, y, z), omega2: k.l1Norm(p, y) - k.l1Norm(p, z), stationarity: Math.sqrt(sq) / h, stepNormSq: sq };
  }

  private objectives(theta: Float32Array, s: CorrectorSettings, knownLoss: number | null): [number, number] {
    const loss = knownLoss ?? this.problem.evaluate(theta).loss;
    return [loss / s.lossScale, this.k.l1Norm(this.penalised, theta) / s.l1Scale];
  }
}

/** Indices of the exact zeros among the first p entries of θ. */
function zeroIndices(theta: Float32Array, p: number): Int32Array {
  let n = 0;
  for (let i = 0; i < p; i++) if (theta[i] === 0) n++;
  const out = new Int32Array(n);
  for (let i = 0, j = 0; i < p; i++) if (theta[i] === 0) out[j++] = i;
  return out;
}

/** The first-layer slot (of three) that is neither a nor b (-1: unused). */
function freeSlot(a: number, b: number): number {
  for (let i = 0; ; i++) if (i !== a && i !== b) return i;
}

/** gᵀ(y - z), in doubles. */
function dotDiff(g: Float32Array, y: Float32Array, z: Float32Array): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! * (y[i]! - z[i]!);
  return s;
}
