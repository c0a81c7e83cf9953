/**
 * The built-in 'fashion-mnist': Zalando's 70,000 clothing images (60,000 train then 10,000 test,
 * kept as presetTestRows), read from where Debian's dataset-fashion-mnist package installs them.
 * The data is 30 MB, so we rely on the system package instead of shipping it.
 */
import { existsSync } from 'node:fs';
import { fail } from '../errors.js';
import { loadIdxDir } from './idx-dir.js';
import type { Dataset } from './types.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Where a named set that is read from disk lives (its fingerprint hashes that folder), else null. */
export function storedDataDir(name: string): string | null {
  return name === 'fashion-mnist' ? FASHION_MNIST_DIR : null;
}

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

export function loadFashionMnist(dir = FASHION_MNIST_DIR, alloc?: (n: number) => Float32Array): Dataset {
  if (!existsSync(dir)) {
    fail(
      'FILE_NOT_FOUND',
      `built-in dataset 'fashion-mnist' not found at ${dir}: install it with 'apt-get install dataset-fashion-mnist', or pass the folder holding its IDX files instead of 'fashion-mnist'`,
    );
  }
  return loadIdxDir(dir, { name: 'fashion-mnist', classNames: FASHION_MNIST_CLASSES, ...(alloc && { alloc }) });
}
