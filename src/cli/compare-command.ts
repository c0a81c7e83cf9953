import { Command, InvalidArgumentError, Option } from 'commander';
import * as path from 'node:path';
import { comparePaths, type CompareOptions, type CompareResult } from '../path/compare.js';
import { parseHidden } from '../path/options.js';
import { methodNames } from '../path/methods.js';
import { intArg, numArg } from './main.js';
import { Progress } from './progress.js';
import { writeReportAfterRun } from './report-command.js';

interface CompareFlags {
  methods?: string[];
  runs?: string[];
  out?: string;
  json?: boolean;
  data?: string;
  target?: string;
  task?: 'classify' | 'regress' | 'auto';
  hidden?: number[];
  activation?: 'relu' | 'tanh' | 'sigmoid' | 'identity';
  standardize: boolean;
  [option: string]: unknown;
}

const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);

/** Path options that compare passes through unchanged (flag → PathOptions key). */
const NUMERIC: Array<[flag: string, key: string, int: boolean, help: string]> = [
  ['--points <n>', 'points', true, 'target number of front points (default: 40)'],
  ['--batch <n>', 'batch', true, 'mini-batch size (default: full batch up to 10,000 rows, else 5,600)'],
  ['--seed <n>', 'seed', true, 'seed for init, split and batches (default: 1)'],
  ['--test-fraction <f>', 'testFraction', false, 'share of rows held out for testing (default: 0.2)'],
  ['--step <h>', 'step', false, 'continuation: initial MPG step size (default: 1)'],
  ['--tolerance <t>', 'tolerance', false, 'continuation: corrector tolerance (default: 0.05; 0.02 with --batch)'],
  ['--max-corrector-steps <n>', 'maxCorrectorSteps', true, 'continuation: cap on steps per corrector (default: 2000)'],
  ['--nlambda <n>', 'nlambda', true, 'sweep: a fixed geometric grid of n λ values, as glmnet (default: λ steps sized for --points)'],
  ['--lambda-min-ratio <r>', 'lambdaMinRatio', false, 'sweep: smallest λ as a fraction of λ_max (default: 1e-4)'],
  ['--fit-epochs <n>', 'fitEpochs', true, 'sweep, weighted-sum: cap on epochs per fit (default: 1000 linear, 50 network)'],
  ['--dense-epochs <n>', 'denseEpochs', true, 'sweep, weighted-sum: SGD epochs of the dense start (default: 300)'],
  ['--lr <rate>', 'learningRate', false, 'sweep, weighted-sum: SGD learning rate (default: 0.1)'],
  ['--population <n>', 'population', true, 'nsga2: population size (default: 100)'],
  ['--generations <n>', 'generations', true, 'nsga2: generations (default: 250)'],
  ['--l1-ref <x>', 'l1Ref', false, 'common l1 normalisation (default: the largest l1 among the runs)'],
];

/** Attribute name commander gives a flag: --max-corrector-steps → maxCorrectorSteps. */
const attr = (flag: string): string => flag.replace(/^--/, '').split(' ')[0]!.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function compareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .description('run several path methods on the same data, split and seed (or read finished runs) and compare their fronts with a common l1_ref')
    .option('--methods <list>', `comma-separated methods: ${methodNames().join(', ')} (default: continuation,sweep,weighted-sum unless --runs)`, list)
    .option('--runs <list>', 'comma-separated finished run folders to include', list)
    .option('--out <folder>', 'folder for compare.json, compare.csv and the runs (default: runs/compare-<date-time>)')
    .option('--json', 'print only the comparison as JSON on stdout')
    .option('--data <spec>', 'mnist | iris | fashion-mnist | file.csv | folder of IDX files (default: mnist)')
    .option('--target <column>', 'CSV target column (default: the last column)')
    .addOption(new Option('--task <task>', 'classification or regression (default: inferred)').choices(['classify', 'regress', 'auto']))
    .option('--hidden <widths>', 'hidden layer widths, e.g. 20,20; 0 for a linear model (default: 20,20)', (v: string) => {
      try {
        return parseHidden(v);
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message.replace(/^--hidden: /, ''));
      }
    })
    .addOption(new Option('--activation <name>', 'hidden activation (default: relu)').choices(['relu', 'tanh', 'sigmoid', 'identity']))
    .option('--penalize-bias', 'penalise biases too (default: weights only)')
    .option('--standardize', 'standardise features on the training part (default)', true)
    .option('--no-standardize', 'use the features as they are');
  for (const [flag, , int, help] of NUMERIC) cmd.option(flag, help, int ? intArg(flag.split(' ')[0]!) : numArg(flag.split(' ')[0]!));
  cmd.action(async (flags: CompareFlags) => {
    const options: CompareOptions = {
      standardize: flags.standardize,
      ...(flags.methods !== undefined && { methods: flags.methods }),
      ...(flags.runs !== undefined && { runs: flags.runs }),
      out: flags.out ?? path.join('runs', `compare-${stamp(new Date())}`),
      ...(flags.data !== undefined && { data: flags.data }),
      ...(flags.target !== undefined && { target: flags.target }),
      ...(flags.task !== undefined && { task: flags.task }),
      ...(flags.hidden !== undefined && { hidden: flags.hidden }),
      ...(flags.activation !== undefined && { activation: flags.activation }),
      ...(flags['penalizeBias'] !== undefined && { penalizeBias: true }),
    };
    for (const [flag, key] of NUMERIC) {
      const v = flags[attr(flag)];
      if (v !== undefined) (options as Record<string, unknown>)[key] = v;
    }
    // one progress display per method run
    const shown: { progress: Progress | null; method: string } = { progress: null, method: '' };
    try {
      const result = await comparePaths({
        ...options,
        onProgress: (e) => {
          if (flags.json) return;
          if (e.method !== shown.method || !shown.progress) {
            shown.progress?.stop();
            shown.progress = new Progress();
            shown.method = e.method;
            process.stderr.write(`— ${e.method}\n`);
          }
          shown.progress.update(e);
        },
      });
      shown.progress?.stop();
      writeReportAfterRun(result.out, flags.json);
      process.stdout.write(flags.json ? JSON.stringify(result) + '\n' : formatComparison(result));
    } finally {
      shown.progress?.stop();
    }
  });
}

function stamp(now: Date): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}${p2(now.getMonth() + 1)}${p2(now.getDate())}-${p2(now.getHours())}${p2(now.getMinutes())}${p2(now.getSeconds())}`;
}

/** The comparison as a text table. */
export function formatComparison(r: CompareResult): string {
  const f = (x: number | null, d: number): string => (x === null ? '' : x.toFixed(d));
  const head = ['method', 'points', 'HV train', 'HV test', 'largest gap', 'best test acc (oracle)', 'seconds'];
  const rows = r.rows.map((row) => [
    row.method, String(row.points), f(row.hypervolumeTrain, 4), f(row.hypervolumeTest, 4), f(row.largestGap, 4),
    row.bestTestAccuracy === null ? '' : `${(100 * row.bestTestAccuracy).toFixed(1)}%`, row.seconds.toFixed(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ') + '\n';
  let s = `\n${r.dataset.name}, layers ${r.model.layers.join('-')} ${r.model.activation}, seed ${r.seed}: ` +
    `hypervolume of (loss/${r.nullLoss.toPrecision(4)}, l1/${r.l1Ref.toPrecision(4)}), reference point (1.1, 1.1)\n\n`;
  s += line(head) + rows.map(line).join('');
  if (r.out) s += `\nsaved in ${path.join(r.out, 'compare.json')} and compare.csv\n`;
  return s;
}
