/**
 * Data already in memory (a Node service, a notebook) as a Dataset, with the checks a CSV file
 * gets: every row the same width, every feature a finite number, one target per row. A string
 * target, or integers with at most MAX_INFERRED_CLASSES distinct values, is a classification
 * (the CSV rule, src/data/csv-target.ts), unless `task` says otherwise. Errors name the field
 * and index, e.g. `data.features[3][1]`.
 */
import { fail } from '../errors.js';
import { MAX_INFERRED_CLASSES } from './csv-target.js';
import type { Dataset } from './types.js';

export interface ArrayData {
  /** One row per example: an array of rows, or a flat row-major array with `shape`. */
  features: ArrayLike<number>[] | Float32Array | Float64Array;
  /** [rows, features] of a flat `features` array (ignored for an array of rows). */
  shape?: [number, number];
  /** One value per row: class labels (strings or integers) or regression targets. */
  target: ArrayLike<number> | string[];
  /** @default 'x0', 'x1', … */
  featureNames?: string[];
  /** @default 'auto': strings or few distinct integers → classification, else regression */
  task?: 'classify' | 'regress' | 'auto';
  /** Name in reports and path.json. @default 'arrays' */
  name?: string;
}

export function isArrayData(d: unknown): d is ArrayData {
  return typeof d === 'object' && d !== null && 'features' in d;
}

export function datasetFromArrays(d: ArrayData): Dataset {
  if (!isArrayData(d) || d.target === undefined) fail('BAD_OPTION', 'data: expected a name, a file, or { features, target } arrays');
  const { x, rows, features } = featureMatrix(d);
  const target = Array.from(d.target as ArrayLike<number | string>);
  if (target.length !== rows) fail('BAD_DATA', `data.target: expected ${rows} values (one per row of data.features), got ${target.length}`);
  const featureNames = d.featureNames ?? Array.from({ length: features }, (_, j) => `x${j}`);
  if (!Array.isArray(featureNames) || featureNames.length !== features || featureNames.some((n) => typeof n !== 'string')) {
    fail('BAD_DATA', `data.featureNames: expected ${features} names (one per feature column), got ${JSON.stringify(d.featureNames)}`);
  }
  if (new Set(featureNames).size !== features) fail('BAD_DATA', 'data.featureNames: names must be distinct');
  const task = d.task ?? 'auto';
  if (!['classify', 'regress', 'auto'].includes(task)) fail('BAD_OPTION', `data.task: expected classify, regress or auto, got "${String(task)}"`);
  const y = encode(target, task);
  return {
    name: d.name ?? 'arrays', task: y.classNames.length ? 'classification' : 'regression', rows, features,
    classes: y.classNames.length, featureNames: featureNames.slice(), classNames: y.classNames, targetName: 'target', x, y: y.y,
  };
}

/** Rows × features as one row-major Float32Array, or a row-major copy of a flat input. */
export function featureMatrix(d: Pick<ArrayData, 'features' | 'shape'>, name = 'data.features', width?: number): { x: Float32Array; rows: number; features: number } {
  const f = d.features;
  if (f instanceof Float32Array || f instanceof Float64Array) {
    const cols = width ?? d.shape?.[1];
    const rows = d.shape?.[0] ?? (cols ? f.length / cols : NaN);
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows! < 1 || cols! < 1 || rows * cols! !== f.length) {
      fail('BAD_DATA', `${name}: a flat array of ${f.length} numbers needs shape [rows, features] with rows × features = ${f.length}, got ${JSON.stringify(d.shape ?? null)}`);
    }
    const x = Float32Array.from(f);
    const bad = x.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail('BAD_DATA', `${name}[${Math.floor(bad / cols!)}][${bad % cols!}]: expected a finite number, got ${f[bad]}`);
    return { x, rows, features: cols! };
  }
  if (!Array.isArray(f) || f.length === 0) fail('BAD_DATA', `${name}: expected a non-empty array of rows (or a Float32Array with shape)`);
  const cols = width ?? f[0]!.length;
  if (!(cols >= 1)) fail('BAD_DATA', `${name}[0]: expected a row of numbers, got ${JSON.stringify(f[0])}`);
  const x = new Float32Array(f.length * cols);
  for (let r = 0; r < f.length; r++) {
    const row = f[r]!;
    if (!row || row.length !== cols) fail('BAD_DATA', `${name}[${r}]: expected ${cols} numbers${width === undefined ? ' (as in row 0)' : ''}, got ${row?.length ?? String(row)}`);
    for (let j = 0; j < cols; j++) {
      const v = row[j]!;
      if (typeof v !== 'number' || !Number.isFinite(v)) fail('BAD_DATA', `${name}[${r}][${j}]: expected a finite number, got ${JSON.stringify(v) ?? String(v)}`);
      x[r * cols + j] = v;
    }
  }
  return { x, rows: f.length, features: cols };
}

function encode(target: Array<number | string>, task: 'classify' | 'regress' | 'auto'): { y: Float32Array; classNames: string[] } {
  const strings = target.some((v) => typeof v === 'string');
  if (!strings) {
    const bad = target.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) fail('BAD_DATA', `data.target[${bad}]: expected a finite number or a label, got ${JSON.stringify(target[bad]) ?? String(target[bad])}`);
  } else if (task === 'regress') {
    const i = target.findIndex((v) => typeof v === 'string');
    fail('BAD_DATA', `data.target[${i}]: expected a number for a regression target, got ${JSON.stringify(target[i])}`);
  }
  const values = target as number[];
  const classify = task === 'classify' || strings ||
    (task === 'auto' && values.every(Number.isInteger) && new Set(values).size <= MAX_INFERRED_CLASSES);
  if (!classify) return { y: Float32Array.from(values), classNames: [] };
  // labels named by their spelling; numbers in numeric order, strings by code unit (as for a CSV)
  const labels = target.map((v) => String(v).trim());
  const classNames = [...new Set(labels)].sort(strings ? (a, b) => (a < b ? -1 : a > b ? 1 : 0) : (a, b) => Number(a) - Number(b));
  if (classNames.length < 2) fail('BAD_DATA', `data.target: has only one value (${JSON.stringify(classNames[0])}); classification needs at least 2 classes`);
  const index = new Map(classNames.map((n, i) => [n, i]));
  return { y: Float32Array.from(labels, (l) => index.get(l)!), classNames };
}
