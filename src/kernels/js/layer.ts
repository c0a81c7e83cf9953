import { Act, type ActCode } from '../kernels.js';

export function activate(x: number, act: ActCode): number {
  switch (act) {
    case Act.relu: return x > 0 ? x : 0;
    case Act.tanh: return Math.tanh(x);
    case Act.sigmoid: return 1 / (1 + Math.exp(-x));
    default: return x;
  }
}

export function biasActivate(m: number, n: number, z: Float32Array, bias: Float32Array, act: ActCode): void {
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) z[o + j] = activate(z[o + j]! + bias[j]!, act);
  }
}

export function activationBackward(n: number, a: Float32Array, grad: Float32Array, act: ActCode): void {
  switch (act) {
    case Act.relu:
      for (let i = 0; i < n; i++) if (!(a[i]! > 0)) grad[i] = 0;
      return;
    case Act.tanh:
      for (let i = 0; i < n; i++) grad[i] = grad[i]! * (1 - a[i]! * a[i]!);
      return;
    case Act.sigmoid:
      for (let i = 0; i < n; i++) grad[i] = grad[i]! * a[i]! * (1 - a[i]!);
      return;
    default:
      return;
  }
}

export function colSums(m: number, n: number, a: Float32Array, out: Float32Array, accumulate: boolean): void {
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) acc[j]! += a[o + j]!;
  }
  for (let j = 0; j < n; j++) out[j] = (accumulate ? out[j]! : 0) + acc[j]!;
}
