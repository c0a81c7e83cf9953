/**
 * Reads a finished (or running) run folder for the report: every file a report draws from, of any
 * run kind, and nothing else. Lenient where a report can be: an older file without a field (no
 * `status`, no `raw`, no log, weights missing) still makes a report, with less in it; only a folder
 * that holds no run at all, or a file that is not JSON, is an error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { readJsonFile } from '../io/json.js';
import { readSafetensors } from '../io/safetensors.js';

export type RunKind = 'path' | 'compare' | 'ensemble' | 'credit' | 'widths' | 'l1-vs-l2';

/** A point of path.json (`points` or `raw`); fields beyond l1 and trainLoss may be missing in old runs. */
export interface PointRecord {
  index: number;
  l1: number;
  trainLoss: number;
  nonzeros?: number;
  l2squared?: number;
  testLoss?: number;
  trainAccuracy?: number;
  testAccuracy?: number;
  lambda?: number | null;
  weights?: string;
  phase?: string;
  seconds?: number;
  validationLoss?: number;
  validationAccuracy?: number;
}

export interface DatasetRecord {
  name?: string; task?: string; features?: number; classes?: number; train?: number; test?: number;
  featureNames?: string[]; classNames?: string[]; target?: string;
  /** A regression fitted to its standardised target: losses are in units of its variance. */
  targetScale?: { mean: number; std: number };
}

export interface SelectionPickRecord extends PointRecord { point: number; validationLossSE?: number }

export interface PathJson {
  format?: string; method?: string; status?: string; seed?: number; seconds?: number;
  dataset?: DatasetRecord;
  model?: { layers?: number[]; activation?: string };
  objective?: { loss?: string; penalty?: string; penalizeBias?: boolean };
  metrics?: Record<string, unknown> & { bestTestAccuracy?: { accuracy: number; l1: number; nonzeros: number; index: number; point?: number } };
  points: PointRecord[];
  raw?: PointRecord[];
  selection?: {
    kind?: string; folds?: number | null; standardError?: string;
    points?: SelectionPickRecord[]; min?: SelectionPickRecord; '1se'?: SelectionPickRecord;
  };
}

/** One dense layer of a stored network: kernel [inputs, outputs] row-major. */
export interface LayerWeights { inputs: number; outputs: number; kernel: Float32Array; bias: Float32Array | null }

export interface PathRun {
  kind: 'path';
  dir: string;
  settings: Record<string, unknown> | null;
  summary: PathJson;
  /** All computed points, dominated ones included: path.json `raw`, else the log, else the front. */
  raw: PointRecord[];
  /** The stored network of each front point (same order as summary.points); null where missing. */
  networks: Array<LayerWeights[] | null>;
  /** RUN/selected.json (regpath select), if any: its rule and front index. */
  selected: { rule: string; point: number } | null;
}

export interface CompareRun {
  kind: 'compare'; dir: string; settings: Record<string, unknown> | null;
  compare: { format?: string; l1Ref?: number; nullLoss?: number; dataset?: DatasetRecord; model?: { layers?: number[]; activation?: string }; seed?: number;
    rows: Array<{ method: string; run?: string; points: number; hypervolumeTrain: number | null; hypervolumeTest: number | null; largestGap: number | null; bestTestAccuracy: number | null; seconds: number }> };
  /** Each row's path run (without networks), null where its folder is gone. */
  runs: Array<PathRun | null>;
}

export interface EnsembleRun {
  kind: 'ensemble'; dir: string; settings: Record<string, unknown> | null;
  summary: Record<string, unknown> & { categories?: Array<Record<string, number>>; perturb?: Array<Record<string, number>> };
  histograms: Array<{ layer: number; quantity: string; edges: number[]; counts: number[] }>;
  perturb: Array<Record<string, number>>;
}

export interface CreditRun {
  kind: 'credit'; dir: string; settings: Record<string, unknown> | null;
  credit: Record<string, unknown> & { points: Array<Record<string, number | null>> };
  text: string | null;
}

export interface TableRun { kind: 'widths' | 'l1-vs-l2'; dir: string; settings: Record<string, unknown> | null; summary: Record<string, unknown> }

export type LoadedRun = PathRun | CompareRun | EnsembleRun | CreditRun | TableRun;

/** The file that marks each kind, in the order tried when settings.json does not say. */
const MARKERS: Array<[RunKind, string]> = [
  ['compare', 'compare.json'], ['credit', 'credit.json'], ['widths', 'widths.json'], ['l1-vs-l2', 'l1-vs-l2.json'],
  ['ensemble', 'ensemble.json'], ['path', 'path.json'],
];

export function loadRun(dir: string): LoadedRun {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) fail('BAD_RUN', `${dir} is not a folder`);
  const settingsFile = path.join(dir, 'settings.json');
  const settings = fs.existsSync(settingsFile) ? asObject(readJsonFile(settingsFile), settingsFile) : null;
  const command = typeof settings?.command === 'string' ? settings.command : null;
  const byFile = MARKERS.find(([, f]) => fs.existsSync(path.join(dir, f)));
  const kind = (MARKERS.find(([k]) => k === command) && fs.existsSync(path.join(dir, MARKERS.find(([k]) => k === command)![1])) ? command : byFile?.[0]) as RunKind | undefined;
  if (!kind) {
    const what = command ? `a '${command}' run that has not written its results yet` : 'not a regpath run';
    fail('BAD_RUN', `${dir} is ${what} (no ${MARKERS.map(([, f]) => f).join(', ')})`);
  }
  switch (kind) {
    case 'path': return loadPath(dir, settings, true);
    case 'compare': return loadCompare(dir, settings);
    case 'ensemble': return loadEnsemble(dir, settings);
    case 'credit': {
      const file = path.join(dir, 'credit.json');
      const credit = asObject(readJsonFile(file), file) as CreditRun['credit'];
      if (!Array.isArray(credit.points)) fail('BAD_FILE', `${file} has no "points" list`);
      const txt = path.join(dir, 'credit.txt');
      return { kind, dir, settings, credit, text: fs.existsSync(txt) ? fs.readFileSync(txt, 'utf8') : null };
    }
    default: {
      const file = path.join(dir, `${kind}.json`);
      const summary = asObject(readJsonFile(file), file);
      if (!Array.isArray(summary.rows)) fail('BAD_FILE', `${file} has no "rows" list`);
      return { kind, dir, settings, summary };
    }
  }
}

export function loadPath(dir: string, settings: Record<string, unknown> | null, withNetworks: boolean): PathRun {
  const file = path.join(dir, 'path.json');
  const summary = asObject(readJsonFile(file), file) as unknown as PathJson;
  if (!Array.isArray(summary.points)) fail('BAD_FILE', `${file} has no "points" list (is it a regpath path.json?)`);
  summary.points.forEach((p, i) => checkPoint(p, `${file}: points[${i}]`));
  let raw = Array.isArray(summary.raw) ? summary.raw : null;
  if (!raw) raw = readLogPoints(path.join(dir, 'log.jsonl'));
  raw ??= summary.points;
  const networks = summary.points.map((p) => (withNetworks ? readNetwork(dir, p) : null));
  let selected: PathRun['selected'] = null;
  const sel = path.join(dir, 'selected.json');
  if (fs.existsSync(sel)) {
    const s = asObject(readJsonFile(sel), sel);
    if (typeof s.point === 'number' && s.point >= 0 && s.point < summary.points.length) selected = { rule: String(s.rule ?? 'selected'), point: s.point };
  }
  return { kind: 'path', dir, settings, summary, raw, networks, selected };
}

function loadCompare(dir: string, settings: Record<string, unknown> | null): CompareRun {
  const file = path.join(dir, 'compare.json');
  const compare = asObject(readJsonFile(file), file) as unknown as CompareRun['compare'];
  if (!Array.isArray(compare.rows)) fail('BAD_FILE', `${file} has no "rows" list`);
  // the rows name their runs by absolute path; a moved folder still has them inside it
  const runs = compare.rows.map((r) => {
    for (const d of [r.run, path.join(dir, r.method)]) {
      if (d && fs.existsSync(path.join(d, 'path.json'))) return loadPath(d, null, false);
    }
    return null;
  });
  return { kind: 'compare', dir, settings, compare, runs };
}

function loadEnsemble(dir: string, settings: Record<string, unknown> | null): EnsembleRun {
  const file = path.join(dir, 'ensemble.json');
  const summary = asObject(readJsonFile(file), file) as EnsembleRun['summary'];
  const hf = path.join(dir, 'histograms.json');
  const histograms = fs.existsSync(hf) ? ((asObject(readJsonFile(hf), hf).histograms as EnsembleRun['histograms']) ?? []) : [];
  const pf = path.join(dir, 'perturb.json');
  const perturb = fs.existsSync(pf) ? ((asObject(readJsonFile(pf), pf).rows as EnsembleRun['perturb']) ?? []) : (summary.perturb ?? []);
  return { kind: 'ensemble', dir, settings, summary, histograms, perturb };
}

/** The points of log.jsonl; a torn last line (a killed run) is skipped, as --resume does. */
function readLogPoints(file: string): PointRecord[] | null {
  if (!fs.existsSync(file)) return null;
  const out: PointRecord[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as { point?: PointRecord };
      if (rec.point && typeof rec.point.l1 === 'number' && typeof rec.point.trainLoss === 'number') out.push(rec.point);
    } catch {
      break;
    }
  }
  return out;
}

/** layer<i>.kernel [in, out] and layer<i>.bias [out] of a point's safetensors; null when absent. */
function readNetwork(dir: string, p: PointRecord): LayerWeights[] | null {
  const file = path.join(dir, p.weights ?? `points/${String(p.index).padStart(3, '0')}.safetensors`);
  if (!fs.existsSync(file)) return null;
  const { tensors } = readSafetensors(file);
  const layers: LayerWeights[] = [];
  for (let i = 0; ; i++) {
    const k = tensors[`layer${i}.kernel`];
    if (!k) break;
    // a layer that is not dense (a convolution's 4-D kernel): no network drawing for this point
    if (k.shape.length !== 2) return null;
    const b = tensors[`layer${i}.bias`];
    layers.push({ inputs: k.shape[0]!, outputs: k.shape[1]!, kernel: Float32Array.from(k.data as ArrayLike<number>), bias: b ? Float32Array.from(b.data as ArrayLike<number>) : null });
  }
  return layers.length ? layers : null;
}

function checkPoint(p: PointRecord, where: string): void {
  if (typeof p !== 'object' || p === null || typeof p.l1 !== 'number' || typeof p.trainLoss !== 'number') {
    fail('BAD_FILE', `${where} has no numeric l1 and trainLoss`);
  }
}

function asObject(v: unknown, file: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('BAD_FILE', `${file} does not hold a JSON object`);
  return v as Record<string, unknown>;
}
