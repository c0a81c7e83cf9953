/**
 * CIFAR-10 in its official binary form (Krizhevsky 2009, the "binary version" of
 * https://www.cs.toronto.edu/~kriz/cifar.html): a folder with data_batch_1.bin … data_batch_5.bin
 * (10,000 training images each), test_batch.bin (10,000) and batches.meta.txt (the class names,
 * one per line), or the folder holding the extracted cifar-10-batches-bin. Each record is one
 * label byte (0-9) and 3,072 pixel bytes: the 32×32 red plane, then green, then blue, each row by
 * row. Rows of the dataset keep the image (shape [3, 32, 32]) with the pixels reordered to
 * height × width × channels, as the convolution layers read them, and scaled to [0, 1].
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fail } from '../errors.js';
import { pixelNames } from './dataset.js';
import type { Dataset } from './types.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const PIXELS = 3 * PLANE;
const RECORD = 1 + PIXELS;
const CLASSES = 10;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';
const META_FILE = 'batches.meta.txt';
const SUBFOLDER = 'cifar-10-batches-bin';

/** The official names, used when batches.meta.txt is missing. */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** The folder holding the batch files if dir is a CIFAR-10 binary folder (or contains one), else null. */
export function findCifar10Dir(dir: string): string | null {
  for (const d of [dir, join(dir, SUBFOLDER)]) {
    if ([...TRAIN_FILES, TEST_FILE].some((f) => existsSync(join(d, f)))) return d;
  }
  return null;
}

/**
 * Reads a CIFAR-10 binary folder (see the file comment). The training batches present are read
 * in order (data_batch_1 first), then test_batch.bin as the preset test set when present.
 * `alloc`: where the features go (see LoadOptions.alloc); one batch file's bytes at a time are
 * held besides them.
 */
export function loadCifar10(folder: string, alloc?: (n: number) => Float32Array): Dataset {
  const dir = findCifar10Dir(folder) ?? fail('BAD_DATA', `${folder}: no CIFAR-10 batch files (expected ${TRAIN_FILES.join(', ')}, ${TEST_FILE})`);
  const train = TRAIN_FILES.filter((f) => existsSync(join(dir, f)));
  if (train.length === 0) fail('BAD_DATA', `${dir}: has ${TEST_FILE} but no training batch (data_batch_1.bin … data_batch_5.bin)`);
  const hasTest = existsSync(join(dir, TEST_FILE));
  const files = [...train, ...(hasTest ? [TEST_FILE] : [])].map((f) => join(dir, f));
  const counts = files.map(recordCount);
  const rows = counts.reduce((a, b) => a + b, 0);
  const x = alloc ? alloc(rows * PIXELS) : new Float32Array(rows * PIXELS);
  const y = new Float32Array(rows);
  const scale = new Float32Array(256).map((_, i) => i / 255);
  let r = 0;
  for (const [fi, file] of files.entries()) {
    const bytes = readFileSync(file);
    for (let i = 0; i < counts[fi]!; i++, r++) {
      const rec = i * RECORD;
      const label = bytes[rec]!;
      if (label >= CLASSES) {
        fail('BAD_DATA', `${file}: record ${i + 1} (byte ${rec}) has label ${label}; CIFAR-10 labels are 0-9`);
      }
      y[r] = label;
      // CHW planes → HWC: pixel p of channel c goes to p·3 + c
      const out = r * PIXELS;
      for (let c = 0; c < 3; c++) {
        const plane = rec + 1 + c * PLANE;
        for (let p = 0; p < PLANE; p++) x[out + p * 3 + c] = scale[bytes[plane + p]!]!;
      }
    }
  }
  const ds: Dataset = {
    name: basename(folder),
    task: 'classification',
    rows,
    features: PIXELS,
    classes: CLASSES,
    featureNames: pixelNames(PIXELS),
    targetName: 'label',
    classNames: classNames(dir),
    shape: [3, SIDE, SIDE],
    x,
    y,
  };
  if (hasTest) ds.presetTestRows = counts[counts.length - 1]!;
  return ds;
}

/** Records in a batch file, after checking its size is a whole, non-zero number of them. */
function recordCount(file: string): number {
  const size = statSync(file).size;
  if (size === 0 || size % RECORD !== 0) {
    fail(
      'BAD_FILE',
      `${file}: ${size} bytes is not a whole number of CIFAR-10 records (${RECORD} bytes each: 1 label byte + 3,072 pixels)` +
        (size > RECORD ? `; the file looks truncated after record ${Math.floor(size / RECORD)}` : ''),
    );
  }
  return size / RECORD;
}

/** batches.meta.txt's first ten non-empty lines, or the official names when the file is absent. */
function classNames(dir: string): string[] {
  const file = join(dir, META_FILE);
  if (!existsSync(file)) return CIFAR10_CLASSES.slice();
  const names = readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (names.length < CLASSES) fail('BAD_FILE', `${file}: lists ${names.length} class names; CIFAR-10 has ${CLASSES}`);
  return names.slice(0, CLASSES);
}
