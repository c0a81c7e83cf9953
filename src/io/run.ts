/**
 * Run folders: the one place that knows their layout and reads them back. Every file read is
 * checked field by field (a damaged or crafted file is a BAD_FILE naming the file and field,
 * never a TypeError), and every path a run file names is confined to the folder. Fields a
 * reader does not need are left alone, so files with fields from newer versions still read.
 *
 * A folder is a run once its settings.json exists: that file is written first and holds all a
 * resume needs to rebuild everything else (a missing preprocess.safetensors is rewritten from
 * the data, which the settings' fingerprint pins). A folder holding only leftovers of a run
 * killed before that (temp files, a stale lock) is not yet a run, and a new run may take it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Standardizer } from '../data/types.js';
import { fail } from '../errors.js';
import { TEMP_FILE_PATTERN } from './atomic.js';
import { Fields, type Obj } from './fields.js';
import { checkFormat } from './format.js';
import { isErrno } from './fs-error.js';
import type { DataFingerprint } from './fingerprint.js';
import { readJsonFile } from './json.js';
import { LOCK_FILE } from './lock.js';
import { readSafetensors, type SafetensorsContent, type Tensors } from './safetensors.js';

export const SETTINGS_FILE = 'settings.json';
export const SETTINGS_FORMAT = 'regpath.settings/1';
export const PATH_FILE = 'path.json';
export const PATH_FORMAT = 'regpath.path/1';
export const PREPROCESS_FILE = 'preprocess.safetensors';
export const LOG_FILE = 'log.jsonl';
/**
 * A mini-batch path's point in progress, saved at its fit's pass boundaries (RunFolder.writePoint):
 * a resume continues the point from there. Removed once the point is saved.
 */
export const POINT_FILE = 'point-in-progress.safetensors';
export const POINT_FORMAT = 'regpath.point-in-progress/1';

/** settings.json: the command that wrote the folder and its resolved options. */
export interface RunSettings extends Obj {
  format: string;
  /** 'path' when absent (the oldest runs). */
  command: string;
  options: Obj;
  explicitTestFraction: boolean;
  /** Absent in runs written before fingerprints were recorded. */
  data?: DataFingerprint;
}

export interface RunPoint extends Obj {
  index: number;
  l1: number;
  nonzeros: number;
  trainLoss: number;
  lambda: number | null;
  /** Relative to the run folder, checked to stay inside it. */
  weights: string;
}

export interface RunSummary extends Obj {
  format: string;
  status: string;
  dataset: Obj & { task: 'classification' | 'regression'; features: number; classes: number };
  model: Obj & { layers: number[]; activation: string };
  points: RunPoint[];
}

/** True for an existing folder with only leftovers of an unstarted run (or nothing) in it. */
export function isUnstartedRun(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && !fs.existsSync(path.join(dir, SETTINGS_FILE)) &&
      fs.readdirSync(dir).every((f) => f === LOCK_FILE || TEMP_FILE_PATTERN.test(f));
  } catch {
    return false;
  }
}

/** `dir` must be an existing folder; `what` is how messages name it ("run folder"). */
function checkFolder(dir: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return fail('FILE_NOT_FOUND', `${dir}: no such run folder`);
  }
  if (!stat.isDirectory()) fail('BAD_RUN', `${dir} is not a run folder (it is a file)`);
}

/** settings.json of the run in `dir`, checked. */
export function readSettings(dir: string): RunSettings {
  checkFolder(dir);
  const file = path.join(dir, SETTINGS_FILE);
  if (!fs.existsSync(file)) fail('BAD_RUN', `${dir} is not a regpath run (it has no ${SETTINGS_FILE})`);
  const raw = readJsonFile(file);
  const f = new Fields(file);
  const s = f.object(raw, '');
  checkFormat(s, SETTINGS_FORMAT, file);
  const command = f.optional(s.command, (v) => f.string(v, 'command')) ?? 'path';
  const options = f.optional(s.options, (v) => f.object(v, 'options')) ?? {};
  const explicit = s.explicitTestFraction;
  if (explicit !== undefined && typeof explicit !== 'boolean') f.bad('explicitTestFraction', 'true or false', explicit);
  if (s.data !== undefined) checkFingerprint(f, s.data);
  // path runs with --arch written before savedPathOptions also saved the MLP default hidden, which
  // does not resolve next to arch: they read as the settings written now
  const { hidden: _unused, ...archOptions } = options;
  const resolvedOnce = command === 'path' && options.arch !== undefined ? archOptions : options;
  // path runs written before standardizeTarget existed fitted their target as it was
  const current = command === 'path' && options.standardizeTarget === undefined ? { ...resolvedOnce, standardizeTarget: false } : resolvedOnce;
  return { ...s, format: s.format as string, command, options: current, explicitTestFraction: explicit === true } as RunSettings;
}

/**
 * Saved options as options to resolve again (checkPathOptions, checkEnsembleOptions): settings
 * hold resolved options, in which null marks one left at its data-dependent default (batch,
 * target), and resolving fills that default in again.
 */
export function givenOptions<T>(saved: object): T {
  return Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== null)) as T;
}

function checkFingerprint(f: Fields, v: unknown): void {
  const d = f.object(v, 'data');
  const kind = f.oneOf(d.kind, 'data.kind', ['built-in', 'file', 'folder'] as const);
  if (kind === 'built-in') f.string(d.name, 'data.name');
  else {
    f.int(d.bytes, 'data.bytes');
    f.string(d.sha256, 'data.sha256');
  }
}

/** path.json of the run in `dir`, checked; `status` 'complete' when `finished` is asked for. */
export function readSummary(dir: string, opts: { finished?: boolean } = {}): RunSummary {
  checkFolder(dir);
  const file = path.join(dir, PATH_FILE);
  if (!fs.existsSync(file)) {
    fail('BAD_RUN', fs.existsSync(path.join(dir, SETTINGS_FILE))
      ? `${dir} has no ${PATH_FILE} yet (the run has not computed a point)`
      : `${dir} is not a regpath run (it has no ${SETTINGS_FILE} or ${PATH_FILE})`);
  }
  const f = new Fields(file);
  const s = f.object(readJsonFile(file), '');
  checkFormat(s, PATH_FORMAT, file);
  const status = f.string(s.status, 'status');
  if (opts.finished && status !== 'complete') {
    fail('BAD_RUN', `${dir}: the run is not finished (status ${status}); finish it with regpath path --out ${dir} --resume`);
  }
  const ds = f.object(s.dataset, 'dataset');
  f.oneOf(ds.task, 'dataset.task', ['classification', 'regression'] as const);
  f.int(ds.features, 'dataset.features', 1);
  f.int(ds.classes, 'dataset.classes', 0);
  const model = f.object(s.model, 'model');
  const layers = f.array(model.layers, 'model.layers');
  if (layers.length < 2) f.bad('model.layers', 'a list of at least 2 layer widths', layers);
  layers.forEach((w, i) => f.int(w, `model.layers[${i}]`, 1));
  f.string(model.activation, 'model.activation');
  const points = f.array(s.points, 'points');
  points.forEach((p, i) => checkPoint(f, dir, p, `points[${i}]`));
  if (s.raw !== undefined) f.array(s.raw, 'raw').forEach((p, i) => f.object(p, `raw[${i}]`));
  return s as RunSummary;
}

function checkPoint(f: Fields, dir: string, v: unknown, at: string): void {
  const p = f.object(v, at);
  f.int(p.index, `${at}.index`);
  f.number(p.l1, `${at}.l1`);
  f.int(p.nonzeros, `${at}.nonzeros`);
  f.number(p.trainLoss, `${at}.trainLoss`);
  if (p.lambda !== null) f.number(p.lambda, `${at}.lambda`);
  for (const k of ['testLoss', 'trainAccuracy', 'testAccuracy', 'validationLoss', 'validationAccuracy', 'l2squared']) {
    if (p[k] !== undefined) f.number(p[k], `${at}.${k}`);
  }
  insideRun(dir, f.string(p.weights, `${at}.weights`), f, `${at}.weights`);
}

/**
 * `rel` resolved inside run folder `dir`. A name that leaves the folder (`../x`, an absolute
 * path, or a symbolic link pointing out of it) is a BAD_FILE naming the field it came from.
 */
export function insideRun(dir: string, rel: string, f: Fields, field: string): string {
  const root = path.resolve(dir);
  const file = path.resolve(root, rel);
  const outside = (p: string, r: string): boolean => {
    const inner = path.relative(r, p);
    return inner === '' || inner.startsWith('..') || path.isAbsolute(inner);
  };
  if (rel === '' || path.isAbsolute(rel) || outside(file, root)) f.bad(field, 'a file name inside the run folder', rel);
  try {
    if (outside(fs.realpathSync(file), fs.realpathSync(root))) f.bad(field, 'a file inside the run folder (it links outside)', rel);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  return path.join(dir, rel);
}

/** A run's settings and, when it has one, its path.json. */
export interface OpenedRun {
  dir: string;
  settings: RunSettings;
  summary: RunSummary;
}

/** A path run: settings.json and path.json, both checked. */
export function openPathRun(dir: string, opts: { finished?: boolean } = {}): OpenedRun {
  const settings = readSettings(dir);
  return { dir, settings, summary: readSummary(dir, opts) };
}

/** The weights of front point `position`, read from its confined file. */
export function readPointWeights(run: OpenedRun, position: number): { file: string; content: SafetensorsContent } {
  const point = run.summary.points[position];
  if (!point) return fail('BAD_RUN', `${run.dir} has no front point ${position}`);
  const f = new Fields(path.join(run.dir, PATH_FILE));
  const file = insideRun(run.dir, point.weights, f, `points[${position}].weights`);
  if (!fs.existsSync(file)) fail('BAD_RUN', `${run.dir}: the weights of front point ${position} (${point.weights}) are missing`);
  const content = readSafetensors(file);
  checkFinite(content.tensors, file);
  return { file, content };
}

/**
 * Refuses tensors holding NaN or ±Infinity: a network that diverged predicts nothing useful,
 * and exporting or analysing it would hide that.
 */
export function checkFinite(tensors: Tensors, file: string): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'F32' && t.dtype !== 'F64') continue;
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!)) {
        fail('BAD_RUN', `${file}: tensor ${name} holds ${d[i]} at element ${i}; the network diverged (NaN or infinite weights) and cannot be used`);
      }
    }
  }
}

/**
 * preprocess.safetensors: the features' mean and std, and a standardised regression target's as
 * F64 [1] tensors `target.mean` and `target.std` (doubles: predictions undo them in doubles).
 */
export function preprocessTensors(s: Standardizer): Tensors {
  const features = s.mean.length;
  return {
    mean: { dtype: 'F32', shape: [features], data: s.mean },
    std: { dtype: 'F32', shape: [features], data: s.std },
    ...(s.target && {
      'target.mean': { dtype: 'F64', shape: [1], data: Float64Array.of(s.target.mean) },
      'target.std': { dtype: 'F64', shape: [1], data: Float64Array.of(s.target.std) },
    }),
  };
}

/** preprocess.safetensors (the standardisation) of a run with `features` inputs, or null without one. */
export function readPreprocess(dir: string, features: number): Standardizer | null {
  const file = path.join(dir, PREPROCESS_FILE);
  if (!fs.existsSync(file)) return null;
  const { tensors } = readSafetensors(file);
  const vec = (name: string): Float32Array => {
    const x = tensors[name];
    if (!x || x.dtype !== 'F32' || x.shape.join(',') !== String(features)) fail('BAD_RUN', `${file}: tensor ${name} must be F32 [${features}]`);
    return x.data as Float32Array;
  };
  const scalar = (name: string): number | null => {
    const x = tensors[name];
    if (!x) return null;
    if (x.dtype !== 'F64' || x.shape.join(',') !== '1') fail('BAD_RUN', `${file}: tensor ${name} must be F64 [1]`);
    return x.data[0]!;
  };
  checkFinite(tensors, file);
  const mean = scalar('target.mean');
  const std = scalar('target.std');
  if ((mean === null) !== (std === null)) fail('BAD_RUN', `${file}: has ${mean === null ? 'target.std' : 'target.mean'} without ${mean === null ? 'target.mean' : 'target.std'}`);
  if (std !== null && !(std > 0)) fail('BAD_RUN', `${file}: target.std must be positive, got ${std}`);
  return { mean: vec('mean'), std: vec('std'), ...(mean !== null && { target: { mean, std: std! } }) };
}

/**
 * With resume: refuses options given now that differ from the ones the run was started with,
 * naming each. `given` holds only what the user chose (undefined = not given); `flag` turns an
 * option key into its command-line name.
 */
export function refuseChangedOptions(
  dir: string, given: Obj, saved: Obj, flag: (key: string) => string = optionFlag,
): void {
  const diffs: string[] = [];
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined || typeof v === 'function') continue;
    const was = saved[k] ?? null;
    if (JSON.stringify(v) !== JSON.stringify(was)) diffs.push(`${flag(k)} ${show(v)} (the run has ${was === null ? 'the default' : show(was)})`);
  }
  if (diffs.length > 0) {
    fail('BAD_OPTION', `cannot resume ${dir} with other options: ${diffs.join(', ')}; leave them out to finish the run as it was started, or start a new run`);
  }
}

/** The command-line flag of a library option key (learningRate is --lr in every command). */
export function optionFlag(key: string): string {
  return key === 'learningRate' ? '--lr' : kebabFlag(key);
}

export function kebabFlag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
}

function show(v: unknown): string {
  return Array.isArray(v) ? v.join(',') || '""' : typeof v === 'string' ? v : JSON.stringify(v);
}
