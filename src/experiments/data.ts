import { applyStandardizer, fitStandardizer, loadDataset, splitDataset, splitPreset, subsetRows, type Dataset } from '../data/index.js';
import { fail } from '../errors.js';

/** Which data an experiment (widths, neurons --reduce) trains on; saved in its settings.json. */
export interface ExperimentDataOptions {
  /** Data spec as for `regpath path`. @default 'mnist' */
  data: string;
  /** Training rows N: the first N of the seeded, stratified training part (null: all). */
  n: number | null;
  /** Seed of the train/test split. @default 1 */
  seed: number;
  /** @default 0.2 (an IDX folder's official test set when it has one) */
  testFraction: number | null;
  /**
   * Per-feature standardisation on the N training rows. @default false: raw pixels in [0, 1], as
   * torchvision's ToTensor gives them (the PyTorch reference numbers of the width experiment).
   */
  standardize: boolean;
}

export interface ExperimentData {
  train: Dataset;
  test: Dataset | null;
  name: string;
  classes: number;
}

/**
 * Loads and splits the data as `regpath path` does (same seeded stratified split, so N = all and
 * standardize = true give path's training part), then keeps the first N training rows — the
 * split shuffles, so they are a random sample with about the class proportions of the whole.
 */
export function loadExperimentData(o: ExperimentDataOptions): ExperimentData {
  const ds = loadDataset(o.data, { task: 'classification' });
  if (ds.task !== 'classification' || ds.classes < 2) fail('BAD_DATA', `${ds.name}: the experiment needs a classification data set`);
  const split = ds.presetTestRows && o.testFraction === null ? splitPreset(ds) : splitDataset(ds, o.testFraction ?? 0.2, o.seed);
  let train = split.train;
  if (o.n !== null) {
    if (o.n > train.rows) fail('BAD_OPTION', `--n ${o.n}: the training part of ${ds.name} has only ${train.rows} rows`);
    train = subsetRows(train, Array.from({ length: o.n }, (_, i) => i));
  }
  let test = split.test;
  if (o.standardize) {
    const s = fitStandardizer(train);
    train = applyStandardizer(train, s);
    test = test ? applyStandardizer(test, s) : null;
  }
  return { train, test, name: ds.name, classes: ds.classes };
}
