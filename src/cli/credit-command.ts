import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { RegpathError, fail } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { RunFolder, SETTINGS_FILE, defaultRunDir } from '../io/run-folder.js';
import { toCsv } from '../io/csv.js';
import { writeReportAfterRun } from './report-command.js';
import { computePath, type PathEvent } from '../path/compute-path.js';
import { SETTINGS_FORMAT } from '../io/run.js';
import { checkPathOptions } from '../path/options.js';
import { computeCredit, type CreditResult } from '../analysis/credit.js';
import { CREDIT_COLUMNS, formatCreditTable } from '../analysis/credit-report.js';
import { checkEnsembleOptions, ENSEMBLE_DEFAULTS, type RecipeName } from '../ensemble/options.js';
import { runEnsemble } from '../ensemble/run.js';
import { prepareEnsembleData } from '../ensemble/train.js';
import { addFlags, readFlags, type FlagName } from './flags.js';
import { Progress } from './progress.js';
import { formatEnsembleSummary } from './ensemble-command.js';

const CREDIT_FLAGS = [
  'path', 'ensemble', 'data', 'hidden', 'method', 'points', 'recipe', 'epochs', 'seed', 'testFraction', 'standardize', 'out', 'json', 'threads',
] as const satisfies readonly FlagName[];
type CreditFlags = { path?: string; ensemble?: string; data?: string; hidden?: number[]; method?: string; points?: number; recipe?: RecipeName;
  epochs?: number; seed?: number; testFraction?: number; standardize?: boolean; out?: string; json?: boolean };

/** The one-command mode's defaults: the ensemble's data, network and preprocessing, a short path. */
const CREDIT_DEFAULTS = {
  data: ENSEMBLE_DEFAULTS.data, hidden: ENSEMBLE_DEFAULTS.hidden, method: 'continuation', points: 12, recipe: ENSEMBLE_DEFAULTS.recipe,
  seed: ENSEMBLE_DEFAULTS.seed, testFraction: ENSEMBLE_DEFAULTS.testFraction, standardize: ENSEMBLE_DEFAULTS.standardize,
} as const;
const ONE_COMMAND = ['data', 'hidden', 'method', 'points', 'recipe', 'epochs', 'seed', 'testFraction', 'standardize'] as const;

/**
 * `regpath credit`: does l1 find the connections the ensemble of subnetworks calls important
 * (src/analysis/credit.ts)? Two modes:
 * --path RUN --ensemble ENS compares two finished runs; without them (--data, --hidden, …) it
 * computes both into <out>/path and <out>/ensemble first, with the same data, split and
 * preprocessing. Either way the report goes to <out> (credit.json, credit.csv, credit.txt).
 */
export function creditCommand(program: Command): void {
  const cmd = program
    .command('credit')
    .description('does l1 find the connections that carry the decision? overlap of each path point\'s zeros with the ensemble\'s categories, and credit concentration');
  addFlags(cmd, CREDIT_FLAGS, {
    defaults: { ...CREDIT_DEFAULTS, epochs: 'the recipe\'s', out: 'runs/<date-time> (the report folder)' },
    notes: Object.fromEntries(ONE_COMMAND.map((f) => [f, 'one-command mode'])),
  });
  cmd.action(async (given: Record<string, unknown>) => {
    const flags = readFlags(given, CREDIT_FLAGS) as CreditFlags;
    const twoRuns = flags.path !== undefined || flags.ensemble !== undefined;
    if (twoRuns && (flags.path === undefined || flags.ensemble === undefined)) {
      throw new RegpathError('BAD_OPTION', 'credit: give both --path <run> and --ensemble <run>, or neither (one-command mode with --data, --hidden)');
    }
    const oneCommandFlags = ONE_COMMAND.filter((f) => flags[f] !== undefined);
    if (twoRuns && oneCommandFlags.length) {
      throw new RegpathError('BAD_OPTION', `credit: --${oneCommandFlags[0]!.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is for the one-command mode; with --path and --ensemble the runs' own settings apply`);
    }
    let pathDir: string, ensDir: string, folder: RunFolder;
    if (twoRuns) {
      pathDir = flags.path!;
      ensDir = flags.ensemble!;
      // checks both runs (and their compatibility) before the report folder exists
      const result = computeCredit(kernels(), pathDir, ensDir);
      folder = RunFolder.create(flags.out ?? defaultRunDir(new Date(), 'runs'), { resume: false });
      folder.writeJson(SETTINGS_FILE, { format: SETTINGS_FORMAT, command: 'credit', path: path.resolve(pathDir), ensemble: path.resolve(ensDir) });
      report(folder, result, flags.json ?? false);
      return;
    }
    const hidden = flags.hidden ?? [...CREDIT_DEFAULTS.hidden];
    const standardize = flags.standardize ?? CREDIT_DEFAULTS.standardize;
    const common = {
      data: flags.data ?? CREDIT_DEFAULTS.data, hidden, standardize,
      ...(flags.seed !== undefined && { seed: flags.seed }),
      ...(flags.testFraction !== undefined && { testFraction: flags.testFraction }),
    };
    const pathOptions = { ...common, method: flags.method ?? CREDIT_DEFAULTS.method, points: flags.points ?? CREDIT_DEFAULTS.points };
    const ensOptions = { ...common, recipe: flags.recipe ?? CREDIT_DEFAULTS.recipe, ...(flags.epochs !== undefined && { epochs: flags.epochs }) };
    // every option and the data checked before anything is written
    checkPathOptions(pathOptions);
    const ensResolved = checkEnsembleOptions(ensOptions);
    const data = prepareEnsembleData(ensResolved, flags.testFraction !== undefined);
    if (data.info.task !== 'classification') fail('BAD_DATA', `credit: ${data.info.name} is not a classification data set`);
    const out = flags.out ?? defaultRunDir(new Date(), 'runs');
    if (fs.existsSync(out) && fs.readdirSync(out).length) fail('BAD_RUN', `${out} already exists and is not empty; choose another --out`);
    folder = RunFolder.create(out, { resume: false });
    pathDir = path.join(out, 'path');
    ensDir = path.join(out, 'ensemble');
    folder.writeJson(SETTINGS_FILE, { format: SETTINGS_FORMAT, command: 'credit', mode: 'one-command', path: 'path', ensemble: 'ensemble', pathOptions, ensembleOptions: ensResolved });
    const progress = flags.json ? null : new Progress();
    try {
      await computePath({ ...pathOptions, out: pathDir, onProgress: (e: PathEvent) => progress?.update(e) });
    } finally {
      progress?.stop();
    }
    const ens = runEnsemble({
      ...ensOptions, out: ensDir,
      onEvent: (e) => {
        if (flags.json) return;
        if (e.type === 'start') process.stderr.write(`regpath credit: ensemble ${e.layers.join('-')}, ${e.epochs} epochs\n`);
        else if (e.record.testAccuracy !== undefined) process.stderr.write(`  epoch ${e.record.epoch}: loss ${e.record.trainLoss.toPrecision(4)}, test acc ${(100 * e.record.testAccuracy).toFixed(2)}%, ${e.record.seconds.toFixed(0)}s\n`);
      },
    });
    if (!flags.json) process.stderr.write(formatEnsembleSummary(ens));
    report(folder, computeCredit(kernels(), pathDir, ensDir), flags.json ?? false);
  });
}

function report(folder: RunFolder, r: CreditResult, json: boolean): void {
  folder.writeJson('credit.json', r);
  folder.writeText('credit.csv', toCsv([...CREDIT_COLUMNS], r.points.map((p) => ({ ...p }))));
  const text = formatCreditTable(r) + (r.notes.length ? r.notes.map((n) => `note: ${n}`).join('\n') + '\n' : '') + '\n' + r.summary + '\n';
  folder.writeText('credit.txt', text);
  writeReportAfterRun(folder.dir, json);
  process.stdout.write(json ? JSON.stringify(r) + '\n' : text + `\nreport folder: ${folder.dir}\n`);
}
