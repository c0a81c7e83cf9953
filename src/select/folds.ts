/**
 * Held-out data for model selection: a validation part of the training rows, or K stratified
 * folds of them. Everything is seeded (same seed → same parts) and stratified by class for
 * classification, and the test part of the run is never touched. Each fit part is standardised
 * with its own mean and std, so no held-out statistics leak into training.
 */
import { applyStandardizer, fitStandardizer, splitDataset, subsetRows, type Dataset, type Standardizer } from '../data/index.js';
import { fail } from '../errors.js';
import type { DatasetInfo, PreparedData } from '../path/prepare.js';
import { Rng } from '../util/rng.js';

/** Seed offsets so the held-out parts do not reuse the test split's random stream. */
const VALIDATION_SEED = 0x7a1d;
const FOLD_SEED = 0xf01d;

/**
 * Splits rows 0..ds.rows-1 into k folds. Classification: each class's rows are shuffled and dealt
 * round-robin, continuing the count from class to class, so every class is spread over the folds
 * as evenly as possible (within one row) and fold sizes differ by at most one. Regression: one
 * shuffled group dealt the same way. Each fold is returned in ascending row order.
 */
export function stratifiedFolds(ds: Dataset, k: number, seed: number): number[][] {
  checkFolds(ds, k);
  const rng = new Rng((seed ^ FOLD_SEED) >>> 0);
  const folds: number[][] = Array.from({ length: k }, () => []);
  let turn = 0;
  for (const group of groups(ds)) {
    rng.shuffle(group);
    for (const r of group) folds[turn++ % k]!.push(r);
  }
  for (const f of folds) f.sort((a, b) => a - b);
  return folds;
}

/** Rejects K < 2 and K above the row count of the smallest class (or of all rows, for regression). */
export function checkFolds(ds: Dataset, k: number): void {
  if (!Number.isInteger(k) || k < 2) fail('BAD_OPTION', `folds: expected an integer of at least 2, got ${k}`);
  const sizes = groups(ds).map((g) => g.length);
  const smallest = Math.min(...sizes);
  if (k > smallest) {
    const what = ds.task === 'classification'
      ? `the smallest class of the training part has ${smallest} row(s)`
      : `the training part has ${smallest} row(s)`;
    fail('BAD_OPTION', `folds: ${k} is too many, ${what}; choose at most ${smallest}`);
  }
}

export function checkValidationFraction(f: number): void {
  if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0 || f >= 1) {
    fail('BAD_OPTION', `validation-fraction: expected a number above 0 and below 1, got ${f}`);
  }
}

/** Stratified, seeded hold-out of `fraction` of ds's rows: { fit, validation }. */
export function holdOut(ds: Dataset, fraction: number, seed: number): { fit: Dataset; validation: Dataset } {
  checkValidationFraction(fraction);
  if (ds.rows < 2) fail('BAD_DATA', `${ds.name}: ${ds.rows} training row(s) cannot be split into fit and validation parts`);
  const s = splitDataset(ds, fraction, (seed ^ VALIDATION_SEED) >>> 0);
  return { fit: s.train, validation: s.test! };
}

/** The rows of fold `i` as validation and all other rows (in their order) as the fit part. */
export function foldParts(ds: Dataset, folds: number[][], i: number): { fit: Dataset; validation: Dataset } {
  const held = new Uint8Array(ds.rows);
  for (const r of folds[i]!) held[r] = 1;
  const fitRows: number[] = [];
  for (let r = 0; r < ds.rows; r++) if (!held[r]) fitRows.push(r);
  return { fit: subsetRows(ds, fitRows), validation: subsetRows(ds, folds[i]!) };
}

/**
 * PreparedData for a run on `fit` (standardised with fit's own statistics when `standardize`, a
 * regression target too with `standardizeTarget`), plus the held-out part and the test part
 * transformed the same way.
 */
export function prepareParts(
  base: PreparedData, fit: Dataset, validation: Dataset | null, o: { standardize: boolean; standardizeTarget: boolean },
): { prepared: PreparedData; validation: Dataset | null } {
  let standardizer: Standardizer | null = null;
  let f = fit;
  let v = validation;
  let test = base.test;
  if (o.standardize) {
    standardizer = fitStandardizer(fit, { target: o.standardizeTarget });
    f = applyStandardizer(fit, standardizer);
    v = validation ? applyStandardizer(validation, standardizer) : null;
    test = base.test ? applyStandardizer(base.test, standardizer) : null;
  }
  return {
    prepared: { ...base, train: f, test, standardizer, info: foldInfo(base.info, f.rows, standardizer) },
    validation: v,
  };
}

/** A fold's dataset record: its rows, and its own target scale where the target is standardised. */
function foldInfo(info: DatasetInfo, rows: number, s: Standardizer | null): DatasetInfo {
  const { targetScale: _base, ...rest } = info;
  return { ...rest, train: rows, ...(s?.target && { targetScale: s.target }) };
}

function groups(ds: Dataset): number[][] {
  if (ds.task !== 'classification') return [Array.from({ length: ds.rows }, (_, i) => i)];
  const g: number[][] = Array.from({ length: ds.classes }, () => []);
  for (let r = 0; r < ds.rows; r++) g[ds.y[r]!]!.push(r);
  return g.filter((x) => x.length > 0);
}
