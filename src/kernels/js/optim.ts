export function momentumStep(n: number, x: Float32Array, g: Float32Array, v: Float32Array, lr: number, mu: number): void {
  for (let i = 0; i < n; i++) {
    const vi = mu * v[i]! + g[i]!;
    v[i] = vi;
    x[i] = x[i]! - lr * vi;
  }
}

export function adamStep(
  n: number, x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
  lr: number, b1: number, b2: number, eps: number, bc1: number, bc2: number,
): void {
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + (1 - b1) * gi;
    const vi = b2 * v[i]! + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    x[i] = x[i]! - (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
  }
}
