import { fitStandardizer, standardizeInPlace, loadDataset, splitDataset, splitPreset, type Dataset, type Standardizer, type TargetScale } from '../data/index.js';
import { checkTrainingPart } from '../data/check.js';
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
  /** An example's shape [channels, height, width] for images (stored height × width × channels). */
  shape?: number[];
  /**
   * A standardised regression target's training mean and std: the front's losses are those of
   * (y - mean) / std, so a loss times std² is a mean squared error in the target's units.
   */
  targetScale?: TargetScale;
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
  /** The parts' features are views of one buffer from `DataMemory.alloc` (use them in place). */
  inKernelMemory?: boolean;
}

/** Where a loader may put the features: the kernels' memory, so a large set exists once. */
export interface DataMemory {
  alloc(n: number): Float32Array;
  free(a: Float32Array): void;
}

/**
 * Loads the data, splits it (stratified, seeded; an IDX or CIFAR-10 folder's official test set
 * when it has one and no --test-fraction was chosen) and standardises with statistics of the
 * training part. `inMemory` is the data itself (from arrays, src/data/arrays.ts) instead of
 * loading `o.data`. With `memory`, an IDX or CIFAR-10 loader writes the features there, and when
 * the parts are views of them (the official split) they stay there, standardised in place
 * (`inKernelMemory`); otherwise that buffer is given back once the parts are copied out.
 */
export function prepareData(o: ResolvedPathOptions, explicitTestFraction: boolean, inMemory?: Dataset, memory?: DataMemory): PreparedData {
  const task = o.task === 'classify' ? 'classification' : o.task === 'regress' ? 'regression' : 'auto';
  if (inMemory && o.target !== null) fail('BAD_OPTION', 'target: names a CSV column; in-memory data gives the target array itself');
  const given: { x: Float32Array | null } = { x: null };
  const alloc = memory && !inMemory ? { alloc: (n: number) => (given.x = memory.alloc(n)) } : {};
  const ds = withInputShape(inMemory ?? loadDataset(o.data, { ...(o.target !== null ? { target: o.target } : {}), task, ...alloc }), o.inputShape);
  if (ds.task === 'classification' && ds.classes < 2) fail('BAD_DATA', `${ds.name}: classification needs at least 2 classes, found ${ds.classes}`);
  const split = ds.presetTestRows && !explicitTestFraction ? splitPreset(ds) : splitDataset(ds, o.testFraction, o.seed);
  checkTrainingPart(split.train, ds.rows, ds.name);
  const loaderBuffer = given.x;
  const inKernelMemory = loaderBuffer !== null && isViewOf(split.train.x, loaderBuffer) && (!split.test || isViewOf(split.test.x, loaderBuffer));
  if (loaderBuffer && !inKernelMemory) memory!.free(loaderBuffer);
  let standardizer: Standardizer | null = null;
  if (o.standardize) {
    standardizer = fitStandardizer(split.train, { target: o.standardizeTarget });
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
      ...(ds.shape && { shape: ds.shape }),
      ...(standardizer?.target && { targetScale: standardizer.target }),
    },
    classNames: ds.classNames,
    featureNames: ds.featureNames,
    ...(inKernelMemory && { inKernelMemory }),
  };
}

function isViewOf(a: Float32Array, of: Float32Array): boolean {
  return a.buffer === of.buffer && a.byteOffset >= of.byteOffset && a.byteOffset + a.byteLength <= of.byteOffset + of.byteLength;
}

/**
 * The data with the example shape of --input-shape C,H,W: a CSV row lists its columns channel by
 * channel (C planes of H×W, as CIFAR and PyTorch store images), and the layers read height ×
 * width × channels, so columns and their names are permuted once here (predict matches new
 * data's columns by those names).
 */
function withInputShape(ds: Dataset, shape: number[] | undefined): Dataset {
  if (!shape) return ds;
  const [c, h, w] = shape as [number, number, number];
  if (c * h * w !== ds.features) {
    fail('BAD_OPTION', `--input-shape ${shape.join(',')}: ${c}×${h}×${w} = ${c * h * w} values per example, but ${ds.name} has ${ds.features} features`);
  }
  if (c === 1) return { ...ds, shape: [...shape] };
  const perm = new Int32Array(ds.features); // HWC position → CHW column
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) perm[(y * w + x) * c + ch] = (ch * h + y) * w + x;
  const f = ds.features;
  const out = new Float32Array(ds.x.length);
  for (let r = 0; r < ds.rows; r++) for (let j = 0; j < f; j++) out[r * f + j] = ds.x[r * f + perm[j]!]!;
  return { ...ds, x: out, featureNames: Array.from(perm, (j) => ds.featureNames[j]!), shape: [...shape] };
}
