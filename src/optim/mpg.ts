import type { Kernels } from '../kernels/kernels.js';
import { projectOntoL1Ball } from './l1-ball.js';

/**
 * The multiobjective proximal gradient (MPG) step for f1 = L(θ), f2 = ‖θ_pen‖₁
 * (Tanabe, Fukuda & Yamashita, proximal gradient methods for multiobjective optimisation; as used by
 * Amakor, Sonntag & Peitz, arXiv 2308.12044, Machine Learning with Applications 19, 2025):
 *
 *     y = argmin_y  max{ gᵀ(y-θ), ‖y_pen‖₁ - ‖θ_pen‖₁ } + ‖y-θ‖²/(2h)
 *
 * Its dual is one-dimensional: for α ∈ [0,1] the inner minimiser is
 *     y(α) = S_{h(1-α)}(θ - hαg)   on the penalised prefix,   θ - hαg   elsewhere,
 * and the concave dual has derivative ω1(α) - ω2(α) with
 *     ω1 = gᵀ(y(α)-θ),   ω2 = ‖y(α)_pen‖₁ - ‖θ_pen‖₁.
 * So α* is the root of a decreasing function on [0,1] (or an end point). At a Pareto-critical
 * point α*∇L + (1-α*)s = 0 for some s ∈ ∂‖θ‖₁: the local trade-off λ = (1-α*)/α* is the lasso
 * multiplier of that point.
 */
export interface MpgStep {
  /** The dual weight on the loss: 1 = pure gradient step, 0 = pure shrinkage. */
  alpha: number;
  /** Linearised loss decrease gᵀ(y-θ) (≤ 0). */
  omega1: number;
  /** l1 decrease ‖y‖₁ - ‖θ‖₁ (≤ 0 at the optimum). */
  omega2: number;
  /** ‖y - θ‖ / h: zero exactly at a Pareto-critical point. */
  stationarity: number;
  /** ‖y - θ‖² (for the sufficient-decrease test). */
  stepNormSq: number;
}

export class MpgSolver {
  /** Evaluations of the dual slope so far (each one pass over θ; for tests and profiling). */
  evaluations = 0;

  constructor(protected readonly k: Kernels) {}

  /** ω1(α) - ω2(α), the derivative of the dual. */
  protected dualSlope(theta: Float32Array, g: Float32Array, p: number, h: number, alpha: number, l1Theta: number): [number, number] {
    const { k } = this;
    this.evaluations++;
    const n = theta.length;
    const step = h * alpha;
    const tau = h * (1 - alpha);
    const tp = theta.subarray(0, p);
    const gp = g.subarray(0, p);
    const [decrease, l1] = k.proxStats(p, tp, gp, step, tau);
    let omega1 = decrease;
    if (p < n) omega1 += k.proxLinearDecrease(n - p, theta.subarray(p), g.subarray(p), step, 0);
    return [omega1, l1 - l1Theta];
  }

  /**
   * Finds α* to `tol` (default 1e-7) and writes y(α*) into `out` (which may not alias θ).
   * `penalised` is the length of the penalised prefix of θ. `hint`, a guess of α* (the previous
   * step's, in a corrector), lets the search start from a small bracket around it instead of
   * [0, 1]: successive steps of a corrector have nearly the same α*, and this halves the passes
   * over θ. The result does not depend on the hint beyond the tolerance.
   */
  step(theta: Float32Array, g: Float32Array, penalised: number, h: number, out: Float32Array, tol = 1e-7, hint: number | null = null): MpgStep {
    const { k } = this;
    const p = penalised;
    const l1Theta = k.l1Norm(p, theta);
    let alpha: number;
    let w: [number, number];
    const slopeAt = (a: number) => this.dualSlope(theta, g, p, h, a, l1Theta);
    const bracket = hint !== null && hint > 0 && hint < 1 ? this.bracketNear(hint, slopeAt) : null;
    const w0 = bracket ? null : slopeAt(0);
    const w1 = bracket ? null : slopeAt(1);
    if (w0 && w0[0] - w0[1] <= 0) {
      alpha = 0;
      w = w0;
    } else if (w1 && w1[0] - w1[1] >= 0) {
      alpha = 1;
      w = w1;
    } else {
      // Illinois regula falsi on the decreasing slope, with bisection as a safeguard: the slope
      // is piecewise smooth, so this needs far fewer evaluations than plain bisection.
      let a = bracket ? bracket.a : 0, fa = bracket ? bracket.fa : w0![0] - w0![1];
      let b = bracket ? bracket.b : 1, fb = bracket ? bracket.fb : w1![0] - w1![1];
      // The slope is piecewise linear in α (each coordinate is either thresholded to 0 or linear
      // in α), so once the secant lands in the root's piece it hits the root up to rounding: stop
      // there when |slope| is negligible against its range over [0,1] (for a small bracket:
      // against the range its secant would have over a unit interval), which saves the last few
      // evaluations that only shrink the bracket.
      const fTol = (1e-7 * (fa - fb)) / (b - a);
      let side = 0;
      let done = false;
      alpha = 0.5;
      w = [0, 0];
      for (let it = 0; it < 100 && b - a > tol; it++) {
        let c = (a * fb - b * fa) / (fb - fa);
        if (!(c > a && c < b) || it % 4 === 3) c = 0.5 * (a + b);
        w = this.dualSlope(theta, g, p, h, c, l1Theta);
        const fc = w[0] - w[1];
        alpha = c;
        if (Math.abs(fc) <= fTol) {
          done = true;
          break;
        }
        if (fc > 0) {
          a = c;
          fa = fc;
          if (side === 1) fb /= 2;
          side = 1;
        } else {
          b = c;
          fb = fc;
          if (side === -1) fa /= 2;
          side = -1;
        }
      }
      if (!done) {
        alpha = 0.5 * (a + b);
        w = this.dualSlope(theta, g, p, h, alpha, l1Theta);
      }
    }
    return this.finish(theta, g, p, h, alpha, w, out);
  }

  /** Writes y(α*) into out and reports the step (`w`: [ω1, ω2] at α*). */
  protected finish(theta: Float32Array, g: Float32Array, p: number, h: number, alpha: number, w: [number, number], out: Float32Array): MpgStep {
    const { k } = this;
    this.write(theta, g, p, h, alpha, out);
    if (alpha === 0 && p < theta.length) {
      // At α = 0 the step would leave the unpenalised parameters (biases) where they are, although
      // moving them along -g lowers the loss without touching ‖θ_pen‖₁; without this the all-zero
      // network would keep whatever biases it had. Take that free descent step.
      const n = theta.length;
      k.proxGradient(n - p, theta.subarray(p), g.subarray(p), h, 0, out.subarray(p));
      w = [w[0] + k.proxLinearDecrease(n - p, theta.subarray(p), g.subarray(p), h, 0), w[1]];
    }
    const sq = this.distanceSquared(out, theta);
    return { alpha, omega1: w[0], omega2: w[1], stationarity: Math.sqrt(sq) / h, stepNormSq: sq };
  }

  /** The squared distance the step is measured in (Euclidean here; see src/path/linear-metric.ts). */
  distanceSquared(a: Float32Array, b: Float32Array): number {
    return distanceSquared(a, b);
  }

  /** Projects y[0 ..< p) onto the l1 ball of `radius` in the same metric, in place. */
  projectOntoL1Ball(y: Float32Array, p: number, radius: number): void {
    projectOntoL1Ball(this.k, y, p, radius);
  }

  /**
   * A bracket [a, b] ∋ α* around a guess, with the slope's values there (positive at a, negative
   * at b), or null when the guess is off (the caller then searches [0, 1]).
   */
  private bracketNear(guess: number, slopeAt: (a: number) => [number, number]): { a: number; fa: number; b: number; fb: number } | null {
    const width = Math.max(1e-6, 0.25 * Math.min(guess, 1 - guess));
    const a = Math.max(0, guess - width), b = Math.min(1, guess + width);
    const wa = slopeAt(a);
    const fa = wa[0] - wa[1];
    if (!(fa > 0)) return null;
    const wb = slopeAt(b);
    const fb = wb[0] - wb[1];
    return fb < 0 ? { a, fa, b, fb } : null;
  }

  /** y(α) into out. */
  write(theta: Float32Array, g: Float32Array, p: number, h: number, alpha: number, out: Float32Array): void {
    const { k } = this;
    const n = theta.length;
    k.proxGradient(p, theta.subarray(0, p), g.subarray(0, p), h * alpha, h * (1 - alpha), out.subarray(0, p));
    if (p < n) k.proxGradient(n - p, theta.subarray(p), g.subarray(p), h * alpha, 0, out.subarray(p));
  }
}

/** ‖a - b‖², summed in doubles. */
export function distanceSquared(a: Float32Array, b: Float32Array): number {
  let sq = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sq += d * d;
  }
  return sq;
}

/** The lasso multiplier λ = (1-α)/α of an MPG fixed point (∞ at α = 0). */
export function tradeoff(alpha: number): number {
  return alpha <= 0 ? Infinity : (1 - alpha) / alpha;
}
