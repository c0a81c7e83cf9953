/**
 * Train/test splits. Random splits are seeded (same seed → same split) and, for classification,
 * stratified: every class goes to the test set in the same proportion, so small classes are not
 * lost by chance. Each part comes out in a seeded random order, so class-sorted sources (the
 * built-in mnist) do not reach the trainer sorted.
 */
import { fail } from '../errors.js';
import { Rng } from '../util/rng.js';
import { rowRange, subsetRows } from './dataset.js';
import type { Dataset, Split } from './types.js';

export function splitDataset(ds: Dataset, testFraction: number, seed: number): Split {
  if (!(Number.isFinite(testFraction) && testFraction >= 0 && testFraction < 1)) {
    fail('BAD_OPTION', `test fraction must be at least 0 and below 1, got ${testFraction}`);
  }
  const rng = new Rng(seed);
  if (testFraction === 0) {
    const all = range(0, ds.rows);
    rng.shuffle(all);
    return { train: subsetRows(ds, all), test: null };
  }
  if (ds.rows < 2) fail('BAD_DATA', `${ds.name}: cannot split ${ds.rows} row(s) into train and test sets`);
  // At least one row in each part, whatever the rounding.
  const nTest = Math.min(ds.rows - 1, Math.max(1, Math.round(testFraction * ds.rows)));
  const groups = ds.task === 'classification' ? rowsByClass(ds) : [range(0, ds.rows)];
  const quotas = apportion(groups.map((g) => g.length), nTest);
  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((g, k) => {
    rng.shuffle(g);
    for (let i = 0; i < g.length; i++) (i < quotas[k]! ? test : train).push(g[i]!);
  });
  rng.shuffle(train);
  rng.shuffle(test);
  return { train: subsetRows(ds, train), test: subsetRows(ds, test) };
}

/**
 * The source's official split (presetTestRows, e.g. MNIST's t10k files): train rows, then test
 * rows, as views into the source's buffers (Fashion-MNIST's 70,000 × 784 floats are 219 MB: a
 * copy would double that). The parts share memory with `ds`, never with each other.
 */
export function splitPreset(ds: Dataset): Split {
  const nTest = ds.presetTestRows ?? 0;
  if (nTest <= 0) return { train: ds, test: null };
  const nTrain = ds.rows - nTest;
  return { train: rowRange(ds, 0, nTrain), test: rowRange(ds, nTrain, ds.rows) };
}

function rowsByClass(ds: Dataset): number[][] {
  const groups: number[][] = Array.from({ length: ds.classes }, () => []);
  for (let r = 0; r < ds.rows; r++) groups[ds.y[r]!]!.push(r);
  return groups.filter((g) => g.length > 0);
}

/**
 * Splits `total` test rows over groups in proportion to their sizes (largest remainder method),
 * so the parts add up exactly and each group's share is within one row of proportional.
 */
function apportion(sizes: number[], total: number): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  const exact = sizes.map((s) => (s * total) / n);
  const quotas = exact.map(Math.floor);
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = sizes.map((_, k) => k).sort((a, b) => exact[b]! - quotas[b]! - (exact[a]! - quotas[a]!) || a - b);
  for (const k of byRemainder) {
    if (left === 0) break;
    quotas[k]!++;
    left--;
  }
  return quotas;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
