/**
 * `regpath ensemble` as a library call: train (or resume) into a run folder and write the reports.
 *
 * Run folder: settings.json (command 'ensemble', the resolved options: what --resume and
 * `regpath credit` read), preprocess.safetensors (standardiser), checkpoint.safetensors (every
 * --checkpoint-every epochs, atomic), and at the end ensemble.safetensors, ensemble.json
 * (format regpath.ensemble/1), epochs.csv, categories.csv, histograms.json/.csv and, with
 * perturb, perturb.json/.csv. Nothing is created before the data has loaded and the options
 * checked, so bad input leaves nothing behind.
 */
import { fail } from '../errors.js';
import { kernels as defaultKernels, type Kernels } from '../kernels/index.js';
import { RunFolder, SETTINGS_FILE, defaultRunDir } from '../io/run-folder.js';
import { toCsv } from '../io/csv.js';
import { PREPROCESS_FILE, SETTINGS_FORMAT, givenOptions, preprocessTensors, readSettings, refuseChangedOptions } from '../io/run.js';
import { fingerprintData, refuseChangedData, type DataFingerprint } from '../io/fingerprint.js';
import { storedDataDir } from '../data/fashion-mnist.js';
import type { DatasetInfo } from '../path/prepare.js';
import { countCategories, histograms, type LayerCategories } from './categories.js';
import { Evaluator } from './evaluate.js';
import { ENSEMBLE_FILE, ENSEMBLE_FORMAT, ensembleToTensors } from './io.js';
import type { Ensemble } from './model.js';
import { checkEnsembleOptions, checkFractions, type EnsembleOptions, type ResolvedEnsembleOptions } from './options.js';
import { PERTURB_COLUMNS, perturbationTable, type PerturbRow } from './perturb.js';
import { prepareEnsembleData, trainEnsemble, type EnsembleEvent, type EpochRecord } from './train.js';

export interface EnsembleSummary {
  format: typeof ENSEMBLE_FORMAT;
  status: 'complete';
  seed: number;
  seconds: number;
  dataset: DatasetInfo;
  model: { layers: number[]; activation: 'relu'; biases: false; scaling: '1/sqrt(fan-in)' };
  /** Mean-field network (weights (1−π)m, no noise). */
  meanField: { testLoss: number; testAccuracy: number; evaluatedOn: 'test' | 'train' };
  /** Subnetworks drawn from the ensemble. */
  sampled: { samples: number; meanAccuracy: number; stdAccuracy: number; accuracies: number[] };
  categories: LayerCategories[];
  epochs: number;
  perturb?: PerturbRow[];
}

export interface RunEnsembleOptions extends EnsembleOptions {
  out?: string;
  /** Without out: a fresh <outParent>/<date-time> folder. */
  outParent?: string;
  resume?: boolean;
  /** Also run the perturbation checks with these fractions. */
  perturbFractions?: number[];
  kernels?: Kernels;
  onEvent?: (e: EnsembleEvent) => void;
  /** Internal (tests): interrupt after this epoch. */
  stopAfterEpoch?: number;
}

export interface EnsembleRunResult extends EnsembleSummary {
  ensemble: Ensemble;
  history: EpochRecord[];
  out: string | null;
}

export function runEnsemble(options: RunEnsembleOptions): EnsembleRunResult {
  const held: { folder: RunFolder | null } = { folder: null };
  try {
    return runEnsembleHeld(options, held);
  } finally {
    held.folder?.release();
  }
}

function runEnsembleHeld(options: RunEnsembleOptions, held: { folder: RunFolder | null }): EnsembleRunResult {
  const k = options.kernels ?? defaultKernels();
  let folder: RunFolder | null = null;
  let resolved: ResolvedEnsembleOptions;
  let explicitTestFraction = options.testFraction !== undefined;
  let fingerprint: DataFingerprint | null = null;
  if (options.perturbFractions) checkFractions(options.perturbFractions);
  if (options.resume) {
    if (!options.out) fail('BAD_OPTION', 'resume needs the run folder (--out) of the run to finish');
    folder = held.folder = RunFolder.create(options.out, { resume: true });
    const s = readSettings(options.out);
    if (s.command !== 'ensemble') fail('BAD_RUN', `cannot resume ${options.out} as an ensemble: it is a '${s.command}' run`);
    const { out: _o, outParent: _op, resume: _r, perturbFractions: _p, kernels: _k, onEvent: _e, stopAfterEpoch: _s, ...given } = options;
    refuseChangedOptions(options.out, given, s.options);
    // runs from before data fingerprints were saved resume unchecked
    fingerprint = s.data ?? null;
    resolved = checkEnsembleOptions(givenOptions<EnsembleOptions>(s.options));
    explicitTestFraction = s.explicitTestFraction;
  } else {
    resolved = checkEnsembleOptions(options);
  }
  const data = prepareEnsembleData(resolved, explicitTestFraction);
  const wantsFolder = folder !== null || options.out !== undefined || options.outParent !== undefined;
  const dataPrint = wantsFolder ? fingerprintData(resolved.data, storedDataDir) : null;
  if (folder && dataPrint) refuseChangedData(folder.dir, resolved.data, fingerprint, dataPrint);
  if (!folder && wantsFolder) {
    folder = held.folder = RunFolder.create(options.out ?? defaultRunDir(new Date(), options.outParent), { resume: false });
    folder.writeJson(SETTINGS_FILE, { format: SETTINGS_FORMAT, command: 'ensemble', options: resolved, explicitTestFraction, ...(dataPrint && { data: dataPrint }) });
    if (data.standardizer) folder.writeTensors(PREPROCESS_FILE, preprocessTensors(data.standardizer));
  }
  const trained = trainEnsemble(resolved, {
    k, folder, resume: options.resume ?? false, explicitTestFraction, prepared: data,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.stopAfterEpoch !== undefined ? { stopAfterEpoch: options.stopAfterEpoch } : {}),
  });
  const e = trained.ensemble;
  const evalData = trained.test ?? trained.train;
  const ev = new Evaluator(k, e.layers, Math.min(2048, evalData.rows));
  const mf = ev.meanField(e, evalData);
  // sampled networks: their own stream, derived from the seed (reproducible, independent of training)
  const sampled = ev.sampled(e, evalData, resolved.samples, (resolved.seed ^ 0x5a3b1e) >>> 0);
  const summary: EnsembleSummary = {
    format: ENSEMBLE_FORMAT, status: 'complete', seed: resolved.seed, seconds: trained.seconds, dataset: data.info,
    model: { layers: [...e.layers], activation: 'relu', biases: false, scaling: '1/sqrt(fan-in)' },
    meanField: { testLoss: mf.loss, testAccuracy: mf.accuracy, evaluatedOn: trained.test ? 'test' : 'train' },
    sampled: { samples: resolved.samples, meanAccuracy: sampled.mean, stdAccuracy: sampled.std, accuracies: sampled.accuracies },
    categories: countCategories(e),
    epochs: resolved.epochs,
  };
  if (options.perturbFractions) {
    summary.perturb = perturbationTable(e, ev, evalData, options.perturbFractions, resolved.samples, (resolved.seed ^ 0x7e57) >>> 0);
  }
  if (folder) writeEnsembleReports(folder, e, summary, trained.history);
  return { ...summary, ensemble: e, history: trained.history, out: folder?.dir ?? null };
}

export function writeEnsembleReports(folder: RunFolder, e: Ensemble, summary: EnsembleSummary, history: EpochRecord[]): void {
  folder.writeTensors(ENSEMBLE_FILE, ensembleToTensors(e), { format: ENSEMBLE_FORMAT, layers: e.layers.join('-') });
  folder.writeText('epochs.csv', toCsv(['epoch', 'lr', 'trainLoss', 'trainAccuracy', 'testAccuracy', 'seconds'], history.map((h) => ({ ...h }))));
  folder.writeText('categories.csv', toCsv(
    ['layer', 'connections', 'important', 'unimportant', 'variable', 'importantFraction', 'unimportantFraction', 'variableFraction'],
    summary.categories.map((c) => ({ ...c })),
  ));
  const hist = histograms(e);
  folder.writeJson('histograms.json', { format: 'regpath.ensemble-histograms/1', histograms: hist });
  folder.writeText('histograms.csv', toCsv(
    ['layer', 'quantity', 'bin', 'low', 'high', 'count'],
    hist.flatMap((h) => h.counts.map((count, bin) => ({ layer: h.layer, quantity: h.quantity, bin, low: h.edges[bin]!, high: h.edges[bin + 1]!, count }))),
  ));
  if (summary.perturb) writePerturb(folder, summary.perturb);
  folder.writeJson('ensemble.json', summary);
}

export function writePerturb(folder: RunFolder, rows: PerturbRow[]): void {
  folder.writeJson('perturb.json', { format: 'regpath.ensemble-perturb/1', layer: 0, rows });
  folder.writeText('perturb.csv', toCsv([...PERTURB_COLUMNS], rows.map((r) => ({ ...r }))));
}
