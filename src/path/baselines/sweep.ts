import { measurePoint, type MethodContext, type PathMethod } from '../method.js';
import { fitEpochs, pointSeed } from './fit.js';
import { initNetwork, settleIfZero, zeroNetwork } from '../../nn/problem.js';
import { spacedSweep } from './spaced-sweep.js';
import { DEVIANCE_CHANGE, DEVIANCE_EXPLAINED, MIN_POINTS, ZERO_L2, setUpSweep, sweepLambdaMax } from './sweep-rules.js';

/** Saved with every point; a resumed sweep goes on from the next λ. */
export interface SweepState {
  /** 'down': linear model, λ_max → λ_min from w = 0; 'up': network, dense fit then λ_min → zero. */
  direction: 'down' | 'up';
  /** Raw index of the next point. */
  next: number;
  /** Grid position of the next fit (-1: the dense pre-training of a network). */
  j: number;
  /** Raw index of the point the next fit warm-starts from (-1: none yet). */
  last: number;
  lambdaMax: number;
  /** Learning rate (halved for good when a fit diverged). */
  lr: number;
  lastLoss: number | null;
  lastL1?: number;
  /** l2 paths: the largest ‖θ_pen‖² so far (the reference of the zero test). */
  lastL2?: number;
  done: boolean;
}

/**
 * The λ sweep with warm starts (glmnet, scikit-learn lasso_path, LassoNet).
 *
 * By default its λ steps are sized for `--points` front points (spaced-sweep.ts). With
 * `--nlambda N`, glmnet's fixed grid: N values, geometric from λ_max down to λ_max·lambdaMinRatio. Every fit is proximal
 * SGD (momentum 0.9, soft-threshold lr·λ/(1-0.9) per step) for at most fitEpochs epochs, warm-started
 * from the previous point.
 *
 * - Linear model (glmnet's direction): from w = 0 at λ_max (exact, see lambdaMax) down the grid;
 *   the path ends early when the deviance ratio 1 - L/L_null changes by less than 1e-5
 *   (relative) or passes 0.999, as glmnet does.
 * - Network (LassoNet's direction): w = 0 is a saddle that gradient steps never leave, so the
 *   sweep starts dense — denseEpochs of SGD from the seeded initialisation (the λ = 0 point) —
 *   and walks the grid upwards, λ_max·ratio → λ_max, then on past λ_max by the same factor (at
 *   most nlambda more values) until every weight is zero; if they never all are, the exact
 *   all-zero network is added as the last point. The path ends early once the network is zero.
 */
export const sweepMethod: PathMethod = {
  name: 'sweep',
  run(ctx: MethodContext): void {
    if (ctx.options.nlambda === null) spacedSweep(ctx);
    else gridSweep(ctx, ctx.options.nlambda);
  },
};

function gridSweep(ctx: MethodContext, n: number): void {
  const sweep = setUpSweep(ctx);
  const { k, problem, o, penalised, layout, theta, penalty, fitter, L0 } = sweep;
  const ratio = o.lambdaMinRatio;
  let s: SweepState;
  if (ctx.resume) {
    s = structuredClone(ctx.resume as SweepState);
  } else {
    const direction = layout.depth === 1 ? 'down' : 'up';
    const lmax = sweepLambdaMax(sweep);
    s = { direction, next: 0, j: direction === 'up' ? -1 : 0, last: -1, lambdaMax: lmax, lr: o.learningRate, lastLoss: null, done: false };
  }
  // l2: the largest ‖θ_pen‖² of the path so far (a resumed run starts from its last point's)
  let largestL2 = 0;
  // λ of grid position j: down = λ_max·ratio^(j/(n-1)); up = the same grid reversed, then beyond λ_max
  const lambdaAt = (j: number): number => s.direction === 'down'
    ? s.lambdaMax * ratio ** (j / (n - 1))
    : s.lambdaMax * ratio ** (1 - j / (n - 1));
  while (!s.done) {
    const start = performance.now();
    const index = s.next;
    let lambda: number;
    let phase = 'sweep';
    let report = { steps: 0, converged: true, lr: s.lr };
    if (s.direction === 'up' && s.j >= 2 * n - 1) {
      // the grid ran out before the network reached zero: the exact sparse end closes the front
      zeroNetwork(problem, penalised, theta);
      lambda = lambdaAt(s.j);
      phase = 'zero';
    } else {
      if (s.last >= 0) theta.set(ctx.load(s.last));
      else if (s.direction === 'down') zeroNetwork(problem, penalised, theta);
      else initNetwork(problem, o.seed, theta);
      if (s.j < 0) {
        lambda = 0;
        phase = 'dense';
        report = fitter.fit(theta, 0, s.lr, o.denseEpochs, pointSeed(o.seed, index));
      } else {
        lambda = lambdaAt(s.j);
        report = fitter.fit(theta, lambda, s.lr, fitEpochs(o, problem), pointSeed(o.seed, index));
      }
    }
    if (penalty.name === 'l2') {
      const l2 = penalty.value(k, penalised, theta);
      largestL2 = Math.max(largestL2, l2, s.lastL2 ?? 0);
      if (l2 <= ZERO_L2 * largestL2) zeroNetwork(problem, penalised, theta);
    }
    settleIfZero(problem, penalised, theta);
    const point = measurePoint(problem, theta, penalised, {
      index, phase, lambda: phase === 'zero' ? null : lambda, steps: report.steps, converged: report.converged,
      seconds: (performance.now() - start) / 1000,
    }, penalty.name);
    const prevLoss = s.lastLoss;
    const prevL1 = s.lastL1;
    s = { ...s, next: index + 1, j: s.j + 1, last: index, lr: report.lr, lastLoss: point.trainLoss, lastL1: point.l1 };
    if (penalty.name === 'l2') s.lastL2 = largestL2;
    if (s.direction === 'down') {
      const dev = 1 - point.trainLoss / L0;
      const prevDev = prevLoss === null ? 0 : 1 - prevLoss / L0;
      // (the change test only once the model has left w = 0: before, dev is float rounding)
      s.done = s.j >= n || dev > DEVIANCE_EXPLAINED ||
        (s.j >= MIN_POINTS && point.l1 > 0 && (prevL1 ?? 0) > 0 && dev - prevDev < DEVIANCE_CHANGE * dev);
    } else {
      s.done = phase === 'zero' || (phase !== 'dense' && point.l1 === 0);
    }
    ctx.sink(point, theta, s);
  }
  k.free(theta);
}
