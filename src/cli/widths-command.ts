import type { Command } from 'commander';
import { checkOutFree, defaultRunDir, RunFolder } from '../io/run-folder.js';
import { SETTINGS_FILE, SETTINGS_FORMAT } from '../io/run.js';
import { toCsv } from '../io/csv.js';
import { checkTolerance } from '../neurons/analyse.js';
import { netToTensors } from '../neurons/network.js';
import { parseCount, parseLambda } from '../experiments/parse.js';
import { runWidths, type WidthsOptions, type WidthsSummary } from '../experiments/widths.js';
import type { InitName } from '../experiments/train.js';
import { fail } from '../errors.js';
import { pct, table, TaskProgress } from './task-progress.js';
import { writeReportAfterRun } from './report-command.js';
import { addFlags, readFlags, type FlagName } from './flags.js';

export const WIDTHS_NETWORK = (w: number): string => `networks/width-${w}.safetensors`;

/** The width experiment's defaults: the reference setup (raw pixels, PyTorch's initialisation). */
export const WIDTHS_DEFAULTS = {
  widths: [2, 4, 8, 10, 16, 24, 50, 100], n: 1000, lambda: 1e-3, steps: 4000, seeds: 3, plateau: 0.1, learningRate: 1e-3,
  hiddenLayers: 2, init: 'torch', data: 'mnist', seed: 1, testFraction: 0.2, standardize: false,
} as const;

const WIDTHS_FLAGS = [
  'widths', 'n', 'lambda', 'steps', 'seeds', 'plateau', 'learningRate', 'hiddenLayers', 'init', 'data', 'seed', 'testFraction', 'standardize',
  'out', 'json', 'threads',
] as const satisfies readonly FlagName[];
type WidthsFlags = Partial<{ widths: number[]; n: number; lambda: number; steps: number; seeds: number; plateau: number; learningRate: number;
  hiddenLayers: number; init: string; data: string; seed: number; testFraction: number; standardize: boolean }>;

/** Validates the flags (one clear line for each mistake) into the experiment's options. */
export function widthsOptions(given: WidthsFlags): WidthsOptions {
  const f = { ...WIDTHS_DEFAULTS, ...given };
  if (f.init !== 'torch' && f.init !== 'he') fail('BAD_OPTION', `--init: expected torch or he, got "${f.init}"`);
  if (!Number.isFinite(f.learningRate) || f.learningRate <= 0) fail('BAD_OPTION', `--lr: expected a positive number, got "${f.learningRate}"`);
  return {
    widths: [...f.widths].sort((a, b) => a - b),
    n: parseCount(f.n, '--n', 1, 1e7),
    lambda: parseLambda(f.lambda),
    steps: parseCount(f.steps, '--steps', 1, 1e8),
    seeds: parseCount(f.seeds, '--seeds', 1, 1000),
    plateau: checkTolerance('--plateau', f.plateau),
    lr: f.learningRate,
    data: f.data,
    seed: parseCount(f.seed, '--seed', 0, 2 ** 32 - 1),
    testFraction: given.testFraction === undefined ? null : checkTolerance('--test-fraction', given.testFraction),
    standardize: f.standardize,
    init: f.init as InitName,
    hidden: parseCount(f.hiddenLayers, '--hidden-layers', 1, 10),
  };
}

export function widthsCommand(program: Command): void {
  const cmd = program
    .command('widths')
    .description('width experiment: final l2-regularised objective of depth-3 ReLU nets against width, and where its plateau starts');
  addFlags(cmd, WIDTHS_FLAGS, { defaults: WIDTHS_DEFAULTS, notes: { data: 'classification data', standardize: 'on the N training rows' } });
  cmd.action((given: Record<string, unknown>) => {
    const { out, json } = readFlags(given, ['out', 'json']) as { out?: string; json?: boolean };
    const flags = { out, json };
    const o = widthsOptions(readFlags(given, WIDTHS_FLAGS) as WidthsFlags);
    if (flags.out !== undefined) checkOutFree(flags.out); // a taken --out fails before any work
    const progress = new TaskProgress(!flags.json);
    let folder: RunFolder | null = null;
    try {
      const result = runWidths(o, (e) => {
        if (e.type === 'start') {
          // the data loaded: only now is anything written
          folder = RunFolder.create(flags.out ?? defaultRunDir(new Date(), 'runs'), { resume: false });
          folder.writeJson(SETTINGS_FILE, { format: SETTINGS_FORMAT, command: 'widths', options: o });
          progress.line(`regpath widths: ${e.trainRows} training rows (${e.testRows} test), widths ${e.widths.join(', ')}, ${e.seeds} seeds × ${o.steps} steps, λ ${o.lambda} → ${folder.dir}`);
          progress.start(e.totalWork);
        } else if (e.type === 'step') {
          progress.update(e.work, `width ${e.width} seed ${e.seed} step ${e.step}/${e.steps}`);
        } else {
          progress.line(`  width ${e.width} seed ${e.seed}: objective ${e.objective.toPrecision(4)} (${progress.elapsed().toFixed(0)} s)`);
        }
      }, (w, net, row) => {
        const { tensors, metadata } = netToTensors(net);
        folder!.writeTensors(WIDTHS_NETWORK(w), tensors, { ...metadata, lambda: String(o.lambda), objective: String(row.objective), seed: String(row.bestSeed) });
      });
      progress.stop();
      const summary = { ...result, options: o, out: folder!.dir };
      folder!.writeJson('widths.json', summary);
      folder!.writeText('widths.csv', toCsv(['width', 'objective', 'loss', 'penalty', 'trainAccuracy', 'testAccuracy', 'bestSeed', 'seedObjectives', 'seconds'], result.rows.map((r) => ({ ...r, seedObjectives: r.seedObjectives.join(' ') }))));
      writeReportAfterRun(folder!.dir, flags.json);
      process.stdout.write(flags.json ? JSON.stringify(summary) + '\n' : formatWidths(result, o, folder!.dir));
    } finally {
      progress.stop();
    }
  });
}

export function formatWidths(r: WidthsSummary, o: WidthsOptions, dir: string): string {
  const widest = r.rows[r.rows.length - 1]!;
  const rows = r.rows.map((x) => [
    String(x.width), x.objective.toFixed(4), x.loss.toFixed(4), (o.lambda * x.penalty).toFixed(4), pct(x.trainAccuracy), pct(x.testAccuracy),
    x.seedObjectives.map((j) => j.toFixed(4)).join(' '), `${((x.objective / widest.objective - 1) * 100).toFixed(1)}%`, x.seconds.toFixed(0),
  ]);
  let s = '\n' + table(['width', 'objective', 'CE loss', 'λ‖W‖²', 'train acc', 'test acc', 'per seed', 'vs widest', 's'], rows);
  s += `\nobjective J = CE + ${o.lambda}·Σ‖W‖² on N = ${r.trainRows} rows, best of ${o.seeds} seeds, ${o.steps} full-batch Adam steps (lr ${o.lr})\n`;
  s += `plateau starts at width ${r.plateauWidth} (first within ${(100 * o.plateau).toFixed(0)}% of width ${widest.width}'s ${widest.objective.toFixed(4)}); N(N+1) = ${r.bound.toLocaleString('en-US')}\n`;
  s += `${r.seconds.toFixed(0)} s; saved in ${dir}\n`;
  return s;
}
