/**
 * One row's cross-entropy from its logits, in double precision: with z = out[o ..< o + classes]
 * and m = max z, −ln softmax(z)_y = m + ln Σ_j exp(z_j − m) − z_y (the max subtracted so that
 * no exponential overflows). Held-out scores and the settling run's working set read per-row
 * losses this way.
 */
export function rowCrossEntropy(out: Float32Array, o: number, classes: number, y: number): number {
  let max = out[o]!;
  for (let j = 1; j < classes; j++) if (out[o + j]! > max) max = out[o + j]!;
  let s = 0;
  for (let j = 0; j < classes; j++) s += Math.exp(out[o + j]! - max);
  return max + Math.log(s) - out[o + y]!;
}
