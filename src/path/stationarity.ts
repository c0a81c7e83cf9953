import type { MpgSolver, MpgStep } from '../optim/mpg.js';

/**
 * How far θ is from a Pareto-critical point of (L, ‖θ_pen‖₁), as the norm of the MPG step from θ
 * (Tanabe, Fukuda & Yamashita 2019: the step is zero exactly at Pareto-critical points):
 *
 *     σ(θ) = ‖y(α*) − θ‖ / h,    y(α) = S_{h(1−α)}(θ − hα∇L(θ)) on the penalised prefix.
 *
 * This is the proximal-gradient mapping of the scalarised problem α*L + (1−α*)‖θ_pen‖₁ at the
 * point's own trade-off λ = (1−α*)/α*, i.e. the lasso KKT residual smoothed by one prox step:
 * it is 0 iff every non-zero weight has ∂L/∂w = −λ·sign(w) and every zero weight |∂L/∂w| ≤ λ.
 * σ carries the loss's units (a target in the hundreds scales it by 10⁴), so a corrector judges
 * it relative to its value where it started: `StationarityTest`.
 *
 * `grad` must be ∇L at θ on the data the test is about (full batch for a converged point);
 * `scratch` receives y(α*); `hint` is a guess of α* (the last one), as in MpgSolver.step.
 */
export function stationarity(
  mpg: MpgSolver, theta: Float32Array, grad: Float32Array, penalised: number, h: number,
  scratch: Float32Array, hint: number | null = null,
): MpgStep {
  return mpg.step(theta, grad, penalised, h, scratch, undefined, hint);
}

/**
 * The corrector's stopping rule: σ has fallen to `tolerance` × its value at the corrector's
 * start (the predicted point, about one spacing off the front). A ratio of two σ of the same
 * problem, it does not depend on the target's units, the number of rows or the network's size.
 *
 *     const test = new StationarityTest(0.01);
 *     test.begin(sigmaAtStart);          // first MPG step of the corrector
 *     if (test.met(sigmaNow)) ...        // converged
 *     report.relativeStationarity = test.relative(sigmaNow);
 *
 * `floor` (optional) is a σ below which a point counts as stationary whatever its start: a
 * corrector that starts almost on the front (a tiny predictor step) then need not shrink σ by
 * `tolerance` again.
 */
export class StationarityTest {
  private reference = NaN;

  constructor(readonly tolerance: number, private readonly floor = 0) {
    if (!(tolerance > 0)) throw new RangeError(`stationarity tolerance must be > 0, got ${tolerance}`);
  }

  /** σ at the corrector's start (the reference the tolerance is relative to). */
  begin(sigmaAtStart: number): void {
    this.reference = sigmaAtStart;
  }

  get started(): boolean {
    return Number.isFinite(this.reference);
  }

  /**
   * σ over the σ the tolerance applies to: σ_start, or floor / tolerance when that is larger (0
   * when both are 0 and σ is too). So met(σ) ⇔ relative(σ) ≤ tolerance.
   */
  relative(sigma: number): number {
    const ref = Math.max(this.reference, this.floor / this.tolerance);
    return ref > 0 ? sigma / ref : sigma > 0 ? Infinity : 0;
  }

  met(sigma: number): boolean {
    return sigma <= Math.max(this.tolerance * this.reference, this.floor);
  }
}
