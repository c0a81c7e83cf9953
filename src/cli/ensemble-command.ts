import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import type cliProgress from 'cli-progress';
import { RegpathError, fail } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { RunFolder, SETTINGS_FILE } from '../io/run-folder.js';
import { givenOptions, readSettings } from '../io/run.js';
import { readSafetensors } from '../io/safetensors.js';
import { toDevice } from '../nn/problem.js';
import { Evaluator } from '../ensemble/evaluate.js';
import { ENSEMBLE_FILE, tensorsToEnsemble } from '../ensemble/io.js';
import { checkEnsembleOptions, checkFractions, DEFAULT_FRACTIONS, ENSEMBLE_DEFAULTS, RECIPES, type EnsembleOptions, type ResolvedEnsembleOptions } from '../ensemble/options.js';
import { formatPerturbTable, perturbationTable } from '../ensemble/perturb.js';
import { runEnsemble, writePerturb, type EnsembleSummary } from '../ensemble/run.js';
import { prepareEnsembleData, type EnsembleEvent } from '../ensemble/train.js';
import { writeReportAfterRun } from './report-command.js';
import { addFlags, readFlags, type FlagName } from './flags.js';
import { startBar } from './task-progress.js';

/** "200 (prl2020), 100 (code2022), …": an option's value in each recipe, for the help. */
function recipeDefaults(key: 'epochs' | 'lrHalveEvery'): string {
  return Object.entries(RECIPES).map(([name, r]) => `${r[key]} (${name})`).join(', ');
}

const ENSEMBLE_FLAGS = [
  'data', 'target', 'hidden', 'recipe', 'batch', 'learningRate', 'lrHalveEvery', 'decay', 'epochs', 'seed', 'testFraction', 'standardize',
  'samples', 'checkpointEvery', 'evalEvery', 'perturb', 'fractions', 'out', 'resume', 'json', 'threads',
] as const satisfies readonly FlagName[];
const PERTURB_FLAGS = ['fractions', 'samples', 'seed', 'json', 'threads'] as const satisfies readonly FlagName[];

/** Registers `regpath ensemble` and `regpath perturb` (the perturbation checks of a saved ensemble). */
export function ensembleCommand(program: Command): void {
  const ensemble = program
    .command('ensemble')
    .description('train the spike-and-slab ensemble of subnetworks (Li & Huang) and sort connections into very important, unimportant and variable');
  addFlags(ensemble, ENSEMBLE_FLAGS, {
    defaults: {
      ...ENSEMBLE_DEFAULTS, fractions: '0,0.1,…,1',
      epochs: `the recipe's: ${recipeDefaults('epochs')}`, lrHalveEvery: `the recipe's: ${recipeDefaults('lrHalveEvery')}`,
    },
    notes: { data: 'classification data' },
  });
  ensemble.action((given: Record<string, unknown>) => {
    const { out, resume, json, perturb, fractions, threads: _t, ...options } = readFlags(given, ENSEMBLE_FLAGS) as EnsembleOptions & {
      out?: string; resume?: boolean; json?: boolean; perturb?: boolean; fractions?: number[]; threads?: number;
    };
    if (resume && !out) throw new RegpathError('BAD_OPTION', '--resume needs --out <folder> naming the run to finish');
    if (fractions) checkFractions(fractions);
    const progress = json ? null : new EpochProgress();
    try {
      const r = runEnsemble({
        ...options, resume: resume ?? false,
        ...(out !== undefined ? { out } : { outParent: 'runs' }),
        ...(perturb || fractions ? { perturbFractions: fractions ?? DEFAULT_FRACTIONS } : {}),
        onEvent: (e) => progress?.update(e),
      });
      progress?.stop();
      writeReportAfterRun(r.out, json);
      if (json) {
        const { ensemble: _e, ...rest } = r;
        process.stdout.write(JSON.stringify(rest) + '\n');
      } else {
        process.stdout.write(formatEnsembleSummary(r) + (r.perturb ? '\n' + formatPerturbTable(r.perturb) : '') + `\nrun folder: ${r.out}\n`);
      }
    } finally {
      progress?.stop();
    }
  });

  const perturbCmd = program
    .command('perturb')
    .description('perturbation checks of a saved ensemble\'s first layer: remove important / as many variable connections, replace unimportant ones by N(0,1)')
    .argument('<run>', 'run folder of regpath ensemble');
  addFlags(perturbCmd, PERTURB_FLAGS, { defaults: { fractions: '0,0.1,…,1', samples: 'the run\'s', seed: 'the run\'s' } });
  perturbCmd.action((run: string, given: Record<string, unknown>) => {
    const flags = readFlags(given, PERTURB_FLAGS) as { fractions?: number[]; samples?: number; seed?: number; json?: boolean };
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
  return { options: checkEnsembleOptions(givenOptions<EnsembleOptions>(s.options)), explicitTestFraction: s.explicitTestFraction ?? false, file };
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
        this.bar = startBar('{bar} epoch {value}/{total} | lr {lr} | loss {loss} | train acc {acc} | test acc {test} | {elapsed}s',
          e.epochs, e.resumedEpochs, { lr: '-', loss: '-', acc: '-', test: '-', elapsed: 0 });
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
