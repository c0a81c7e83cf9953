/** S_tau(z) = sign(z)·max(|z| - tau, 0), the proximal operator of tau·|·|. */
export function softThreshold(z: number, tau: number): number {
  return z > tau ? z - tau : z < -tau ? z + tau : 0;
}

// step, tau and x - step·g are rounded to float32 as the wasm kernel does, so that the stats
// below describe exactly what this writes.
export function proxGradient(n: number, x: Float32Array, g: Float32Array, step: number, tau: number, out: Float32Array): void {
  const s = Math.fround(step), t = Math.fround(tau);
  for (let i = 0; i < n; i++) out[i] = softThreshold(Math.fround(x[i]! - s * g[i]!), t);
}

// The stats round y to float32 first so that they describe exactly the y that proxGradient writes.
export function proxLinearDecrease(n: number, x: Float32Array, g: Float32Array, step: number, tau: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const y = Math.fround(softThreshold(Math.fround(x[i]! - Math.fround(step) * g[i]!), Math.fround(tau)));
    s += g[i]! * (y - x[i]!);
  }
  return s;
}

export function proxL1(n: number, x: Float32Array, g: Float32Array, step: number, tau: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(Math.fround(softThreshold(Math.fround(x[i]! - Math.fround(step) * g[i]!), Math.fround(tau))));
  return s;
}

export function proxStats(n: number, x: Float32Array, g: Float32Array, step: number, tau: number): [number, number] {
  return [proxLinearDecrease(n, x, g, step, tau), proxL1(n, x, g, step, tau)];
}
