/**
 * Reading one network out of a finished (or running) run folder: path.json, the weights of one
 * front point, the standardisation and the names of the features and classes. Everything a
 * user can get wrong (not a run, a newer format, a point out of range, no selection yet) is a
 * RegpathError with one line naming the folder and what to do.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDataset } from '../data/load.js';
import { readCsvText } from '../data/csv-read.js';
import type { Standardizer } from '../data/types.js';
import { RegpathError, fail } from '../errors.js';
import { checkFormat } from '../io/format.js';
import { readJsonFile } from '../io/json.js';
import { readSafetensors } from '../io/safetensors.js';
import type { ActName } from '../kernels/kernels.js';
import type { DenseLayer } from '../nn/sparse.js';
import { PATH_FORMAT, type PathPoint, type PathSummary } from '../path/result.js';

export const SELECTION_FILE = 'selected.json';
export const SELECTION_FORMAT = 'regpath.selection/1';
const SETTINGS_FORMAT = 'regpath.settings/1';
const ACTIVATIONS: readonly ActName[] = ['identity', 'relu', 'tanh', 'sigmoid'];

/** `<i>` (index into path.json `points`, 0-based, l1 ascending) or 'selected' (RUN/selected.json). */
export type PointSpec = number | 'selected';

export function parsePointSpec(text: string): PointSpec {
  const t = text.trim();
  if (t === 'selected') return 'selected';
  if (/^\d+$/.test(t)) return Number(t);
  return fail('BAD_OPTION', `--point: expected a front index (0, 1, …) or "selected", got "${text}"`);
}

export interface RunInfo {
  dir: string;
  summary: PathSummary;
  settings: { options: { data: string; target: string | null; task: string } } & Record<string, unknown>;
}

/** Opens RUN: it must be a folder holding regpath's settings.json and a path.json of this format. */
export function openRun(dir: string): RunInfo {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return fail('FILE_NOT_FOUND', `${dir}: no such run folder`);
  }
  if (!stat.isDirectory()) fail('BAD_RUN', `${dir} is not a run folder (it is a file)`);
  const settingsFile = path.join(dir, 'settings.json');
  const pathFile = path.join(dir, 'path.json');
  if (!fs.existsSync(settingsFile) || !fs.existsSync(pathFile)) {
    fail('BAD_RUN', `${dir} is not a regpath run (it has no ${fs.existsSync(settingsFile) ? 'path.json' : 'settings.json'})`);
  }
  const settings = readJsonFile(settingsFile);
  checkFormat(settings, SETTINGS_FORMAT, settingsFile);
  const summary = readJsonFile(pathFile);
  checkFormat(summary, PATH_FORMAT, pathFile);
  const s = summary as PathSummary;
  if (!Array.isArray(s.points) || !s.model || !Array.isArray(s.model.layers) || !s.dataset) {
    fail('BAD_FILE', `${pathFile} is incomplete (no points, model or dataset)`);
  }
  if (!ACTIVATIONS.includes(s.model.activation as ActName)) fail('BAD_FILE', `${pathFile}: unknown activation "${s.model.activation}"`);
  return { dir, summary: s, settings: settings as RunInfo['settings'] };
}

/** Resolves a point spec to an index into `points`, reading selected.json when asked to. */
export function resolvePoint(run: RunInfo, spec: PointSpec): number {
  const n = run.summary.points.length;
  if (n === 0) fail('BAD_RUN', `${run.dir} has no points on its front yet`);
  const range = `the front of ${run.dir} has ${n} point${n === 1 ? '' : 's'}, 0..${n - 1} (path.json points, l1 ascending)`;
  if (spec === 'selected') {
    const file = path.join(run.dir, SELECTION_FILE);
    if (!fs.existsSync(file)) fail('BAD_RUN', `${run.dir} has no ${SELECTION_FILE}: run \`regpath select ${run.dir}\` first, or pass --point <index> (${range})`);
    const sel = readJsonFile(file);
    checkFormat(sel, SELECTION_FORMAT, file);
    const p = (sel as { point?: unknown }).point;
    if (typeof p !== 'number' || !Number.isSafeInteger(p) || p < 0 || p >= n) {
      fail('BAD_FILE', `${file}: "point" is ${JSON.stringify(p)}, not an index into the front (${range})`);
    }
    const raw = (sel as { index?: unknown }).index;
    if (typeof raw === 'number' && raw !== run.summary.points[p]!.index) {
      fail('BAD_RUN', `${file} chose front point ${p} (points/${String(raw).padStart(3, '0')}), but path.json's point ${p} is now points/${String(run.summary.points[p]!.index).padStart(3, '0')}: run \`regpath select ${run.dir}\` again`);
    }
    return p;
  }
  if (!Number.isSafeInteger(spec) || spec < 0 || spec >= n) fail('BAD_OPTION', `point ${spec} is out of range: ${range}`);
  return spec;
}

/** The network of one front point, as stored (kernels act on standardised features). */
export interface RunModel {
  run: RunInfo;
  /** Index into path.json `points`. */
  position: number;
  point: PathPoint;
  task: 'classification' | 'regression';
  layers: DenseLayer[];
  activation: ActName;
  standardizer: Standardizer | null;
}

export function loadRunModel(run: RunInfo, position: number): RunModel {
  const { summary, dir } = run;
  const point = summary.points[position]!;
  const widths = summary.model.layers;
  const file = path.join(dir, point.weights);
  if (!fs.existsSync(file)) fail('BAD_RUN', `${dir}: the weights of front point ${position} (${point.weights}) are missing`);
  const { tensors } = readSafetensors(file);
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l]!;
    const fanOut = widths[l + 1]!;
    const get = (name: string, shape: number[]): Float32Array => {
      const t = tensors[name];
      if (!t) return fail('BAD_RUN', `${file}: tensor ${name} is missing`);
      if (t.dtype !== 'F32' || t.shape.join(',') !== shape.join(',')) {
        fail('BAD_RUN', `${file}: tensor ${name} is ${t.dtype} [${t.shape.join(', ')}], expected F32 [${shape.join(', ')}]`);
      }
      return t.data as Float32Array;
    };
    layers.push({ fanIn, fanOut, kernel: get(`layer${l}.kernel`, [fanIn, fanOut]), bias: get(`layer${l}.bias`, [fanOut]) });
  }
  let standardizer: Standardizer | null = null;
  const pre = path.join(dir, 'preprocess.safetensors');
  if (fs.existsSync(pre)) {
    const { tensors: t } = readSafetensors(pre);
    const d = widths[0]!;
    const vec = (name: string): Float32Array => {
      const x = t[name];
      if (!x || x.dtype !== 'F32' || x.shape.join(',') !== String(d)) fail('BAD_RUN', `${pre}: tensor ${name} must be F32 [${d}]`);
      return x.data as Float32Array;
    };
    standardizer = { mean: vec('mean'), std: vec('std') };
  }
  return { run, position, point, task: summary.dataset.task, layers, activation: summary.model.activation as ActName, standardizer };
}

export interface RunNames {
  featureNames: string[];
  /** [] for regression. */
  classNames: string[];
  /** Input columns that are not features but may be present (the training target). */
  targetNames: string[];
}

/**
 * Feature, class and target names of a run. path.json's dataset holds them when it has
 * `featureNames`; otherwise they are read from the training data named in settings.json (the
 * data spec, resolved as it was at run time: relative to the current folder). Throws BAD_RUN
 * when that data cannot be read.
 */
export function runNames(run: RunInfo): RunNames {
  const ds = run.summary.dataset as PathSummary['dataset'] & { featureNames?: unknown; classNames?: unknown; target?: unknown };
  const o = run.settings.options;
  if (Array.isArray(ds.featureNames) && ds.featureNames.every((n) => typeof n === 'string')) {
    return {
      featureNames: ds.featureNames as string[],
      classNames: Array.isArray(ds.classNames) ? (ds.classNames as string[]) : [],
      targetNames: typeof ds.target === 'string' ? [ds.target] : o.target !== null && o.target !== undefined ? [o.target] : [],
    };
  }
  const task = o.task === 'classify' ? 'classification' : o.task === 'regress' ? 'regression' : 'auto';
  let data;
  try {
    data = loadDataset(o.data, { ...(o.target !== null && o.target !== undefined ? { target: o.target } : {}), task });
  } catch (err) {
    if (!(err instanceof RegpathError)) throw err;
    return fail('BAD_RUN', `${run.dir}: the feature names are not recorded in the run and its training data "${o.data}" cannot be read from here (${err.message})`);
  }
  if (data.features !== run.summary.dataset.features) {
    fail('BAD_RUN', `${run.dir}: its training data "${o.data}" now has ${data.features} features, the run was trained on ${run.summary.dataset.features}`);
  }
  let targetNames: string[];
  if (/\.csv$/i.test(o.data)) {
    const header = readCsvText(fs.readFileSync(o.data), o.data).header.map((h, i) => (h === '' ? `column${i + 1}` : h));
    const features = new Set(data.featureNames);
    targetNames = header.filter((h) => !features.has(h));
  } else {
    // built-in and IDX sets have no header; these are the names a label column usually has
    targetNames = o.data.trim().toLowerCase() === 'iris' ? ['species', 'class', 'label'] : ['label', 'class'];
  }
  return { featureNames: data.featureNames, classNames: data.classNames, targetNames };
}
