// The multiobjective proximal gradient step's passes over θ (src/optim/mpg.ts), each in one call.
// θ is a penalised prefix [0, p) followed by unpenalised parameters (biases) [p, n); for α the
// step is y = S_{h(1-α)}(θ - hα·g) on the prefix and θ - hα·g on the rest. A corrector step
// evaluates the dual slope at about five α and then writes y(α*): on a small network (Iris,
// 43 parameters) two calls per evaluation and two writes plus a JS pass for ‖y - θ‖² cost more
// than the arithmetic, so each is one call here. Both compute exactly what the separate kernels
// (prox.ts) and the JS sum did: the paths do not change by a bit.
import { proxGradient, proxLinearDecrease, proxStats } from './prox';

/**
 * Writes [Σ_{i<n} g_i (y_i - θ_i), Σ_{i<p} |y_i|] (f64) to out: proxStats on the prefix, plus
 * proxLinearDecrease (no threshold) on the rest, added last.
 */
export function mpgSlope(n: i32, p: i32, x: usize, g: usize, step: f64, tau: f64, out: usize): void {
  proxStats(p, x, g, step, tau, out);
  if (p < n) {
    const o = <usize>p << 2;
    store<f64>(out, load<f64>(out) + proxLinearDecrease(n - p, x + o, g + o, step, 0));
  }
}

/**
 * Writes y into out (which may not alias x) and returns ‖y - θ‖², each difference and square
 * in f64 and summed in index order (as src/optim/mpg.ts's distanceSquared does).
 */
export function mpgWrite(n: i32, p: i32, x: usize, g: usize, step: f64, tau: f64, out: usize): f64 {
  proxGradient(p, x, g, step, tau, out);
  if (p < n) {
    const o = <usize>p << 2;
    proxGradient(n - p, x + o, g + o, step, 0, out + o);
  }
  let sq: f64 = 0;
  const end = <usize>max(n, 0) << 2;
  for (let o: usize = 0; o < end; o += 4) {
    const d = <f64>load<f32>(out + o) - <f64>load<f32>(x + o);
    sq += d * d;
  }
  return sq;
}
