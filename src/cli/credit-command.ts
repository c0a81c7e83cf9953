import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { RegpathError, fail } from '../errors.js';
import { configureThreads, kernels } from '../kernels/index.js';
import { MAX_THREADS } from '../kernels/wasm/threads.js';
import { RunFolder, SETTINGS_FILE, defaultRunDir } from '../io/run-folder.js';
import { toCsv } from '../io/csv.js';
import { writeReportAfterRun } from './report-command.js';
import { computePath, type PathEvent } from '../path/compute-path.js';
import { SETTINGS_FORMAT } from '../io/run.js';
import { checkPathOptions, parseHidden } from '../path/options.js';
import { computeCredit, type CreditResult } from '../analysis/credit.js';
import { CREDIT_COLUMNS, formatCreditTable } from '../analysis/credit-report.js';
import { checkEnsembleOptions } from '../ensemble/options.js';
import { runEnsemble } from '../ensemble/run.js';
import { prepareEnsembleData } from '../ensemble/train.js';
import { intArg, numArg } from './main.js';
import { Progress } from './progress.js';
import { threadsArg } from './ensemble-command.js';
import { formatEnsembleSummary } from './ensemble-command.js';

interface CreditFlags {
  path?: string;
  ensemble?: string;
  data?: string;
  hidden?: string;
  method?: string;
  points?: number;
  epochs?: number;
  seed?: number;
  testFraction?: number;
  standardize?: boolean;
  out?: string;
  json?: boolean;
  threads?: number;
}

/**
 * `regpath credit`: the l1 question (SCIENCE.md §6, src/analysis/credit.ts). Two modes:
 * --path RUN --ensemble ENS compares two finished runs; without them (--data, --hidden, …) it
 * computes both into <out>/path and <out>/ensemble first, with the same data, split and
 * preprocessing. Either way the report goes to <out> (credit.json, credit.csv, credit.txt).
 */
export function creditCommand(program: Command): void {
  program
    .command('credit')
    .description('does l1 find the connections that carry the decision? overlap of each path point\'s zeros with the ensemble\'s categories, and credit concentration')
    .option('--path <run>', 'finished run folder of regpath path')
    .option('--ensemble <run>', 'finished run folder of regpath ensemble (same layers, data, seed and test fraction)')
    .option('--data <spec>', 'one-command mode: data for both runs (default: mnist)')
    .option('--hidden <widths>', 'one-command mode: hidden widths of both (default: 100,100)')
    .option('--method <name>', 'one-command mode: path method (default: continuation)')
    .option('--points <n>', 'one-command mode: target number of path points (default: 12)', intArg('--points'))
    .option('--epochs <n>', 'one-command mode: ensemble epochs (default: 200)', intArg('--epochs'))
    .option('--seed <n>', 'one-command mode: seed of both (default: 1)', intArg('--seed'))
    .option('--test-fraction <f>', 'one-command mode: test share of both (default: 0.2)', numArg('--test-fraction'))
    .option('--standardize', 'one-command mode: standardise features for both')
    .option('--no-standardize', 'one-command mode: raw features for both (default, as the published ensemble)')
    .option('--out <folder>', 'report folder (default: runs/<date-time>)')
    .option('--json', 'print only the machine-readable result on stdout')
    .option('--threads <n>', `threads of the WebAssembly kernels, 1..${MAX_THREADS}`, threadsArg)
    .action(async (flags: CreditFlags) => {
      if (flags.threads !== undefined) configureThreads(flags.threads);
      const twoRuns = flags.path !== undefined || flags.ensemble !== undefined;
      if (twoRuns && (flags.path === undefined || flags.ensemble === undefined)) {
        throw new RegpathError('BAD_OPTION', 'credit: give both --path <run> and --ensemble <run>, or neither (one-command mode with --data, --hidden)');
      }
      const oneCommandFlags = (['data', 'hidden', 'method', 'points', 'epochs', 'seed', 'testFraction', 'standardize'] as const).filter((f) => flags[f] !== undefined);
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
      const hidden = flags.hidden !== undefined ? parseHidden(flags.hidden) : [100, 100];
      const standardize = flags.standardize ?? false;
      const common = {
        data: flags.data ?? 'mnist', hidden, standardize,
        ...(flags.seed !== undefined && { seed: flags.seed }),
        ...(flags.testFraction !== undefined && { testFraction: flags.testFraction }),
      };
      const pathOptions = { ...common, method: flags.method ?? 'continuation', points: flags.points ?? 12 };
      const ensOptions = { ...common, ...(flags.epochs !== undefined && { epochs: flags.epochs }) };
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
