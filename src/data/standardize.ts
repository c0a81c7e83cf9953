/**
 * Per-feature standardization (x - mean) / std. Fit it on the training part only and apply the
 * same Standardizer to the test part, so no test statistics leak into training.
 */
import { fail } from '../errors.js';
import type { Dataset, Standardizer, TargetScale } from './types.js';

/**
 * `target`: also standardise a regression target. A network's l1 budget then does not depend on
 * the target's units: on a target in the hundreds the output weights would otherwise carry the
 * scale, and the l1 of every network on the front with them.
 */
export function fitStandardizer(ds: Dataset, o: { target?: boolean } = {}): Standardizer {
  if (ds.rows === 0) fail('BAD_DATA', `${ds.name}: cannot standardize a dataset with no rows`);
  const f = ds.features;
  // Accumulate in doubles: float32 sums over 60,000 rows lose digits.
  const sum = new Float64Array(f);
  const min = new Float64Array(f).fill(Infinity);
  const max = new Float64Array(f).fill(-Infinity);
  for (let r = 0; r < ds.rows; r++) {
    for (let j = 0; j < f; j++) {
      const v = ds.x[r * f + j]!;
      sum[j]! += v;
      if (v < min[j]!) min[j] = v;
      if (v > max[j]!) max[j] = v;
    }
  }
  const mean = sum.map((s) => s / ds.rows);
  // Two passes (mean, then squared deviations) avoid the cancellation of E[x²] - E[x]².
  const sq = new Float64Array(f);
  for (let r = 0; r < ds.rows; r++) {
    for (let j = 0; j < f; j++) {
      const d = ds.x[r * f + j]! - mean[j]!;
      sq[j]! += d * d;
    }
  }
  const std = new Float32Array(f);
  for (let j = 0; j < f; j++) {
    // A constant feature (e.g. MNIST's border pixels) gets std 1: it maps to 0, never NaN.
    // Compared by min/max, since rounding in the mean can leave a tiny non-zero spread.
    std[j] = min[j] === max[j] ? 1 : Math.sqrt(sq[j]! / ds.rows);
  }
  return { mean: Float32Array.from(mean), std, ...(o.target && ds.task === 'regression' && { target: fitTargetScale(ds) }) };
}

/** The target's mean and std, in doubles (two passes); a constant target gets std 1. */
function fitTargetScale(ds: Dataset): TargetScale {
  let sum = 0;
  for (let r = 0; r < ds.rows; r++) sum += ds.y[r]!;
  const mean = sum / ds.rows;
  let sq = 0;
  for (let r = 0; r < ds.rows; r++) sq += (ds.y[r]! - mean) ** 2;
  const std = Math.sqrt(sq / ds.rows);
  return { mean, std: std > 0 ? std : 1 };
}

export function applyStandardizer(ds: Dataset, s: Standardizer): Dataset {
  const out = { ...ds, featureNames: ds.featureNames.slice(), classNames: ds.classNames.slice(), x: ds.x.slice(), y: ds.y.slice() };
  standardizeInPlace(out, s);
  return out;
}

/**
 * applyStandardizer without the copy: overwrites ds.x. For data that nobody else holds (a loader's
 * fresh output), so that large sets exist once in memory.
 */
export function standardizeInPlace(ds: Dataset, s: Standardizer): void {
  const f = ds.features;
  if (s.mean.length !== f || s.std.length !== f) {
    fail('BAD_DATA', `${ds.name}: has ${f} features but the standardizer was fitted on ${s.mean.length}`);
  }
  const x = ds.x;
  for (let r = 0; r < ds.rows; r++) {
    for (let j = 0; j < f; j++) x[r * f + j] = (x[r * f + j]! - s.mean[j]!) / s.std[j]!;
  }
  if (s.target && ds.task === 'regression') {
    const { mean, std } = s.target;
    for (let r = 0; r < ds.rows; r++) ds.y[r] = (ds.y[r]! - mean) / std;
  }
}

/** Outputs fitted to a standardised target, back in the target's units (in place): mean + std · f. */
export function unstandardizeTarget(values: Float32Array | Float64Array, s: Standardizer | null): void {
  if (!s?.target) return;
  const { mean, std } = s.target;
  for (let i = 0; i < values.length; i++) values[i] = mean + std * values[i]!;
}
