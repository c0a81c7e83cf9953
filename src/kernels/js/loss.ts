export function softmaxCrossEntropy(m: number, n: number, logits: Float32Array, labels: Float32Array, grad: Float32Array): number {
  let total = 0;
  const p = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    let max = -Infinity;
    for (let j = 0; j < n; j++) if (logits[o + j]! > max) max = logits[o + j]!;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      p[j] = Math.exp(logits[o + j]! - max);
      sum += p[j]!;
    }
    const y = labels[i]!;
    total += Math.log(sum) - (logits[o + y]! - max);
    for (let j = 0; j < n; j++) grad[o + j] = (p[j]! / sum - (j === y ? 1 : 0)) / m;
  }
  return total / m;
}

export function countCorrect(m: number, n: number, logits: Float32Array, labels: Float32Array): number {
  let correct = 0;
  for (let i = 0; i < m; i++) {
    const o = i * n;
    let best = 0;
    for (let j = 1; j < n; j++) if (logits[o + j]! > logits[o + best]!) best = j;
    if (best === labels[i]) correct++;
  }
  return correct;
}

export function meanSquaredError(m: number, n: number, pred: Float32Array, target: Float32Array, grad: Float32Array): number {
  const count = m * n;
  let total = 0;
  for (let t = 0; t < count; t++) {
    const d = pred[t]! - target[t]!;
    total += d * d;
    grad[t] = (2 * d) / count;
  }
  return total / count;
}
