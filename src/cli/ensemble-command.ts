import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { RegpathError, fail } from '../errors.js';
import { configureThreads, kernels } from '../kernels/index.js';
import { MAX_THREADS } from '../kernels/wasm/threads.js';
import { RunFolder, SETTINGS_FILE } from '../io/run-folder.js';
import { readSettings } from '../io/run.js';
import { readSafetensors } from '../io/safetensors.js';
import { parseHidden } from '../path/options.js';
import { toDevice } from '../nn/problem.js';
import { Evaluator } from '../ensemble/evaluate.js';
import { ENSEMBLE_FILE, tensorsToEnsemble } from '../ensemble/io.js';
import { checkEnsembleOptions, checkFractions, DEFAULT_FRACTIONS, type EnsembleOptions, type ResolvedEnsembleOptions } from '../ensemble/options.js';
import { formatPerturbTable, perturbationTable } from '../ensemble/perturb.js';
import { runEnsemble, writePerturb, type EnsembleSummary } from '../ensemble/run.js';
import { prepareEnsembleData, type EnsembleEvent } from '../ensemble/train.js';
import { intArg, numArg } from './main.js';
import { writeReportAfterRun } from './report-command.js';

interface EnsembleFlags {
  data: string;
  target?: string;
  hidden?: number[];
  batch?: number;
  lr?: number;
  lrHalveEvery?: number;
  decay?: number;
  epochs?: number;
  seed?: number;
  testFraction?: number;
  standardize?: boolean;
  samples?: number;
  checkpointEvery?: number;
  evalEvery?: number;
  adamRestart?: boolean;
  out?: string;
  resume?: boolean;
  perturb?: boolean;
  fractions?: number[];
  json?: boolean;
  threads?: number;
}

export function threadsArg(v: string): number {
  const n = Number(v.trim());
  if (!/^\d+$/.test(v.trim()) || n < 1 || n > MAX_THREADS) throw new InvalidArgumentError(`--threads expects an integer from 1 to ${MAX_THREADS}, got "${v}"`);
  return n;
}

export function fractionsArg(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  const xs = parts.map(Number);
  if (parts.some((s) => s === '') || xs.some((x) => !Number.isFinite(x))) throw new InvalidArgumentError(`--fractions expects comma-separated numbers such as 0,0.5,1, got "${v}"`);
  return xs;
}

function hiddenArg(v: string): number[] {
  try {
    return parseHidden(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--hidden: /, ''));
  }
}

/** Registers `regpath ensemble` and `regpath perturb` (the perturbation checks of a saved ensemble). */
export function ensembleCommand(program: Command): void {
  program
    .command('ensemble')
    .description('train the spike-and-slab ensemble of subnetworks (Li & Huang) and sort connections into very important, unimportant and variable')
    .option('--data <spec>', 'mnist | iris | fashion-mnist | file.csv | folder of IDX files (classification)', 'mnist')
    .option('--target <column>', 'CSV target column (default: the last column)')
    .option('--hidden <widths>', 'hidden layer widths (default: 100,100)', hiddenArg)
    .option('--batch <n>', 'mini-batch size (default: 500)', intArg('--batch'))
    .option('--lr <rate>', 'Adam learning rate (default: 0.1)', numArg('--lr'))
    .option('--lr-halve-every <epochs>', 'halve the learning rate every this many epochs (default: 20)', intArg('--lr-halve-every'))
    .option('--decay <d>', 'decoupled decay of m and Ξ per step: x ← x − lr·d·x (default: 1e-4)', numArg('--decay'))
    .option('--epochs <n>', 'training epochs (default: 200)', intArg('--epochs'))
    .option('--seed <n>', 'seed for split, init, batches and noise (default: 1)', intArg('--seed'))
    .option('--test-fraction <f>', 'share of rows held out for testing (default: 0.2, the split of regpath path)', numArg('--test-fraction'))
    .option('--standardize', 'standardise features on the training part (default: raw features, as the published code)')
    .option('--no-standardize', 'use the features as they are (default)')
    .option('--samples <k>', 'sampled subnetworks for the accuracy spread and each perturbation (default: 20)', intArg('--samples'))
    .option('--checkpoint-every <epochs>', 'write a resumable checkpoint every this many epochs (default: 10)', intArg('--checkpoint-every'))
    .option('--eval-every <epochs>', 'test accuracy of the mean-field network every this many epochs (default: 10)', intArg('--eval-every'))
    .option('--adam-restart', 'restart Adam\'s moments every epoch (default: keep them, as the published MNIST code)')
    .option('--perturb', 'also run the perturbation checks of the first layer')
    .option('--fractions <list>', 'perturbation fractions in [0, 1] (default: 0,0.1,…,1)', fractionsArg)
    .option('--out <folder>', 'run folder (default: runs/<date-time>)')
    .option('--resume', 'finish the interrupted run in --out (from its last checkpoint)')
    .option('--json', 'print only a machine-readable summary on stdout')
    .option('--threads <n>', `threads of the WebAssembly kernels, 1..${MAX_THREADS}`, threadsArg)
    .action((flags: EnsembleFlags) => {
      if (flags.threads !== undefined) configureThreads(flags.threads);
      if (flags.resume && !flags.out) throw new RegpathError('BAD_OPTION', '--resume needs --out <folder> naming the run to finish');
      if (flags.fractions) checkFractions(flags.fractions);
      const options: EnsembleOptions = {
        data: flags.data, adamRestart: flags.adamRestart,
        ...(flags.standardize !== undefined && { standardize: flags.standardize }),
        ...(flags.target !== undefined && { target: flags.target }),
        ...(flags.hidden !== undefined && { hidden: flags.hidden }),
        ...(flags.batch !== undefined && { batch: flags.batch }),
        ...(flags.lr !== undefined && { learningRate: flags.lr }),
        ...(flags.lrHalveEvery !== undefined && { lrHalveEvery: flags.lrHalveEvery }),
        ...(flags.decay !== undefined && { decay: flags.decay }),
        ...(flags.epochs !== undefined && { epochs: flags.epochs }),
        ...(flags.seed !== undefined && { seed: flags.seed }),
        ...(flags.testFraction !== undefined && { testFraction: flags.testFraction }),
        ...(flags.samples !== undefined && { samples: flags.samples }),
        ...(flags.checkpointEvery !== undefined && { checkpointEvery: flags.checkpointEvery }),
        ...(flags.evalEvery !== undefined && { evalEvery: flags.evalEvery }),
      };
      const progress = flags.json ? null : new EpochProgress();
      try {
        const r = runEnsemble({
          ...options, resume: flags.resume ?? false,
          ...(flags.out !== undefined ? { out: flags.out } : { outParent: 'runs' }),
          ...(flags.perturb || flags.fractions ? { perturbFractions: flags.fractions ?? DEFAULT_FRACTIONS } : {}),
          onEvent: (e) => progress?.update(e),
        });
        progress?.stop();
        writeReportAfterRun(r.out, flags.json);
        if (flags.json) {
          const { ensemble: _e, ...rest } = r;
          process.stdout.write(JSON.stringify(rest) + '\n');
        } else {
          process.stdout.write(formatEnsembleSummary(r) + (r.perturb ? '\n' + formatPerturbTable(r.perturb) : '') + `\nrun folder: ${r.out}\n`);
        }
      } finally {
        progress?.stop();
      }
    });

  program
    .command('perturb')
    .description('perturbation checks of a saved ensemble\'s first layer: remove important / as many variable connections, replace unimportant ones by N(0,1)')
    .argument('<run>', 'run folder of regpath ensemble')
    .option('--fractions <list>', 'fractions in [0, 1] (default: 0,0.1,…,1)', fractionsArg)
    .option('--samples <k>', 'sampled networks per cell (default: the run\'s --samples)', intArg('--samples'))
    .option('--seed <n>', 'seed of the perturbations (default: the run\'s seed)', intArg('--seed'))
    .option('--json', 'print only a machine-readable table on stdout')
    .option('--threads <n>', `threads of the WebAssembly kernels, 1..${MAX_THREADS}`, threadsArg)
    .action((run: string, flags: { fractions?: number[]; samples?: number; seed?: number; json?: boolean; threads?: number }) => {
      if (flags.threads !== undefined) configureThreads(flags.threads);
      const fractions = checkFractions(flags.fractions ?? DEFAULT_FRACTIONS);
      const { options, explicitTestFraction, file } = readEnsembleRun(run);
      const samples = checkEnsembleOptions({ samples: flags.samples ?? options.samples }).samples;
      const e = tensorsToEnsemble(readSafetensors(file).tensors, file);
      const data = prepareEnsembleData(options, explicitTestFraction);
      if (e.layers[0] !== data.info.features || e.layers[e.layers.length - 1] !== data.info.classes) {
        fail('BAD_RUN', `perturb: ${file} has layers ${e.layers.join('-')}, which do not fit ${data.info.name} (${data.info.features} features, ${data.info.classes} classes)`);
      }
      const k = kernels();
      const set = data.test ?? data.train;
      const dev = toDevice(k, set.x, set.y, set.rows, set.features);
      const ev = new Evaluator(k, e.layers, Math.min(2048, dev.rows));
      const rows = perturbationTable(e, ev, dev, fractions, samples, ((flags.seed ?? options.seed) ^ 0x7e57) >>> 0);
      const folder = RunFolder.create(run, { resume: true });
      try {
        writePerturb(folder, rows);
      } finally {
        folder.release();
      }
      process.stdout.write(flags.json ? JSON.stringify({ layer: 0, rows }) + '\n' : formatPerturbTable(rows));
    });
}

/** A finished ensemble run: its resolved options and ensemble file (checked, nothing written). */
export function readEnsembleRun(dir: string): { options: ResolvedEnsembleOptions; explicitTestFraction: boolean; file: string } {
  const settingsFile = path.join(dir, SETTINGS_FILE);
  const file = path.join(dir, ENSEMBLE_FILE);
  if (!fs.existsSync(settingsFile)) fail('BAD_RUN', `${dir} is not a regpath run folder (it has no ${SETTINGS_FILE})`);
  const s = readSettings(dir);
  if (s.command !== 'ensemble') fail('BAD_RUN', `${dir} is a '${s.command ?? 'path'}' run, not an ensemble run (regpath ensemble)`);
  if (!fs.existsSync(file)) fail('BAD_RUN', `${dir} has no ${ENSEMBLE_FILE}: the ensemble run did not finish (regpath ensemble --out ${dir} --resume)`);
  const saved = Object.fromEntries(Object.entries(s.options).filter(([, v]) => v !== null));
  return { options: checkEnsembleOptions(saved as EnsembleOptions), explicitTestFraction: s.explicitTestFraction ?? false, file };
}

export function formatEnsembleSummary(r: EnsembleSummary): string {
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const lines = [
    `ensemble ${r.model.layers.join('-')} on ${r.dataset.name} (${r.dataset.train} train / ${r.dataset.test} test rows), ${r.epochs} epochs in ${r.seconds.toFixed(1)} s`,
    `mean-field network: ${r.meanField.evaluatedOn} accuracy ${pct(r.meanField.testAccuracy)} (loss ${r.meanField.testLoss.toFixed(4)})`,
    `sampled subnetworks (${r.sampled.samples}): ${r.meanField.evaluatedOn} accuracy ${pct(r.sampled.meanAccuracy)} ± ${pct(r.sampled.stdAccuracy)}`,
    'layer  connections  very important  unimportant  variable',
    ...r.categories.map((c) => `${String(c.layer).padStart(5)}  ${String(c.connections).padStart(11)}  ${pct(c.importantFraction).padStart(14)}  ${pct(c.unimportantFraction).padStart(11)}  ${pct(c.variableFraction).padStart(8)}`),
  ];
  return lines.join('\n') + '\n';
}

/** Per-epoch progress: a bar on a terminal, else one line per evaluated epoch. */
class EpochProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastTest = '-';

  update(e: EnsembleEvent): void {
    if (e.type === 'start') {
      process.stderr.write(
        `regpath ensemble: ${e.dataset.name} (${e.dataset.train} train / ${e.dataset.test} test rows), layers ${e.layers.join('-')}, ${e.epochs} epochs` +
          (e.resumedEpochs ? `, resuming after epoch ${e.resumedEpochs}` : '') + '\n',
      );
      if (this.tty) {
        this.bar = new cliProgress.SingleBar({
          format: '{bar} epoch {value}/{total} | lr {lr} | loss {loss} | train acc {acc} | test acc {test} | {elapsed}s',
          stream: process.stderr, hideCursor: false, clearOnComplete: false,
        }, cliProgress.Presets.shades_classic);
        this.bar.start(e.epochs, e.resumedEpochs, { lr: '-', loss: '-', acc: '-', test: '-', elapsed: 0 });
      }
      return;
    }
    const r = e.record;
    if (r.testAccuracy !== undefined) this.lastTest = `${(100 * r.testAccuracy).toFixed(2)}%`;
    const fields = { lr: r.lr.toPrecision(3), loss: r.trainLoss.toPrecision(4), acc: `${(100 * r.trainAccuracy).toFixed(2)}%`, test: this.lastTest, elapsed: r.seconds.toFixed(0) };
    if (this.bar) this.bar.update(r.epoch, fields);
    else process.stderr.write(`  epoch ${r.epoch}: lr ${fields.lr}, loss ${fields.loss}, train acc ${fields.acc}${r.testAccuracy !== undefined ? `, test acc ${fields.test}` : ''}, ${fields.elapsed}s\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
