/** Shapes shared by everything in src/data. */
export type Task = 'classification' | 'regression';

export interface Dataset {
  /** Short name for reports, e.g. 'mnist', 'iris', 'my.csv'. */
  name: string;
  task: Task;
  rows: number;
  features: number;
  /** Number of classes; 0 for regression. */
  classes: number;
  featureNames: string[];
  /** Name of the target column ('label' for image sets, 'species' for iris). */
  targetName?: string;
  /** Label value of each class index ([] for regression). */
  classNames: string[];
  /**
   * An image's shape [channels, height, width] for image sources; rows of x hold the pixels in
   * height × width × channels order (NHWC, see nn/layers/layer.ts), whatever order the file had.
   */
  shape?: number[];
  /** rows × features, row-major. */
  x: Float32Array;
  /** Class index (0..classes-1, stored as float) or regression target. */
  y: Float32Array;
  /**
   * Set when the source came with an official train/test split (an IDX folder with both train
   * and t10k files): the last `presetTestRows` rows are the official test set. See splitPreset.
   */
  presetTestRows?: number;
}

export interface LoadOptions {
  /** CSV only: name of the target column (default: the last column). */
  target?: string;
  /** CSV only: force the task instead of inferring it from the target column. */
  task?: Task | 'auto';
  /**
   * IDX and CIFAR-10 folders (incl. 'fashion-mnist'): where the features are written, e.g. the
   * kernels' alloc, so that a large set exists once, in the memory the training reads (default: a
   * Float32Array).
   */
  alloc?: (n: number) => Float32Array;
}

export interface Split {
  train: Dataset;
  test: Dataset | null;
}

export interface Standardizer {
  mean: Float32Array;
  std: Float32Array;
  /**
   * A regression target's mean and std (training part): the network fits (y - mean) / std and
   * predicts mean + std · f(x). Absent: the target is used as it is (and always for classes).
   */
  target?: TargetScale;
}

export interface TargetScale {
  mean: number;
  std: number;
}
