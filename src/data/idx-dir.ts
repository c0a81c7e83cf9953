/**
 * A folder of MNIST-format IDX files: train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each optionally .gz). Names are matched by their
 * '-', '_' or '.' separated words (train | t10k/test, images | labels, idxN), so variants such as
 * train-images.idx3-ubyte or emnist-digits-train-images-idx3-ubyte.gz work too.
 */
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fail } from '../errors.js';
import { indexNames, pixelNames } from './dataset.js';
import { readIdxFile } from './idx.js';
import type { Dataset } from './types.js';

type Part = 'train' | 'test';
type Kind = 'images' | 'labels';

export interface IdxDirOptions {
  /** Dataset name (default: the folder's name). */
  name?: string;
  /** Names for label values 0, 1, … (default: '0', '1', …). */
  classNames?: string[];
  /** Where the features go (see LoadOptions.alloc). */
  alloc?: (n: number) => Float32Array;
}

const EXPECTED =
  'expected names like train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz';

export function loadIdxDir(dir: string, opts: IdxDirOptions = {}): Dataset {
  const files = findIdxFiles(dir);
  const parts: { part: Part; images: Uint8Array; labels: Uint8Array; rows: number; width: number; height: number }[] = [];
  for (const part of ['train', 'test'] as const) {
    const imagesName = files.get(`${part}-images`);
    const labelsName = files.get(`${part}-labels`);
    if (!imagesName && !labelsName) continue;
    if (!imagesName || !labelsName) {
      const [have, missing] = imagesName ? [imagesName, 'labels'] : [labelsName!, 'images'];
      fail('BAD_DATA', `${dir}: found ${have} but no matching ${part} ${missing} file (${EXPECTED})`);
    }
    const imagesFile = join(dir, imagesName);
    const labelsFile = join(dir, labelsName);
    const images = readIdxFile(imagesFile);
    const labels = readIdxFile(labelsFile);
    if (images.dims.length !== 3) {
      fail('BAD_FILE', `${imagesFile}: expected 3 dimensions (count × rows × columns), got ${images.dims.length}`);
    }
    if (labels.dims.length !== 1) {
      fail('BAD_FILE', `${labelsFile}: expected 1 dimension (count), got ${labels.dims.length}`);
    }
    const rows = images.dims[0]!;
    if (labels.dims[0] !== rows) {
      fail('BAD_DATA', `${labelsFile}: has ${labels.dims[0]} labels but ${imagesFile} has ${rows} images`);
    }
    const width = images.dims[1]! * images.dims[2]!;
    if (width === 0) fail('BAD_FILE', `${imagesFile}: images have size ${images.dims[1]}×${images.dims[2]}`);
    if (parts.length > 0 && parts[0]!.width !== width) {
      fail('BAD_DATA', `${imagesFile}: images have ${width} pixels but the train images have ${parts[0]!.width}`);
    }
    parts.push({ part, images: images.data, labels: labels.data, rows, width, height: images.dims[1]! });
  }
  if (parts.length === 0) fail('BAD_DATA', `${dir}: no IDX files found (${EXPECTED})`);

  const features = parts[0]!.width;
  const rows = parts.reduce((a, p) => a + p.rows, 0);
  if (rows === 0) fail('BAD_DATA', `${dir}: the IDX files hold no images`);
  const x = opts.alloc ? opts.alloc(rows * features) : new Float32Array(rows * features);
  const y = new Float32Array(rows);
  // Lookup table: byte → [0,1] float, so the conversion is one load per pixel.
  const scale = new Float32Array(256).map((_, i) => i / 255);
  let r = 0;
  let maxLabel = 0;
  for (const p of parts) {
    const base = r * features;
    for (let i = 0; i < p.images.length; i++) x[base + i] = scale[p.images[i]!]!;
    for (let i = 0; i < p.rows; i++) {
      const label = p.labels[i]!;
      if (label > maxLabel) maxLabel = label;
      y[r + i] = label;
    }
    r += p.rows;
  }
  const classes = maxLabel + 1;
  checkLabelsDense(y, classes, dir);
  let classNames = indexNames(classes);
  if (opts.classNames) {
    if (opts.classNames.length < classes) {
      fail('BAD_DATA', `${dir}: label ${maxLabel} found but only ${opts.classNames.length} classes are known`);
    }
    classNames = opts.classNames.slice(0, classes);
  }
  const ds: Dataset = {
    name: opts.name ?? basename(dir),
    task: 'classification',
    rows,
    features,
    classes,
    featureNames: pixelNames(features),
    targetName: 'label',
    classNames,
    shape: [1, parts[0]!.height, features / parts[0]!.height],
    x,
    y,
  };
  // Train and test both present: rows are train then test, and the caller may keep that split.
  if (parts.length === 2) ds.presetTestRows = parts[1]!.rows;
  return ds;
}

/** Maps 'train-images' etc. to a file name in `dir`. */
function findIdxFiles(dir: string): Map<string, string> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    return fail('FILE_NOT_FOUND', `${dir}: cannot list folder (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const found = new Map<string, string[]>();
  for (const name of names.sort()) {
    const slot = classify(name);
    if (slot) found.set(slot, [...(found.get(slot) ?? []), name]);
  }
  const out = new Map<string, string>();
  for (const [slot, candidates] of found) {
    // The same file both gzipped and not is fine (take the uncompressed one, it loads faster);
    // two different files for one slot (say, two EMNIST splits) is ambiguous.
    const stems = new Set(candidates.map((n) => n.replace(/\.gz$/i, '')));
    if (stems.size > 1) {
      fail('BAD_DATA', `${dir}: several ${slot.replace('-', ' ')} files (${candidates.join(', ')}); keep one set per folder`);
    }
    out.set(slot, candidates.find((n) => !/\.gz$/i.test(n)) ?? candidates[0]!);
  }
  return out;
}

function classify(name: string): string | null {
  const words = name.toLowerCase().split(/[-_.]/);
  if (!words.some((w) => /^idx\d$/.test(w))) return null;
  const part: Part | null = words.includes('train') ? 'train' : words.includes('t10k') || words.includes('test') ? 'test' : null;
  const kind: Kind | null = words.includes('images') ? 'images' : words.includes('labels') ? 'labels' : null;
  return part && kind ? `${part}-${kind}` : null;
}

/**
 * IDX labels are class indices 0..K-1. A label with no examples below the largest one (say
 * {0, 1, 250}) is a corrupt or foreign label file, not 251 classes with 248 empty.
 */
function checkLabelsDense(y: Float32Array, classes: number, dir: string): void {
  const seen = new Uint8Array(classes);
  for (let i = 0; i < y.length; i++) seen[y[i]!] = 1;
  const missing: number[] = [];
  seen.forEach((s, label) => { if (!s) missing.push(label); });
  if (missing.length === 0) return;
  const present = classes - missing.length;
  const list = (xs: number[]): string => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')}, … (${xs.length})` : xs.join(', '));
  fail('BAD_DATA', `${dir}: labels must be class indices 0..K-1, but the largest label is ${classes - 1} and label${missing.length === 1 ? '' : 's'} ${list(missing)} never occur${missing.length === 1 ? 's' : ''} (${present} distinct labels in all)`);
}
