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
import { MAX_CSV_BYTES } from '../data/csv.js';
import { readFileBounded } from '../io/limits.js';
import type { Standardizer } from '../data/types.js';
import { RegpathError, fail } from '../errors.js';
import { checkFormat } from '../io/format.js';
import { readJsonFile } from '../io/json.js';
import { PATH_FILE, openPathRun, readPointWeights, readPreprocess, type OpenedRun } from '../io/run.js';
import type { ActName } from '../kernels/kernels.js';
import type { DenseLayer } from '../nn/sparse.js';
import { architectureFromInfo } from '../path/model.js';
import { Mlp, type Architecture } from '../nn/mlp.js';
import { tensorsToParameters } from '../nn/serialize.js';
import { createJsKernels } from '../kernels/index.js';
import type { PathPoint, PathSummary } from '../path/result.js';

export const SELECTION_FILE = 'selected.json';
export const SELECTION_FORMAT = 'regpath.selection/1';
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
  settings: { options: { data: string; target: string | null; task: string } & Record<string, unknown> } & Record<string, unknown>;
}

/** Opens RUN: a folder holding regpath's settings.json and a path.json, both checked. */
export function openRun(dir: string): RunInfo {
  const { settings, summary } = openPathRun(dir);
  if (!ACTIVATIONS.includes(summary.model.activation as ActName)) {
    fail('BAD_FILE', `${path.join(dir, PATH_FILE)}: field "model.activation" should be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(summary.model.activation)}`);
  }
  const o = settings.options;
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    dir, summary: summary as unknown as PathSummary,
    settings: { ...settings, options: { ...o, data: text(o.data) ?? summary.dataset.name as string, target: text(o.target), task: text(o.task) ?? 'auto' } },
  };
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
  /** The dense layers of an MLP ([] for a run with image layers). */
  layers: DenseLayer[];
  /** A run of --arch with image layers: its architecture and parameter vector (null for an MLP). */
  network: { arch: Architecture; theta: Float32Array } | null;
  activation: ActName;
  standardizer: Standardizer | null;
}

export function loadRunModel(run: RunInfo, position: number): RunModel {
  const { summary, dir } = run;
  const point = summary.points[position]!;
  const widths = summary.model.layers;
  const { file, content: { tensors } } = readPointWeights(run as unknown as OpenedRun, position);
  const layers: DenseLayer[] = [];
  let network: RunModel['network'] = null;
  if (summary.model.arch !== undefined) {
    // a layer list with image layers: the whole parameter vector, for the layers' forward pass
    const arch = architectureFromInfo(summary.model, summary.objective.loss);
    const layout = new Mlp(createJsKernels(), arch, 1).layout;
    const theta = new Float32Array(layout.size);
    tensorsToParameters(layout, tensors, theta, file);
    network = { arch, theta };
  }
  for (let l = 0; !network && l + 1 < widths.length; l++) {
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
  const standardizer: Standardizer | null = readPreprocess(dir, widths[0]!);
  if (!standardizer && run.settings.options.standardize === true) {
    // a run killed between its settings and its standardisation (written so by older versions)
    fail('BAD_RUN', `${dir} standardises its features but has no preprocess.safetensors; complete it with regpath path --out ${dir} --resume`);
  }
  return { run, position, point, task: summary.dataset.task, layers, network, activation: summary.model.activation as ActName, standardizer };
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
    const header = readCsvText(readFileBounded(o.data, MAX_CSV_BYTES, 'CSV file'), o.data).header.map((h, i) => (h === '' ? `column${i + 1}` : h));
    const features = new Set(data.featureNames);
    targetNames = header.filter((h) => !features.has(h));
  } else {
    // built-in and IDX sets have no header; these are the names a label column usually has
    targetNames = o.data.trim().toLowerCase() === 'iris' ? ['species', 'class', 'label'] : ['label', 'class'];
  }
  return { featureNames: data.featureNames, classNames: data.classNames, targetNames };
}

/** Output files of export and predict never go inside a run folder, where they could replace its files. */
export function refuseInsideRun(out: string, runDir: string): void {
  const rel = path.relative(realOrResolved(runDir), realOrResolved(out));
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    fail('BAD_OPTION', `--out ${out} is inside the run folder ${runDir}; write the output elsewhere`);
  }
}

/** The real path of `p`, or of its nearest existing parent joined with the rest. */
function realOrResolved(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realOrResolved(parent), path.basename(abs));
  }
}
