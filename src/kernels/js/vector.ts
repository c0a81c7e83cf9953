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
