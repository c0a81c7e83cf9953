export function l1Norm(n: number, x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(x[i]!);
  return s;
}

export function dot(n: number, x: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i]! * y[i]!;
  return s;
}

export function axpy(n: number, alpha: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < n; i++) y[i] = y[i]! + alpha * x[i]!;
}

export function scale(n: number, alpha: number, x: Float32Array): void {
  for (let i = 0; i < n; i++) x[i] = alpha * x[i]!;
}

export function countNonzero(n: number, x: Float32Array): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (x[i] !== 0) c++;
  return c;
}

export function l1Excess(n: number, x: Float32Array, tau: number): [number, number] {
  let s = 0, c = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(x[i]!) - tau;
    if (d > 0) {
      s += d;
      c++;
    }
  }
  return [s, c];
}
