import type { Kernels } from '../kernels/kernels.js';
import type { Problem } from '../nn/problem.js';
import { Sgd } from '../optim/optimizer.js';

/**
 * Predictors move θ off the front in the chosen direction; the corrector then brings it back.
 * Both take a target distance in normalised objective space, so the spacing of the front points
 * is controlled by the caller instead of by fixed step counts (the reference code's 7 epochs of
 * Adam or 7 shrinkage steps).
 */

/**
 * The threshold τ with ‖S_τ(w)‖₁ = target (0 ≤ target ≤ ‖w‖₁), exactly: ‖S_τ(w)‖₁ =
 * Σ max(|w_i| − τ, 0) is piecewise linear in τ with kinks at the sorted |w_i|, so walk the kinks
 * and solve the linear piece. (projectOntoL1Ball finds the same τ by Newton steps; the predictors
 * keep this exact form, whose bits their paths were measured with.)
 */
export function thresholdForL1(w: Float32Array, target: number): number {
  // the non-zeros alone (zeros only append empty pieces after them): at the sparse end most are
  let m = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) m++;
  const a = new Float64Array(m);
  for (let i = 0, j = 0; i < w.length; i++) if (w[i] !== 0) a[j++] = Math.abs(w[i]!);
  a.sort().reverse();
  if (target <= 0) return a.length ? a[0]! : 0;
  // With the j largest entries above τ: l1 = (Σ_{i<j} a_i) - jτ, valid while a_j ≤ τ ≤ a_{j-1}.
  let prefix = 0;
  for (let j = 1; j <= a.length; j++) {
    prefix += a[j - 1]!;
    const tau = (prefix - target) / j;
    const lo = j < a.length ? a[j]! : 0;
    if (tau >= lo && tau <= a[j - 1]!) return Math.max(tau, 0);
  }
  return 0;
}

/**
 * Towards sparser: one soft-threshold of the penalised weights that lowers ‖w‖₁ by `deltaL1`
 * (all the way to zero if deltaL1 ≥ ‖w‖₁). Returns the new l1.
 */
export function shrinkPredictor(k: Kernels, theta: Float32Array, penalised: number, deltaL1: number): number {
  const w = theta.subarray(0, penalised);
  const l1 = k.l1Norm(penalised, w);
  const tau = thresholdForL1(w, Math.max(0, l1 - deltaL1));
  k.proxGradient(penalised, w, w, 0, tau, w);
  return k.l1Norm(penalised, w);
}

/**
 * Towards sparser, from the branch's last two points: the secant θ + t(θ − θ_before), t chosen so
 * that the step lowers ‖w‖₁ by `deltaL1` at the rate the last step did (at most `maxFactor`), with
 * every weight the secant carries through zero (or that is 0 in θ) set to 0, then soft-thresholded
 * down to ‖w‖₁ − deltaL1 if it lies above. Returns the new l1, or null (θ unchanged) when the last
 * step did not lower ‖w‖₁.
 */
export function secantPredictor(k: Kernels, theta: Float32Array, before: Float32Array, penalised: number, deltaL1: number, maxFactor: number): number | null {
  const l1 = k.l1Norm(penalised, theta);
  const fell = k.l1Norm(penalised, before) - l1;
  if (!(fell > 0)) return null;
  const t = Math.min(maxFactor, deltaL1 / fell);
  for (let i = 0; i < theta.length; i++) {
    const w = theta[i]!;
    const v = w + t * (w - before[i]!);
    theta[i] = i < penalised && (w === 0 || (v > 0) !== (w > 0)) ? 0 : v;
  }
  const target = Math.max(0, l1 - deltaL1);
  if (k.l1Norm(penalised, theta) > target) {
    const w = theta.subarray(0, penalised);
    k.proxGradient(penalised, w, w, 0, thresholdForL1(w, target), w);
  }
  return k.l1Norm(penalised, theta);
}

/** What the lower-loss predictor works with (buffers owned by the caller, reused). */
export interface GradientPredictorContext {
  k: Kernels;
  problem: Problem;
  penalised: number;
  /** Heavy-ball optimiser on L alone; reset before each use. */
  sgd: Sgd;
  grad: Float32Array;
  backup: Float32Array;
  lossScale: number;
  l1Scale: number;
}

/**
 * Towards lower loss: heavy-ball gradient steps on L alone until the point has moved `distance`
 * in normalised objectives (loss/lossScale, l1/l1Scale) from where it started. Gradient steps (not
 * Adam) so that weights move in proportion to their gradient and the sparsity pattern is
 * disturbed no more than the move needs. The learning rate adapts so that the move lands within
 * [1, 2]·distance: a step that jumps past 2·distance is undone and retried with a third of the
 * rate; a predictor that needs many steps raises the rate for the next call. Returns the rate to
 * use next time.
 */
export function gradientPredictor(c: GradientPredictorContext, theta: Float32Array, distance: number, lr: number, maxSteps: number): number {
  const { k, problem, penalised, sgd, grad, backup } = c;
  sgd.reset();
  sgd.lr = lr;
  const start0 = problem.evaluate(theta).loss / c.lossScale;
  const start1 = k.l1Norm(penalised, theta) / c.l1Scale;
  let steps = 0;
  let cuts = 0;
  let haveBackup = false;
  while (steps < maxSteps) {
    const loss = problem.lossAndGradient(theta, problem.nextBatch(), grad);
    const moved = Math.hypot(loss / c.lossScale - start0, k.l1Norm(penalised, theta) / c.l1Scale - start1);
    const blewUp = !Number.isFinite(loss);
    if (blewUp || moved >= distance) {
      if ((blewUp || moved > 2 * distance) && haveBackup && cuts < 12) {
        theta.set(backup);
        sgd.lr /= 3;
        sgd.reset();
        cuts++;
        continue;
      }
      if (blewUp && haveBackup) theta.set(backup);
      break;
    }
    backup.set(theta);
    haveBackup = true;
    sgd.step(theta, grad);
    steps++;
  }
  return steps > 20 ? sgd.lr * 2 : sgd.lr;
}
