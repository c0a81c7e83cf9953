import type { Dataset } from './types.js';

/** Names '0', '1', … for classes that are just integers (MNIST digits, IDX labels). */
export function indexNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(i));
}

/** Feature names for flattened square-ish images: pixel0 … pixelN-1 (the usual MNIST CSV naming). */
export function pixelNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `pixel${i}`);
}

/**
 * A new Dataset holding the given rows of `ds`, in the given order. Buffers are copied so the
 * parts of a split never alias each other or the source. presetTestRows is dropped: it
 * describes the source's row layout, which a subset no longer has.
 */
export function subsetRows(ds: Dataset, rowIndex: ArrayLike<number>, name = ds.name): Dataset {
  const f = ds.features;
  const n = rowIndex.length;
  const x = new Float32Array(n * f);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rowIndex[i]!;
    x.set(ds.x.subarray(r * f, (r + 1) * f), i * f);
    y[i] = ds.y[r]!;
  }
  return withRows(ds, name, x, y);
}

/**
 * Rows from ..< to of `ds` as views into its buffers (no copy): for splits into contiguous,
 * disjoint parts, which then never alias each other. presetTestRows is dropped as in subsetRows.
 */
export function rowRange(ds: Dataset, from: number, to: number): Dataset {
  const f = ds.features;
  return withRows(ds, ds.name, ds.x.subarray(from * f, to * f), ds.y.subarray(from, to));
}

/** `ds` described over other rows (one target each in y): its name lists copied, presetTestRows dropped. */
function withRows(ds: Dataset, name: string, x: Float32Array, y: Float32Array): Dataset {
  return {
    name,
    task: ds.task,
    rows: y.length,
    features: ds.features,
    classes: ds.classes,
    featureNames: ds.featureNames.slice(),
    classNames: ds.classNames.slice(),
    ...(ds.targetName !== undefined && { targetName: ds.targetName }),
    x,
    y,
  };
}
