import { applyStandardizer, fitStandardizer, loadDataset, splitDataset, splitPreset, type Dataset, type Standardizer } from '../data/index.js';
import { fail } from '../errors.js';
import type { ResolvedPathOptions } from './options.js';

/** What path.json records about the data (names let export and predict match columns). */
export interface DatasetInfo {
  name: string;
  task: 'classification' | 'regression';
  features: number;
  classes: number;
  train: number;
  test: number;
  featureNames: string[];
  classNames: string[];
  /** The target column's name (predict ignores a column of that name in new data). */
  target: string;
}

export interface PreparedData {
  train: Dataset;
  test: Dataset | null;
  /** The training part's feature mean and std (identity when standardisation is off). */
  standardizer: Standardizer | null;
  /** Source name, task and sizes, as recorded in path.json. */
  info: DatasetInfo;
  classNames: string[];
  featureNames: string[];
}

/**
 * Loads the data, splits it (stratified, seeded; an IDX folder's official test set when it has
 * one and no --test-fraction was chosen) and standardises with statistics of the training part.
 * `inMemory` is the data itself (from arrays, src/data/arrays.ts) instead of loading `o.data`.
 */
export function prepareData(o: ResolvedPathOptions, explicitTestFraction: boolean, inMemory?: Dataset): PreparedData {
  const task = o.task === 'classify' ? 'classification' : o.task === 'regress' ? 'regression' : 'auto';
  if (inMemory && o.target !== null) fail('BAD_OPTION', 'target: names a CSV column; in-memory data gives the target array itself');
  const ds = inMemory ?? loadDataset(o.data, { ...(o.target !== null ? { target: o.target } : {}), task });
  if (ds.task === 'classification' && ds.classes < 2) fail('BAD_DATA', `${ds.name}: classification needs at least 2 classes, found ${ds.classes}`);
  let split = ds.presetTestRows && !explicitTestFraction ? splitPreset(ds) : splitDataset(ds, o.testFraction, o.seed);
  let standardizer: Standardizer | null = null;
  if (o.standardize) {
    standardizer = fitStandardizer(split.train);
    split = { train: applyStandardizer(split.train, standardizer), test: split.test ? applyStandardizer(split.test, standardizer) : null };
  }
  return {
    train: split.train,
    test: split.test,
    standardizer,
    info: {
      name: ds.name, task: ds.task, features: ds.features, classes: ds.classes,
      train: split.train.rows, test: split.test?.rows ?? 0,
      featureNames: ds.featureNames, classNames: ds.classNames, target: ds.targetName ?? 'target',
    },
    classNames: ds.classNames,
    featureNames: ds.featureNames,
  };
}
