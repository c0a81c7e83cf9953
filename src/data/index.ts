/** Public face of src/data: from a user's data spec to standardized train/test sets. */
export type { Dataset, LoadOptions, Split, Standardizer, TargetScale, Task } from './types.js';
export { loadDataset, ACCEPTED_SPECS } from './load.js';
export { splitDataset, splitPreset } from './split.js';
export { fitStandardizer, applyStandardizer, standardizeInPlace, unstandardizeTarget } from './standardize.js';
export { subsetRows } from './dataset.js';
export { loadMnist } from './mnist.js';
export { loadIris } from './iris.js';
export { loadCsv, parseCsvDataset } from './csv.js';
export { loadIdxDir } from './idx-dir.js';
export { loadCifar10, CIFAR10_CLASSES } from './cifar.js';
export { readIdxFile, parseIdx, encodeIdx } from './idx.js';
export { loadFashionMnist, FASHION_MNIST_DIR, FASHION_MNIST_CLASSES } from './fashion-mnist.js';
export { MAX_INFERRED_CLASSES } from './csv-target.js';
