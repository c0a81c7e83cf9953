import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { kernels as defaultKernels, type Kernels } from '../kernels/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { toCsv } from '../io/csv.js';
import { SETTINGS_FILE, givenOptions, readSettings, refuseChangedOptions } from '../io/run.js';
import type { Dataset } from '../data/index.js';
import { architectureFromInfo } from '../path/model.js';
import { computePath, type ComputePathOptions, type PathResult } from '../path/compute-path.js';
import { checkPathOptions, savedPathOptions, type PathOptions, type ResolvedPathOptions } from '../path/options.js';
import { prepareData } from '../path/prepare.js';
import { datasetFromArrays, isArrayData } from '../data/arrays.js';
import { CSV_COLUMNS } from '../path/result.js';
import { HeldOutEvaluator, type HeldOutScore } from './evaluate.js';
import { checkFolds, checkValidationFraction, foldParts, holdOut, prepareParts, stratifiedFolds } from './folds.js';
import {
  alignFolds, minRow, oneSeRow, pickOf,
  type FoldFront, type FoldRunInfo, type PathSelection, type SelectionRow, type ValidatedPoint,
} from './selection.js';

/** Model-selection options of `regpath path` (at most one of the two). */
export interface SelectionOptions {
  /** K-fold cross-validation of the training part (stratified, seeded), K ≥ 2. */
  folds?: number;
  /** Share of the training part held out as a validation part, in (0, 1). */
  validationFraction?: number;
}

/** Which run of a selection is starting (the CLI prefixes its progress lines with it). */
export interface StageEvent {
  /** 'full': the reported path on all training rows; 'fold': fold `fold` of `folds`; 'fit': the path next to a validation part. */
  stage: 'full' | 'fold' | 'fit';
  fold: number;
  folds: number;
  train: number;
  validation: number;
}

export interface CrossValidateOptions extends ComputePathOptions, SelectionOptions {
  onStage?: (e: StageEvent) => void;
}

export interface SelectedPathResult extends PathResult {
  points: ValidatedPoint[];
  /** Present with folds or validationFraction. */
  selection?: PathSelection;
}

/** settings.json `selection`: what a resumed run needs to rebuild its data parts. */
type SelectionRecord =
  | { kind: 'cross-validation'; folds: number }
  | { kind: 'validation'; validationFraction: number }
  | { kind: 'fold'; fold: number; folds: number };

export const FOLDS_DIR = 'folds';
const CSV_EXTRA = ['validationLoss', 'validationAccuracy'];

/**
 * computePath with model selection (glmnet's cv.glmnet: Friedman, Hastie & Tibshirani, J. Stat. Softw. 33, 2010):
 *
 * - `validationFraction` f: f of the training part (stratified, seeded) is held out, the path is
 *   computed on the rest, and every front point gets its validation loss and accuracy.
 * - `folds` K: the path on all training rows is the reported front; then the path of each of K
 *   stratified folds' training rows (same options and seed) is computed and measured on the
 *   fold's held-out rows. At each point of the full front the folds' validation losses,
 *   interpolated by l1, give a mean and a standard error; `selection.min` is the point of least
 *   mean loss, `selection['1se']` the sparsest point within one standard error of it.
 *
 * The test part is never used for selection. With a run folder the fold paths are sub-runs
 * `folds/<k>/` (each a complete run with its own path.json), and `resume` continues whichever
 * run was unfinished. Without either option this is computePath.
 */
export async function crossValidatePath(options: CrossValidateOptions = {}): Promise<SelectedPathResult> {
  let record: SelectionRecord | null;
  let resolved: ResolvedPathOptions;
  let explicitTestFraction: boolean;
  if (options.resume) {
    const saved = options.out ? savedSettings(options.out) : null;
    // --folds and --validation-fraction are saved in the selection record, not with the options
    const selectionGiven = { folds: options.folds, validationFraction: options.validationFraction };
    if (!saved || saved.selection === undefined) {
      if (saved) refuseChangedOptions(options.out!, selectionGiven, {});
      return computePath(options);
    }
    record = saved.selection;
    if (record.kind === 'fold') {
      fail('BAD_RUN', `${options.out} is fold ${record.fold} of ${record.folds} of a cross-validation run; resume the run folder it is in (${path.dirname(path.dirname(options.out!))})`);
    }
    if (saved.inMemory === true && !isArrayData(options.data)) fail('BAD_OPTION', `${options.out} was computed on data in memory; pass the same data arrays again to resume it`);
    const { onProgress: _p, onStage: _s, kernels: _k, out: _o, outParent: _op, resume: _r, folds: _f, validationFraction: _v, ...given } = options;
    if (isArrayData(options.data)) delete (given as { data?: unknown }).data; // in-memory data are not compared by value
    refuseChangedOptions(options.out!, { ...given, ...selectionGiven }, { ...saved.options, ...selectionOptions(record) });
    resolved = checkPathOptions(givenOptions<PathOptions>(saved.options));
    explicitTestFraction = saved.explicitTestFraction;
  } else {
    record = selectionRecord(options);
    if (!record) return computePath(options);
    resolved = checkPathOptions(options);
    explicitTestFraction = options.testFraction !== undefined;
  }

  // the split into train and test parts exactly as computePath makes it, before standardising
  const arrays = isArrayData(options.data) ? datasetFromArrays(options.data) : undefined;
  const base = prepareData({ ...resolved, standardize: false }, explicitTestFraction, arrays);
  if (record.kind === 'cross-validation') checkFolds(base.train, record.folds);
  const k = options.kernels ?? defaultKernels();
  // testFraction only when the user chose it: computePath records that choice for --resume
  const { testFraction, ...rest } = givenOptions<PathOptions>(savedPathOptions(resolved));
  const common: ComputePathOptions = {
    ...rest, ...(explicitTestFraction ? { testFraction } : {}), kernels: k,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
  const where: ComputePathOptions = options.resume
    ? { out: options.out!, resume: true }
    : options.out ? { out: options.out } : options.outParent ? { outParent: options.outParent } : {};

  if (record.kind === 'validation') {
    const { fit, validation } = holdOut(base.train, record.validationFraction, resolved.seed);
    const parts = prepareParts(base, fit, validation, resolved);
    options.onStage?.({ stage: 'fit', fold: 0, folds: 0, train: fit.rows, validation: validation.rows });
    const r = await computePath({ ...common, ...where, prepared: parts.prepared, settingsExtra: { selection: record, ...(arrays && { inMemory: true }) } });
    const done = validateRun(k, r, parts.validation!, record.validationFraction);
    if (r.out) writeSummary(r.out, done);
    return done;
  }

  // cross-validation: the full-data path first (it is the reported front), then the folds
  const K = record.folds;
  const full = prepareParts(base, base.train, null, resolved);
  options.onStage?.({ stage: 'full', fold: 0, folds: K, train: base.train.rows, validation: 0 });
  const r = await computePath({ ...common, ...where, prepared: full.prepared, settingsExtra: { selection: record, ...(arrays && { inMemory: true }) } });
  // until the folds are done the run is not finished: select and resume must see that
  if (r.out) writeSummary(r.out, { ...r, status: 'running' });

  const folds = stratifiedFolds(base.train, K, resolved.seed);
  const fronts: FoldFront[] = [];
  const foldRuns: FoldRunInfo[] = [];
  for (let i = 0; i < K; i++) {
    const { fit, validation } = foldParts(base.train, folds, i);
    const parts = prepareParts(base, fit, validation, resolved);
    const rel = path.join(FOLDS_DIR, String(i + 1));
    const out = r.out ? path.join(r.out, rel) : null;
    const resumeFold = out !== null && fs.existsSync(path.join(out, SETTINGS_FILE));
    options.onStage?.({ stage: 'fold', fold: i + 1, folds: K, train: fit.rows, validation: validation.rows });
    const fr = await computePath({
      ...common, ...(out ? { out, resume: resumeFold } : {}),
      prepared: parts.prepared, settingsExtra: { selection: { kind: 'fold', fold: i + 1, folds: K } satisfies SelectionRecord, ...(arrays && { inMemory: true }) },
    });
    const fv = validateRun(k, fr, parts.validation!, null);
    if (fr.out) writeSummary(fr.out, fv);
    // a standardised target: the fold's losses are in units of its own target variance; the
    // full front's are in the whole training part's
    const toFull = (parts.prepared.standardizer?.target?.std ?? 1) / (full.prepared.standardizer?.target?.std ?? 1);
    fronts.push({
      l1: fv.points.map((p) => p.l1),
      loss: fv.points.map((p) => p.validationLoss! * toFull * toFull),
      ...(fv.points.every((p) => p.validationAccuracy !== undefined) ? { accuracy: fv.points.map((p) => p.validationAccuracy!) } : {}),
    });
    foldRuns.push({ fold: i + 1, train: fit.rows, validation: validation.rows, frontPoints: fv.points.length, ...(out ? { out: rel } : {}) });
  }
  const rows = alignFolds(r.points, fronts);
  const selection = makeSelection(rows, r.points, {
    kind: 'cross-validation', folds: K, validationFraction: null, standardError: 'folds', validationRows: base.train.rows,
  });
  selection.foldRuns = foldRuns;
  const done: SelectedPathResult = { ...r, status: 'complete', points: withValidation(r.points, rows), selection };
  if (r.out) writeSummary(r.out, done);
  return done;
}

/** Validates the model-selection options and says which kind of run they ask for. */
/** A saved selection as the options that asked for it (resume compares them with the ones given). */
function selectionOptions(r: SelectionRecord): SelectionOptions {
  return r.kind === 'validation' ? { validationFraction: r.validationFraction } : { folds: r.folds };
}

function selectionRecord(o: SelectionOptions): SelectionRecord | null {
  const hasFolds = o.folds !== undefined;
  const hasFraction = o.validationFraction !== undefined;
  if (hasFolds && hasFraction) fail('BAD_OPTION', 'choose either folds (cross-validation) or validation-fraction, not both');
  if (hasFolds) {
    if (!Number.isInteger(o.folds) || o.folds! < 2) fail('BAD_OPTION', `folds: expected an integer of at least 2, got ${o.folds}`);
    return { kind: 'cross-validation', folds: o.folds! };
  }
  if (hasFraction) {
    checkValidationFraction(o.validationFraction!);
    return { kind: 'validation', validationFraction: o.validationFraction! };
  }
  return null;
}

/** A run's front points measured on held-out rows; `fraction` set: the run's own selection (SE over rows). */
function validateRun(k: Kernels, r: PathResult, validation: Dataset, fraction: number | null): SelectedPathResult {
  const arch = architectureFromInfo(r.model, r.objective.loss);
  const ev = new HeldOutEvaluator(k, arch, validation);
  let scores: HeldOutScore[];
  try {
    scores = r.parameters.map((theta) => ev.score(theta));
  } finally {
    ev.dispose();
  }
  const rows: SelectionRow[] = r.points.map((p, i) => {
    const s = scores[i]!;
    const row: SelectionRow = { point: i, index: p.index, l1: p.l1, nonzeros: p.nonzeros, validationLoss: s.loss, validationLossSE: s.lossSE };
    if (s.accuracy !== undefined) {
      row.validationAccuracy = s.accuracy;
      row.validationAccuracySE = s.accuracySE!;
    }
    return row;
  });
  const selection = makeSelection(rows, r.points, {
    kind: 'validation', folds: null, validationFraction: fraction, standardError: 'rows', validationRows: validation.rows,
  });
  return { ...r, points: withValidation(r.points, rows), selection };
}

function makeSelection(
  rows: SelectionRow[], points: PathResult['points'],
  head: Pick<PathSelection, 'kind' | 'folds' | 'validationFraction' | 'standardError' | 'validationRows'>,
): PathSelection {
  const m = minRow(rows);
  const s = oneSeRow(rows);
  return { ...head, points: rows, min: pickOf(rows[m]!, points[m]!), '1se': pickOf(rows[s]!, points[s]!) };
}

function withValidation(points: PathResult['points'], rows: SelectionRow[]): ValidatedPoint[] {
  return points.map((p, i) => {
    const v: ValidatedPoint = { ...p, validationLoss: rows[i]!.validationLoss };
    if (rows[i]!.validationAccuracy !== undefined) v.validationAccuracy = rows[i]!.validationAccuracy!;
    return v;
  });
}

/** Rewrites path.json (with the validation numbers and `selection`) and path.csv, atomically. */
function writeSummary(dir: string, r: SelectedPathResult | PathResult): void {
  const { parameters: _p, out: _o, ...summary } = r;
  writeJsonAtomic(path.join(dir, 'path.json'), summary);
  const columns = [...CSV_COLUMNS, ...CSV_EXTRA];
  writeFileAtomic(path.join(dir, 'path.csv'), toCsv(columns, (r.points as ValidatedPoint[]).map((p) => ({ ...p }))));
}

function savedSettings(dir: string): { options: ResolvedPathOptions; explicitTestFraction: boolean; selection?: SelectionRecord; inMemory?: boolean } | null {
  if (!fs.existsSync(path.join(dir, SETTINGS_FILE))) return null; // computePath reports the missing run
  return readSettings(dir) as unknown as { options: ResolvedPathOptions; explicitTestFraction: boolean; selection?: SelectionRecord; inMemory?: boolean };
}
