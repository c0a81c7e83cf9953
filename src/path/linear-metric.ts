import type { Kernels } from '../kernels/kernels.js';
import type { Problem } from '../nn/problem.js';
import { MpgSolver, type MpgStep } from '../optim/mpg.js';

/**
 * A linear model's corrector steps in the coordinates glmnet fits in (Friedman, Hastie &
 * Tibshirani 2010, J. Stat. Softw. 33: it centres and scales every feature, fits, and maps the
 * coefficients back): the MPG step (src/optim/mpg.ts) with the Euclidean ‖y − θ‖²/(2h) replaced by
 *
 *     ‖y − θ‖²_M / (2h),   ‖v‖²_M = Σ_j s_j² (v_wj)² + Σ_k (v_bk + Σ_j m_j v_wjk)²,
 *
 * m_j and s_j² the mean and variance of feature j on the training rows, i.e. plain proximal
 * gradient on the weights of centred, unit-variance features and on the intercepts of the centred
 * model (b′_k = b_k + Σ_j m_j W_jk). The l1 norm of the original weights is the same in those
 * coordinates, so the penalty is not reweighted: the prox is a soft-threshold per weight at
 * h(1−α)/s_j², and the MPG dual (ω1(α) − ω2(α), still decreasing in α) is solved as before.
 *
 * Why: the Hessian of a linear model's loss is Xᵀ·diag(ℓ″)·X/n with a column of ones for the
 * intercept. On diabetes as scikit-learn ships it (features with unit column norms, std 0.048)
 * the weights' curvature is 2·0.0023 against the intercept's 2 for squared error, a condition
 * number of about 10⁵, and FISTA correctors hit their 2000-step cap at 0.0075 % of the loss range
 * from the exact path. In this metric the Hessian is the features' correlation matrix (times ℓ″),
 * as for standardised data: the same path takes a few hundred steps per corrector.
 *
 * Centring needs unpenalised intercepts (it moves them by the weights); with penalised biases only
 * the scales s_j apply. Networks keep the Euclidean step (`linearMetric` returns null).
 */
export class LinearMetric extends MpgSolver {
  /** Per-parameter metric weight: s_j² for each weight, 1 for each intercept. */
  private readonly d: Float64Array;
  /** Feature means (all 0 when biases are penalised). */
  private readonly mean: Float64Array;
  private readonly centred: boolean;
  /** θ and ∇L in the centred coordinates of the current step. */
  private readonly u: Float64Array;
  private readonly gu: Float64Array;
  private readonly yu: Float64Array;

  /**
   * `scale[j]`, `mean[j]`: feature j's standard deviation and mean; `outputs`: units of the one
   * layer (weights stored [features, outputs], then the intercepts); `penalised`: the penalised
   * prefix (all weights, or everything with penalised biases).
   */
  constructor(k: Kernels, scale: Float64Array, mean: Float64Array, private readonly outputs: number, private readonly penalised: number) {
    super(k);
    const features = scale.length;
    const weights = features * outputs;
    const n = weights + outputs;
    this.centred = penalised <= weights;
    this.mean = this.centred ? Float64Array.from(mean) : new Float64Array(features);
    this.d = new Float64Array(n).fill(1);
    for (let j = 0; j < features; j++) for (let o = 0; o < outputs; o++) this.d[j * outputs + o] = scale[j]! ** 2;
    this.u = new Float64Array(n);
    this.gu = new Float64Array(n);
    this.yu = new Float64Array(n);
  }

  /** θ → u (intercepts of the centred model) and ∇L → ∇_u L (weights' gradients of centred features). */
  private toCentred(theta: Float32Array, g: Float32Array | null): void {
    const { u, gu, mean, outputs: K } = this;
    const n = u.length, bias = n - K;
    for (let i = 0; i < n; i++) u[i] = theta[i]!;
    if (g) for (let i = 0; i < n; i++) gu[i] = g[i]!;
    if (!this.centred) return;
    for (let j = 0; j < mean.length; j++) {
      const m = mean[j]!;
      if (m === 0) continue;
      for (let o = 0; o < K; o++) {
        u[bias + o]! += m * theta[j * K + o]!;
        if (g) gu[j * K + o]! -= m * g[bias + o]!;
      }
    }
  }

  /** yu (centred coordinates) → θ coordinates in out. */
  private fromCentred(out: Float32Array): void {
    const { yu, mean, outputs: K } = this;
    const n = yu.length, bias = n - K;
    for (let i = 0; i < n; i++) out[i] = yu[i]!;
    if (!this.centred) return;
    for (let o = 0; o < K; o++) {
      let shift = 0;
      for (let j = 0; j < mean.length; j++) shift += mean[j]! * yu[j * K + o]!;
      out[bias + o] = yu[bias + o]! - shift;
    }
  }

  /** y(α) in centred coordinates into yu; returns [ω1, ‖y_pen‖₁]. `free`: the intercepts' step length when α = 0. */
  private stepCentred(p: number, h: number, alpha: number, free: number): [number, number] {
    const { u, gu, yu, d } = this;
    const step = h * alpha, tau = h * (1 - alpha);
    let omega1 = 0, l1 = 0;
    for (let i = 0; i < u.length; i++) {
      const v = u[i]! - ((i < p ? step : Math.max(step, free)) * gu[i]!) / d[i]!;
      let y = v;
      if (i < p) {
        const t = tau / d[i]!;
        y = v > t ? v - t : v < -t ? v + t : 0;
        l1 += Math.abs(y);
      }
      yu[i] = y;
      omega1 += gu[i]! * (y - u[i]!);
    }
    return [omega1, l1];
  }

  override step(theta: Float32Array, g: Float32Array, penalised: number, h: number, out: Float32Array, tol = 1e-7, hint: number | null = null): MpgStep {
    this.toCentred(theta, g);
    return super.step(theta, g, penalised, h, out, tol, hint);
  }

  protected override dualSlope(_theta: Float32Array, _g: Float32Array, p: number, h: number, alpha: number, l1Theta: number): [number, number] {
    this.evaluations++;
    const [omega1, l1] = this.stepCentred(p, h, alpha, 0);
    return [omega1, l1 - l1Theta];
  }

  /** y(α*), with the intercepts' free descent step at α = 0 (as MpgSolver), measured in the metric. */
  protected override finish(theta: Float32Array, _g: Float32Array, p: number, h: number, alpha: number, _w: [number, number], out: Float32Array): MpgStep {
    const [omega1, l1] = this.stepCentred(p, h, alpha, alpha === 0 ? h : 0);
    this.fromCentred(out);
    const sq = this.centredDistance();
    return { alpha, omega1, omega2: l1 - this.k.l1Norm(p, theta), stationarity: Math.sqrt(sq) / h, stepNormSq: sq };
  }

  override write(theta: Float32Array, g: Float32Array, p: number, h: number, alpha: number, out: Float32Array): void {
    this.toCentred(theta, g);
    this.stepCentred(p, h, alpha, 0);
    this.fromCentred(out);
  }

  /** ‖a − b‖²_M. */
  override distanceSquared(a: Float32Array, b: Float32Array): number {
    const { yu } = this;
    this.toCentred(b, null);
    yu.set(this.u);
    this.toCentred(a, null);
    return this.centredDistance();
  }

  /** Σ d_i (u_i − yu_i)², the metric's squared distance of the two vectors held in centred coordinates. */
  private centredDistance(): number {
    const { u, yu, d } = this;
    let sq = 0;
    for (let i = 0; i < u.length; i++) sq += d[i]! * (yu[i]! - u[i]!) ** 2;
    return sq;
  }

  /**
   * The projection onto the l1 ball in this metric, in place: the centred intercepts stay, each
   * weight is soft-thresholded at μ/s_j² with μ such that the l1 norm is `radius` (Newton from
   * μ = 0 on the convex, decreasing, piecewise linear Σ max(|w_j| − μ/s_j², 0), as
   * projectOntoL1Ball does for μ/1).
   */
  override projectOntoL1Ball(y: Float32Array, p: number, radius: number): void {
    const { d, yu } = this;
    this.toCentred(y, null);
    yu.set(this.u);
    let mu = 0;
    for (let it = 0; it < 100; it++) {
      let l1 = 0, slope = 0;
      for (let i = 0; i < p; i++) {
        const r = Math.abs(yu[i]!) - mu / d[i]!;
        if (r > 0) {
          l1 += r;
          slope += 1 / d[i]!;
        }
      }
      if (slope === 0 || l1 - radius <= 1e-12 * radius) break;
      mu += (l1 - radius) / slope;
    }
    if (mu <= 0) return;
    for (let i = 0; i < p; i++) {
      const t = mu / d[i]!, v = yu[i]!;
      yu[i] = v > t ? v - t : v < -t ? v + t : 0;
    }
    this.fromCentred(y);
  }
}

/**
 * The metric for a one-layer (linear) model, from the training rows' feature means and standard
 * deviations; null for a network or a layer that is not Dense. A constant feature keeps scale 1:
 * its weight's curvature is then folded into the intercept's.
 */
export function linearMetric(problem: Problem, penalised: number): LinearMetric | null {
  const { layout } = problem.mlp;
  if (layout.depth !== 1 || layout.kernelShapes[0]!.length !== 2) return null;
  const { x, rows, features } = problem.train;
  const mean = new Float64Array(features), scale = new Float64Array(features);
  for (let i = 0; i < rows; i++) for (let j = 0; j < features; j++) mean[j]! += x[i * features + j]!;
  for (let j = 0; j < features; j++) mean[j]! /= rows;
  for (let i = 0; i < rows; i++) for (let j = 0; j < features; j++) scale[j]! += (x[i * features + j]! - mean[j]!) ** 2;
  for (let j = 0; j < features; j++) scale[j] = scale[j]! > 0 ? Math.sqrt(scale[j]! / rows) : 1;
  return new LinearMetric(problem.k, scale, mean, layout.fanOut(0), penalised);
}

/**
 * The Frank–Wolfe gap of the loss on the l1 ball through z, from ∇L(z):
 *
 *     gᵀz − min_{‖s‖₁ ≤ ‖z_pen‖₁} gᵀs = Σ_j g_j z_j + ‖z_pen‖₁·max_j |g_j|   (penalised j),
 *
 * an upper bound on L(z) − min{L(w) : ‖w_pen‖₁ ≤ ‖z_pen‖₁} for a convex loss whose unpenalised
 * parameters are at their optimum (their gradient is 0): the loss excess over the exact lasso
 * path at z's l1, in the loss's units. A small relative stationarity does not bound it: on
 * breast cancer's near-separable end (curvature p(1−p) → 0 along some directions) correctors
 * stopped at 1 % of their start σ added up to 0.25 % of the loss range.
 */
export function l1BallGap(g: Float32Array, z: Float32Array, p: number): number {
  let dot = 0, l1 = 0, top = 0;
  for (let j = 0; j < p; j++) {
    dot += g[j]! * z[j]!;
    l1 += Math.abs(z[j]!);
    top = Math.max(top, Math.abs(g[j]!));
  }
  return dot + l1 * top;
}
