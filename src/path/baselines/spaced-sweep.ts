import { measurePoint, type MethodContext } from '../method.js';
import type { RawPoint } from '../types.js';
import { fitEpochs, pointSeed } from './fit.js';
import { initNetwork, settleIfZero, zeroNetwork } from '../../nn/problem.js';
import { DEVIANCE_CHANGE, DEVIANCE_EXPLAINED, MIN_POINTS, ZERO_L2, setUpSweep, sweepLambdaMax, type Sweep } from './sweep-rules.js';
import { nonDominated, nonDominatedPairs } from '../../metrics/front.js';

/**
 * The λ sweep with its λ steps sized for `--points` front points (the default; `--nlambda N`
 * gives glmnet's fixed grid instead, sweep.ts).
 *
 * A fixed geometric grid puts its points where λ is, not where the front is: on a network most of
 * a 100-value grid lands on the flat dense end (67 front points for 5 asked), on a linear model
 * the path stops early wherever the least-squares end lies. Here each step in log λ is resized
 * after every fit by wanted/achieved distance (damped to ×2 or ÷2), where the distance between
 * neighbours is the Manhattan distance in normalised objectives,
 *
 *     d = |Δloss|/L_null + |ΔP|/P_ref,
 *
 * P = ‖θ_pen‖₁ (or ‖θ_pen‖² for l2) and P_ref its value at the dense end. Along a monotone front
 * the Manhattan length is exactly (L_null − L_dense)/L_null + 1, so the wanted distance is that
 * over (points − 1) and the count comes out right whatever the data's units; after each point
 * the wanted distance is what is left of that length over the points left (at least a quarter of
 * the first one), so early overshoots are made up for; a linear model's steps also cover at least
 * their share of the log-λ range left. The dense end is
 * known before the path starts: a network's path starts there (the dense fit); a linear model's
 * is fitted first, from w = 0 down to λ_max·lambdaMinRatio in PILOT_STAGES warm-started fits
 * (not reported).
 * - A fit that moved less than half the wanted distance from the last reported point is not
 *   reported; the path carries on from it with a longer step.
 * - A fit that moved more than MAX_JUMP wanted distances is redone from where it started (the
 *   previous fit) with a step shortened in proportion (at most MAX_RETRIES times), so the front
 *   has no holes.
 * - A network's sweep then fills its front to FILL_SHARE of the points between the neighbours
 *   furthest apart (see fill): the fits just before w = 0 jump over a stretch no λ reaches.
 * Every fit reseeds its batches from (seed, fit number) and the state saved with each reported
 * point holds the step and the fit number, so a resumed run repeats the uninterrupted one exactly.
 */

/** A jump beyond this many wanted distances is redone with a shorter step … */
const MAX_JUMP = 2.5;
/** … at most this many times per point. */
const MAX_RETRIES = 3;
/**
 * A network's l1 path has jumps where a layer collapses to zero at once (Iris 4-4-4-3 tanh: three
 * jumps took a third of the front's length), which no step size fills, so its budget of points
 * aims this much higher (40 asked: 28 points without, 33 with). Weight decay fades smoothly.
 */
const NETWORK_AIM = 1.2;
/** The linear model's dense end is fitted through this many λ values, each warm-started from the last. */
const PILOT_STAGES = 4;
/** Fits closer than this share of the wanted distance to the last reported point are not reported. */
const MIN_MOVE = 0.5;

export interface SpacedSweepState {
  direction: 'down' | 'up';
  /** Raw index of the next reported point. */
  next: number;
  /** Fits done so far (seeds the batch stream of the next one). */
  fits: number;
  /** Raw index of the last reported point (-1: none yet). */
  last: number;
  lambdaMax: number;
  /** λ of the last reported point (0 for the dense fit). */
  lambda: number;
  /** Current step in ln λ. */
  step: number;
  lr: number;
  /** Loss and penalty value of the last reported point. */
  lastLoss: number;
  lastP: number;
  /** P and the loss at the dense end, and the initial wanted distance (normalised Manhattan). */
  pRef: number;
  lossEnd: number;
  wanted: number;
  done: boolean;
  /**
   * (P, loss) of the reported points no later one dominates. A network's fit can find a lower
   * loss at a smaller l1 than the fits before it (they stopped on their epoch cap), and those
   * drop off the front; the points left to report are counted against these, not against every
   * reported point. Absent in runs saved before it (they count every reported point).
   */
  front?: Array<[number, number]>;
  /**
   * A network's reported points as [raw index, λ, P, loss] (for the fill pass), and the pairs of
   * front neighbours (by raw index, "a-b") the fill pass already tried. Absent in runs saved before.
   */
  reported?: Array<[number, number | null, number, number]>;
  tried?: string[];
}

export function spacedSweep(ctx: MethodContext): void {
  const sweep = setUpSweep(ctx);
  const { k, problem, o, penalised, layout, theta, penalty, fitter, L0 } = sweep;
  const epochs = fitEpochs(o, problem);
  const P = (): number => penalty.value(k, penalised, theta);
  const sink = (point: RawPoint, state: SpacedSweepState): void => ctx.sink(point, theta, state);

  let s: SpacedSweepState;
  if (ctx.resume) {
    s = structuredClone(ctx.resume as SpacedSweepState);
    theta.set(ctx.load(s.last));
  } else {
    const lmax = sweepLambdaMax(sweep);
    const step = Math.log(1 / o.lambdaMinRatio) / (o.points - 1);
    const start = performance.now();
    if (layout.depth === 1) {
      // linear (glmnet's direction): the dense end first, to size the steps; then from w = 0 at λ_max down
      zeroNetwork(problem, penalised, theta);
      let end = { lr: o.learningRate };
      // warm-started in PILOT_STAGES geometric stages: one cold fit at λ_min stops short of it
      for (let i = 1; i <= PILOT_STAGES; i++) {
        end = fitter.fit(theta, lmax * o.lambdaMinRatio ** (i / PILOT_STAGES), end.lr, epochs, pointSeed(o.seed, 0));
      }
      const pRef = P();
      const lossEnd = problem.evaluate(theta).loss;
      zeroNetwork(problem, penalised, theta);
      s = {
        direction: 'down', next: 0, fits: 1, last: -1, lambdaMax: lmax, lambda: lmax, step, lr: end.lr,
        lastLoss: L0, lastP: 0, pRef, lossEnd, wanted: wanted(L0, lossEnd, o.points), done: false,
      };
      const point = measurePoint(problem, theta, penalised, {
        index: 0, phase: 'sweep', lambda: lmax, steps: 0, converged: true, seconds: (performance.now() - start) / 1000,
      }, penalty.name);
      s = { ...s, next: 1, last: 0, lastLoss: point.trainLoss, front: [[0, point.trainLoss]] };
      sink(point, s);
    } else {
      // network (LassoNet's direction): the dense fit, then λ up from λ_max·ratio until every weight is zero
      initNetwork(problem, o.seed, theta);
      const r = fitter.fit(theta, 0, o.learningRate, o.denseEpochs, pointSeed(o.seed, 0));
      const point = measurePoint(problem, theta, penalised, {
        index: 0, phase: 'dense', lambda: 0, steps: r.steps, converged: r.converged, seconds: (performance.now() - start) / 1000,
      }, penalty.name);
      const pRef = Math.max(P(), Number.MIN_VALUE);
      s = {
        direction: 'up', next: 1, fits: 1, last: 0, lambdaMax: lmax,
        // so that the first fit is at λ_max·ratio
        lambda: lmax * o.lambdaMinRatio * Math.exp(-step), step, lr: r.lr,
        lastLoss: point.trainLoss, lastP: pRef, pRef, lossEnd: point.trainLoss, wanted: wanted(L0, point.trainLoss, o.points), done: false,
        front: [[pRef, point.trainLoss]], reported: [[0, 0, pRef, point.trainLoss]], tried: [],
      };
      sink(point, s);
    }
  }

  const up = s.direction === 'up';
  const lambdaMin = s.lambdaMax * o.lambdaMinRatio;
  // the last grid value a network's sweep tries before it closes the front with the exact zero network
  const lambdaTop = s.lambdaMax / o.lambdaMinRatio;
  let lambda = s.lambda; // λ of the fit θ holds (the last reported point, or an unreported one after it)
  const before = k.alloc(layout.size); // θ before the current fit, for a retry
  let retries = 0;
  while (!s.done) {
    const start = performance.now();
    before.set(theta);
    let next = lambda * Math.exp(up ? s.step : -s.step);
    const atEnd = up ? next > lambdaTop : next <= lambdaMin;
    if (!up && atEnd) next = lambdaMin;
    let point: RawPoint;
    if (up && atEnd) {
      // the weights never all reached zero: the exact sparse end closes the front
      zeroNetwork(problem, penalised, theta);
      point = measurePoint(problem, theta, penalised, { index: s.next, phase: 'zero', lambda: null, steps: 0, converged: true, seconds: 0 }, penalty.name);
    } else {
      const fit = sweepFit(sweep, s, next, start);
      s = { ...s, fits: s.fits + 1, lr: fit.lr };
      point = fit.point;
    }
    const pNow = penaltyValue(point, penalty.name);
    const d = Math.abs(point.trainLoss - s.lastLoss) / L0 + Math.abs(pNow - s.lastP) / s.pRef;
    // the wanted distance is what is left of the front over the points left to report (at least
    // a quarter of the initial one): an overshoot early on is made up for later
    const remaining = up ? (L0 - s.lastLoss) / L0 + s.lastP / s.pRef : (s.lastLoss - s.lossEnd) / L0 + (s.pRef - s.lastP) / s.pRef;
    const left = Math.round((up && penalty.name === 'l1' ? NETWORK_AIM : 1) * o.points) - (s.front?.length ?? s.next);
    const wantedNow = Math.max(left > 0 ? remaining / left : 0, s.wanted / 4);
    const ratio = d / wantedNow;
    const zero = point.nonzeros === 0;
    const dev = 1 - point.trainLoss / L0;
    const prevDev = 1 - s.lastLoss / L0;
    // glmnet's early end (linear models): little deviance left to explain, or it stopped changing
    const flat = !up && (dev > DEVIANCE_EXPLAINED || (s.next >= MIN_POINTS && s.lastP > 0 && dev - prevDev < DEVIANCE_CHANGE * dev));
    const last = (up && (zero || atEnd)) || (!up && (atEnd || flat));
    // past the pilot's l1 (it stopped short of the dense end, as on separable data, where l1 grows
    // like log(1/λ)), each step down covers at least its share of the log-λ range left, so the
    // distances, inflated by the short P_ref, cannot inflate the count
    const share = up || s.lastP <= s.pRef ? 0 : Math.log(lambda / lambdaMin) / Math.max(1, o.points - s.next);
    const shorter = Math.max(s.step * Math.max(0.25, 1 / ratio), share);
    if (ratio > MAX_JUMP && retries < MAX_RETRIES && !(up && atEnd) && shorter < s.step) {
      // too far: back to where this fit started, with a step shortened in proportion
      retries++;
      theta.set(before);
      s = { ...s, step: shorter };
      continue;
    }
    retries = 0;
    const resize = Math.min(2, Math.max(0.5, 1 / Math.max(ratio, 1e-12)));
    if (ratio < MIN_MOVE && !last) {
      // too close to report: carry on from here with a longer step
      lambda = next;
      s = { ...s, step: s.step * resize };
      continue;
    }
    lambda = point.lambda ?? next;
    const nextShare = up || pNow <= s.pRef ? 0 : Math.log(lambda / lambdaMin) / Math.max(1, o.points - s.next - 1);
    s = {
      ...s, next: s.next + 1, last: s.next, lambda, step: Math.max(s.step * resize, nextShare),
      lastLoss: point.trainLoss, lastP: pNow, done: last, ...(s.front && { front: nonDominatedPairs([...s.front, [pNow, point.trainLoss]]) }),
      ...(s.reported && { reported: [...s.reported, [point.index, point.lambda, pNow, point.trainLoss] as [number, number | null, number, number]] }),
    };
    sink(point, s);
  }
  if (up && s.reported) fill(sweep, ctx, s);
  k.free(before);
  k.free(theta);
}

/**
 * Fills a network's front up to FILL_SHARE of `--points` once the sweep is done. A λ sweep reaches
 * only the points of the front that some λ minimises, and near w = 0 a deep net's front is not
 * convex: the last fits before the network collapses jump there (Friedman #1, 20,20 units: one
 * step of 0.67–0.73 of the front's normalised length of 1.97, seeds 1–4), so points spaced for
 * the whole length come out 23–28 for 40. The pass fits λ = √(λ_a·λ_b) between the two front
 * neighbours furthest apart (normalised Manhattan distance) that it has not tried yet, warm from
 * the denser one, as the sweep's own fits; a pair whose fit lands outside it (the collapse, where
 * every λ jumps) is not tried again. It stops when the front holds FILL_SHARE·points, when no
 * pair is left, or after `points` fits.
 */
function fill(sweep: Sweep, ctx: MethodContext, s0: SpacedSweepState): void {
  const { o, theta, L0 } = sweep;
  let s = s0;
  const target = Math.ceil(FILL_SHARE * o.points);
  // one fill fit per tried pair: counted from the saved state, so a resumed run stops where the
  // uninterrupted one does
  while (s.tried!.length < o.points) {
    const front = frontOf(s.reported!);
    if (front.length >= target) return;
    const pScale = Math.max(...front.map((f) => f[2]), Number.MIN_VALUE);
    let best: [typeof front[number], typeof front[number]] | null = null;
    let widest = 0;
    for (let i = 1; i < front.length; i++) {
      const [a, b] = [front[i - 1]!, front[i]!];
      if (s.tried!.includes(`${a[0]}-${b[0]}`) || !(a[1]! > 0) || !(b[1]! > 0)) continue;
      const d = Math.abs(a[3] - b[3]) / L0 + Math.abs(a[2] - b[2]) / pScale;
      if (d > widest) [widest, best] = [d, [a, b]];
    }
    if (best === null) return;
    // a: the sparser neighbour (larger λ), b: the denser one, whose θ starts the fit
    const [a, b] = best;
    const start = performance.now();
    theta.set(ctx.load(b[0]));
    const lambda = Math.sqrt(a[1]! * b[1]!);
    // (the pass keeps the sweep's lr: a fill fit that had to halve it does not pass that on)
    const { point } = sweepFit(sweep, s, lambda, start);
    const pNow = penaltyValue(point, sweep.penalty.name);
    s = {
      ...s, next: s.next + 1, fits: s.fits + 1, tried: [...s.tried!, `${a[0]}-${b[0]}`],
      reported: [...s.reported!, [point.index, lambda, pNow, point.trainLoss]],
      front: nonDominatedPairs([...s.front!, [pNow, point.trainLoss]]),
    };
    ctx.sink(point, theta, s);
  }
}

/**
 * One fit of the sweep at λ from θ (in place), seeded by the fit count, as raw point `s.next`: an
 * l2 fit whose ‖θ_pen‖² fell below ZERO_L2 of the dense end's, or one whose weights all reached 0,
 * becomes the exact zero network. Returns the point and the lr the fit ended at.
 */
function sweepFit(sweep: Sweep, s: SpacedSweepState, lambda: number, start: number): { point: RawPoint; lr: number } {
  const { k, problem, o, penalised, theta, penalty, fitter } = sweep;
  const r = fitter.fit(theta, lambda, s.lr, fitEpochs(o, problem), pointSeed(o.seed, s.fits));
  if (penalty.name === 'l2' && penalty.value(k, penalised, theta) <= ZERO_L2 * s.pRef) zeroNetwork(problem, penalised, theta);
  settleIfZero(problem, penalised, theta);
  const point = measurePoint(problem, theta, penalised, {
    index: s.next, phase: 'sweep', lambda, steps: r.steps, converged: r.converged, seconds: (performance.now() - start) / 1000,
  }, penalty.name);
  return { point, lr: r.lr };
}

/** The point's penalty value P: ‖θ_pen‖₁, or ‖θ_pen‖² on an l2 path. */
function penaltyValue(point: RawPoint, penalty: Sweep['penalty']['name']): number {
  return penalty === 'l2' ? point.l2squared! : point.l1;
}

/** Share of `--points` the fill pass brings a network's front up to (the suite's ±25 % with a margin). */
const FILL_SHARE = 0.8;

/** The reported points no other dominates, sorted by P (ascending). */
function frontOf(reported: NonNullable<SpacedSweepState['reported']>): NonNullable<SpacedSweepState['reported']> {
  return nonDominated(reported.map((r) => ({ l1: r[2], loss: r[3] }))).map((i) => reported[i]!).sort((x, y) => x[2] - y[2]);
}

/** The wanted Manhattan distance: the front's normalised length over (points − 1) segments. */
function wanted(nullLoss: number, denseLoss: number, points: number): number {
  const length = Math.max(0, (nullLoss - denseLoss) / nullLoss) + 1;
  return length / (points - 1);
}
