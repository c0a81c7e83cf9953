import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { toCsv } from '../io/csv.js';
import { givenOptions, readSettings, readSummary } from '../io/run.js';
import { checkOutFree } from '../io/run-folder.js';
import type { Kernels } from '../kernels/kernels.js';
import { hypervolume, largestGap } from '../metrics/front.js';
import { computePath, type PathEvent } from './compute-path.js';
import { getMethod } from './methods.js';
import { checkPathOptions, type PathOptions, type ResolvedPathOptions } from './options.js';
import { prepareData } from './prepare.js';
import { datasetFromArrays, isArrayData } from '../data/arrays.js';
import type { PathSummary } from './result.js';

export const COMPARE_FORMAT = 'regpath.compare/1';

export interface CompareOptions extends Omit<PathOptions, 'method' | 'out' | 'resume'> {
  /** Methods to run on the same data, split and seed (each into `<out>/<method>`). @default continuation, sweep, weighted-sum unless `runs` are given */
  methods?: string[];
  /** Finished run folders to include (they must share data, split, seed and architecture). */
  runs?: string[];
  /** Folder for compare.json, compare.csv and the runs made here; none (in memory) when omitted. */
  out?: string;
  kernels?: Kernels;
  /** Progress of each method run (`method` names it). */
  onProgress?: (e: PathEvent & { method: string }) => void;
}

/** One line of the comparison table. */
export interface CompareRow {
  method: string;
  /** Run folder (null when computed in memory). */
  run: string | null;
  /** Points on the front (non-dominated). */
  points: number;
  /** Hypervolumes with the common l1_ref (and the runs' common L_null). */
  hypervolumeTrain: number;
  hypervolumeTest: number | null;
  /** Largest normalised gap with the common l1_ref. */
  largestGap: number;
  bestTestAccuracy: number | null;
  /** Wall time of the run. */
  seconds: number;
}

export interface CompareResult {
  format: typeof COMPARE_FORMAT;
  /** The common l1 normalisation: --l1-ref, else the largest l1 on any of the fronts. */
  l1Ref: number;
  nullLoss: number;
  dataset: PathSummary['dataset'];
  model: PathSummary['model'];
  seed: number;
  rows: CompareRow[];
  out: string | null;
}

export const COMPARE_CSV_COLUMNS = ['method', 'points', 'hypervolumeTrain', 'hypervolumeTest', 'largestGap', 'bestTestAccuracy', 'seconds', 'run'] as const;

/** What must agree between runs for their fronts to be comparable: data, split, seed, architecture, objective. */
const IDENTITY = ['data', 'target', 'task', 'testFraction', 'standardize', 'standardizeTarget', 'seed', 'hidden', 'activation', 'penalizeBias'] as const;
type Identity = Pick<ResolvedPathOptions, (typeof IDENTITY)[number]>;

interface Source {
  /** How the error messages name it. */
  label: string;
  identity: Identity;
}

/**
 * Runs several path methods on the same data, split and seed (and/or reads finished run
 * folders), recomputes every front's hypervolumes and largest gap with one common l1_ref (the
 * largest l1 among the runs, or `l1Ref`) so that the numbers are comparable, and returns the
 * table; with `out` also writes compare.json and compare.csv there (atomically), next to the
 * method runs in `<out>/<method>`.
 */
export async function comparePaths(o: CompareOptions = {}): Promise<CompareResult> {
  const runs = o.runs ?? [];
  const methods = o.methods ?? (runs.length ? [] : ['continuation', 'sweep', 'weighted-sum']);
  if (!methods.length && !runs.length) fail('BAD_OPTION', 'compare: nothing to compare; give --methods, --runs or both');
  for (const m of methods) getMethod(m); // unknown → the list of methods
  const dup = methods.find((m, i) => methods.indexOf(m) !== i);
  if (dup) fail('BAD_OPTION', `compare: method "${dup}" is listed twice`);

  const { methods: _m, runs: _r, out: _o, kernels, onProgress, ...pathOptions } = o;
  const sources: Source[] = [];
  const finished: Array<{ summary: PathSummary; run: string | null }> = [];
  for (const dir of runs) {
    const r = readRun(dir);
    sources.push({ label: `run ${dir}`, identity: r.identity });
    finished.push({ summary: r.summary, run: dir });
  }
  const resolved = methods.map((m) => checkPathOptions({ ...pathOptions, method: m }));
  if (resolved.length) sources.push({ label: `the runs of --methods ${methods.join(',')} (this command's options)`, identity: pick(resolved[0]!) });
  for (let i = 1; i < sources.length; i++) sameIdentity(sources[0]!, sources[i]!);

  // refuse what a method cannot do (nsga2 on a big net) before anything runs or is written
  if (resolved.some((r) => getMethod(r.method).check)) {
    const data = prepareData(resolved[0]!, pathOptions.testFraction !== undefined, isArrayData(pathOptions.data) ? datasetFromArrays(pathOptions.data) : undefined);
    const layers = [data.info.features, ...resolved[0]!.hidden, data.info.task === 'classification' ? data.info.classes : 1];
    for (const r of resolved) getMethod(r.method).check?.(r, layers, data.info.train);
  }
  if (o.out !== undefined) claimFolder(o.out);

  for (const method of methods) {
    const runOut = o.out !== undefined ? path.join(o.out, method) : undefined;
    const result = await computePath({
      ...pathOptions, method,
      ...(runOut !== undefined && { out: runOut }),
      ...(kernels !== undefined && { kernels }),
      ...(onProgress && { onProgress: (e: PathEvent) => onProgress({ ...e, method }) }),
    });
    const { parameters: _p, out: _out, predict: _pr, coefficients: _c, ...summary } = result;
    finished.push({ summary, run: runOut ?? null });
  }

  const first = finished[0]!.summary;
  for (const f of finished.slice(1)) {
    const s = f.summary;
    if (s.dataset.train !== first.dataset.train || s.dataset.test !== first.dataset.test || s.model.layers.join('-') !== first.model.layers.join('-')) {
      fail('BAD_RUN', `compare: ${label(finished[0]!)} and ${label(f)} differ in their data or network ` +
        `(${first.dataset.train}/${first.dataset.test} rows, layers ${first.model.layers.join('-')} vs ${s.dataset.train}/${s.dataset.test} rows, layers ${s.model.layers.join('-')})`);
    }
  }
  const nullLoss = first.metrics.nullLoss;
  const l1Ref = o.l1Ref !== undefined
    ? checkPathOptions({ l1Ref: o.l1Ref }).l1Ref!
    : Math.max(1e-12, ...finished.flatMap((f) => f.summary.points.map((p) => p.l1)));
  const rows: CompareRow[] = finished.map((f) => {
    const s = f.summary;
    const train = s.points.map((p) => ({ l1: p.l1, loss: p.trainLoss }));
    const hasTest = s.points.length > 0 && s.points.every((p) => p.testLoss !== undefined);
    return {
      method: s.method,
      run: f.run,
      points: s.points.length,
      hypervolumeTrain: hypervolume(train, nullLoss, l1Ref),
      hypervolumeTest: hasTest ? hypervolume(s.points.map((p) => ({ l1: p.l1, loss: p.testLoss! })), nullLoss, l1Ref) : null,
      largestGap: largestGap(train, nullLoss, l1Ref),
      bestTestAccuracy: s.metrics.bestTestAccuracy?.accuracy ?? null,
      seconds: s.seconds,
    };
  });
  const result: CompareResult = {
    format: COMPARE_FORMAT, l1Ref, nullLoss, dataset: first.dataset, model: first.model, seed: first.seed, rows, out: o.out ?? null,
  };
  if (o.out !== undefined) {
    const { out: _x, ...json } = result;
    writeJsonAtomic(path.join(o.out, 'compare.json'), json);
    writeFileAtomic(path.join(o.out, 'compare.csv'), toCsv([...COMPARE_CSV_COLUMNS], rows.map((r) => ({ ...r }))));
  }
  return result;
}

function label(f: { summary: PathSummary; run: string | null }): string {
  return f.run ?? `the ${f.summary.method} run`;
}

function pick(r: ResolvedPathOptions): Identity {
  return Object.fromEntries(IDENTITY.map((k) => [k, r[k]])) as Identity;
}

function sameIdentity(a: Source, b: Source): void {
  for (const key of IDENTITY) {
    const va = JSON.stringify(a.identity[key]);
    const vb = JSON.stringify(b.identity[key]);
    if (va !== vb) {
      fail('BAD_RUN', `compare: ${a.label} and ${b.label} differ in ${key} (${va} vs ${vb}); ` +
        'fronts are comparable only with the same data, split, seed and architecture');
    }
  }
}

/** A finished run folder: its settings (the identity) and path.json. */
function readRun(dir: string): { identity: Identity; summary: PathSummary } {
  const settingsFile = path.join(dir, 'settings.json');
  const pathFile = path.join(dir, 'path.json');
  if (!fs.existsSync(settingsFile) || !fs.existsSync(pathFile)) {
    fail('BAD_RUN', `compare: ${dir} is not a regpath run folder (it needs settings.json and path.json)`);
  }
  const settings = readSettings(dir);
  const summary = readSummary(dir) as unknown as PathSummary;
  if (summary.status !== 'complete') {
    fail('BAD_RUN', `compare: ${dir} is not finished (status ${summary.status}); finish it with regpath path --out ${dir} --resume`);
  }
  return { identity: pick(checkPathOptions(givenOptions<PathOptions>(settings.options))), summary };
}

/** The compare folder must be new or empty (its runs go into it). */
function claimFolder(dir: string): void {
  checkOutFree(dir);
  fs.mkdirSync(dir, { recursive: true });
}
