import { fitStandardizer, standardizeInPlace, loadDataset, splitDataset, splitPreset, type Dataset, type Standardizer } from '../data/index.js';
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
 */
export function prepareData(o: ResolvedPathOptions, explicitTestFraction: boolean): PreparedData {
  const task = o.task === 'classify' ? 'classification' : o.task === 'regress' ? 'regression' : 'auto';
  const ds = loadDataset(o.data, { ...(o.target !== null ? { target: o.target } : {}), task });
  if (ds.task === 'classification' && ds.classes < 2) fail('BAD_DATA', `${ds.name}: classification needs at least 2 classes, found ${ds.classes}`);
  const split = ds.presetTestRows && !explicitTestFraction ? splitPreset(ds) : splitDataset(ds, o.testFraction, o.seed);
  let standardizer: Standardizer | null = null;
  if (o.standardize) {
    standardizer = fitStandardizer(split.train);
    // the parts were made here (copies, or views of data loaded here): standardise them in place
    standardizeInPlace(split.train, standardizer);
    if (split.test) standardizeInPlace(split.test, standardizer);
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
