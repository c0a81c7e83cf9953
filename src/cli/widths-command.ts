import { Command } from 'commander';
import { configureThreads } from '../kernels/index.js';
import { defaultRunDir, RunFolder } from '../io/run-folder.js';
import { SETTINGS_FILE, SETTINGS_FORMAT } from '../io/run.js';
import { toCsv } from '../io/csv.js';
import { checkTolerance } from '../neurons/analyse.js';
import { netToTensors } from '../neurons/network.js';
import { parseCount, parseLambda, parseWidths } from '../experiments/parse.js';
import { runWidths, type WidthsOptions, type WidthsSummary } from '../experiments/widths.js';
import type { InitName } from '../experiments/train.js';
import { fail } from '../errors.js';
import { pct, table, TaskProgress } from './task-progress.js';
import { checkOutFree, threadsArg } from './neurons-command.js';
import { writeReportAfterRun } from './report-command.js';

export const WIDTHS_NETWORK = (w: number): string => `networks/width-${w}.safetensors`;

interface WidthsFlags {
  widths: string; n: string; lambda: string; steps: string; seeds: string; plateau: string; lr: string;
  data: string; seed: string; testFraction?: string; standardize: boolean; init: string; hiddenLayers: string;
  out?: string; json?: boolean; threads?: number;
}

/** Validates the flags (one clear line for each mistake) into the experiment's options. */
export function widthsOptions(f: WidthsFlags): WidthsOptions {
  if (f.init !== 'torch' && f.init !== 'he') fail('BAD_OPTION', `--init: expected torch or he, got "${f.init}"`);
  const lr = Number(f.lr);
  if (!Number.isFinite(lr) || lr <= 0) fail('BAD_OPTION', `--lr: expected a positive number, got "${f.lr}"`);
  return {
    widths: parseWidths(f.widths),
    n: parseCount(f.n, '--n', 1, 1e7),
    lambda: parseLambda(f.lambda),
    steps: parseCount(f.steps, '--steps', 1, 1e8),
    seeds: parseCount(f.seeds, '--seeds', 1, 1000),
    plateau: checkTolerance('--plateau', Number(f.plateau)),
    lr,
    data: f.data,
    seed: parseCount(f.seed, '--seed', 0, 2 ** 32 - 1),
    testFraction: f.testFraction === undefined ? null : checkTolerance('--test-fraction', Number(f.testFraction)),
    standardize: f.standardize,
    init: f.init as InitName,
    hidden: parseCount(f.hiddenLayers, '--hidden-layers', 1, 10),
  };
}

export function widthsCommand(program: Command): void {
  program
    .command('widths')
    .description('width experiment: final l2-regularised objective of depth-3 ReLU nets against width, and where its plateau starts')
    .option('--widths <list>', 'hidden widths to train', '2,4,8,10,16,24,50,100')
    .option('--n <rows>', 'training rows N (the first N of the seeded training part)', '1000')
    .option('--lambda <λ>', 'l2 strength: J = CE + λ Σ‖W‖² (weights of every layer, not biases)', '1e-3')
    .option('--steps <n>', 'full-batch Adam steps per network', '4000')
    .option('--seeds <k>', 'initialisations per width (the best is kept)', '3')
    .option('--plateau <f>', 'the plateau starts at the first width within this fraction of the widest\'s objective', '0.10')
    .option('--lr <rate>', 'Adam learning rate', '1e-3')
    .option('--hidden-layers <n>', 'hidden layers of width w (2: depth 3)', '2')
    .option('--init <name>', 'torch (PyTorch nn.Linear default: U(±1/√fan_in)) or he (regpath path\'s)', 'torch')
    .option('--data <spec>', 'classification data, as for regpath path', 'mnist')
    .option('--seed <n>', 'seed of the train/test split and of the initialisations', '1')
    .option('--test-fraction <f>', 'share held out for testing (default: 0.2)')
    .option('--standardize', 'standardise features on the N training rows (default: raw, pixels in [0, 1])', false)
    .option('--out <folder>', 'run folder (default: runs/<date-time>)')
    .option('--json', 'print only the summary as JSON on stdout')
    .option('--threads <n>', 'threads of the WebAssembly kernels', threadsArg)
    .action((flags: WidthsFlags) => {
      const o = widthsOptions(flags);
      if (flags.threads !== undefined) configureThreads(flags.threads);
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
