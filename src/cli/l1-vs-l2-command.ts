import type { Command } from 'commander';
import { fail } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { checkOutFree, defaultRunDir, RunFolder } from '../io/run-folder.js';
import { SETTINGS_FILE, SETTINGS_FORMAT } from '../io/run.js';
import { toCsv } from '../io/csv.js';
import { checkPathOptions } from '../path/options.js';
import { parseCount } from '../experiments/parse.js';
import { DEFAULT_TARGETS, l1VsL2, type L1VsL2Options, type L1VsL2Summary, type Pick } from '../experiments/l1-vs-l2.js';
import { addFlags, readFlags, type FlagName } from './flags.js';
import { pct, table, TaskProgress } from './task-progress.js';
import { writeReportAfterRun } from './report-command.js';

/** The experiment's defaults: `regpath path`'s network and split, a shorter l2 sweep. */
const L1_VS_L2_DEFAULTS = {
  data: 'mnist', hidden: [20, 20], seed: 1, targets: DEFAULT_TARGETS.map((t) => String(100 * t)).join(','), l1Method: 'continuation',
  points: 40, nlambda: 40, fitEpochs: '50 for a network',
} as const;
const L1_VS_L2_FLAGS = ['data', 'hidden', 'seed', 'targets', 'l1Run', 'l1Method', 'points', 'nlambda', 'fitEpochs', 'out', 'json', 'threads'] as const satisfies readonly FlagName[];
type Flags = Partial<{ data: string; hidden: number[]; seed: number; targets: string; l1Run: string; l1Method: string; points: number; nlambda: number;
  fitEpochs: number; out: string; json: boolean }>;

/** "50,20,10": percentages of the weights, each in (0, 100]. */
export function parseTargets(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const xs = parts.map(Number);
  if (parts.some((s) => s === '') || xs.some((x) => !Number.isFinite(x) || x <= 0 || x > 100)) {
    fail('BAD_OPTION', `--targets: expected comma-separated percentages of the weights in (0, 100] such as 50,20,10, got "${text}"`);
  }
  return xs.map((x) => x / 100);
}

export function l1VsL2Command(program: Command): void {
  const cmd = program
    .command('l1-vs-l2')
    .description('l1 path against the l2 (weight-decay) path magnitude-pruned to the same numbers of non-zero weights: test accuracy and live neurons');
  addFlags(cmd, L1_VS_L2_FLAGS, {
    defaults: { ...L1_VS_L2_DEFAULTS, out: 'runs/<date-time>; the paths go to <out>/l1 and <out>/l2' },
    notes: { data: 'classification data, split as by regpath path', points: 'l1 path', nlambda: 'l2 sweep (and an l1 sweep)' },
  });
  cmd.action(async (given: Record<string, unknown>) => {
    const f = { ...L1_VS_L2_DEFAULTS, ...(readFlags(given, L1_VS_L2_FLAGS) as Flags) };
    const hidden = [...f.hidden];
    if (hidden.length === 0) fail('BAD_OPTION', '--hidden: l1-vs-l2 compares networks; give at least one hidden layer');
    const o: L1VsL2Options = {
      data: f.data, hidden, seed: parseCount(f.seed, '--seed', 0, 2 ** 32 - 1), targets: parseTargets(f.targets),
      l1Run: f.l1Run ?? null, l1Method: f.l1Method, points: parseCount(f.points, '--points', 2, 10000),
      nlambda: parseCount(f.nlambda, '--nlambda', 2, 100000), fitEpochs: typeof f.fitEpochs === 'number' ? parseCount(f.fitEpochs, '--fit-epochs', 1, 1e9) : null,
    };
    checkPathOptions({ method: o.l1Method }); // an unknown method fails here, before any work
    if (f.out !== undefined) checkOutFree(f.out);
    const progress = new TaskProgress(!f.json);
    let folder: RunFolder | null = null;
    const open = (): RunFolder => {
      if (!folder) {
        folder = RunFolder.create(f.out ?? defaultRunDir(new Date(), 'runs'), { resume: false });
        folder.writeJson(SETTINGS_FILE, { format: SETTINGS_FORMAT, command: 'l1-vs-l2', options: o });
      }
      return folder;
    };
    try {
      const k = kernels();
      let dir = '';
      const r = await l1VsL2(o, k, (e) => {
        if (e.type === 'stage') {
          dir = open().dir;
          progress.line(`regpath l1-vs-l2: ${e.text} → ${dir}`);
        } else if (e.e.type === 'point') {
          const p = e.e.point;
          progress.line(`  ${e.which} point ${p.index} ${p.phase}: λ ${p.lambda?.toPrecision(3) ?? '∞'}, ${p.nonzeros} non-zeros, loss ${p.trainLoss.toPrecision(4)}${p.testAccuracy !== undefined ? `, test acc ${pct(p.testAccuracy)}` : ''} (${progress.elapsed().toFixed(0)} s)`);
        }
      }, (which) => `${open().dir}/${which}`);
      const fo = open();
      const summary = { ...r, options: o };
      fo.writeJson('l1-vs-l2.json', summary);
      const cell = (p: Pick | null, key: 'nonzeros' | 'testAccuracy' | 'trainLoss' | 'lambda'): number | null => (p ? p[key] : null);
      fo.writeText('l1-vs-l2.csv', toCsv(
        ['fraction', 'target', 'l1Nonzeros', 'l1TrainLoss', 'l1TestAccuracy', 'l1Lambda', 'l1LiveNeurons', 'l2Nonzeros', 'l2TrainLoss', 'l2TestAccuracy', 'l2Lambda', 'l2LiveNeurons', 'better'],
        r.rows.map((x) => ({
          fraction: x.fraction, target: x.target,
          l1Nonzeros: cell(x.l1, 'nonzeros'), l1TrainLoss: cell(x.l1, 'trainLoss'), l1TestAccuracy: cell(x.l1, 'testAccuracy'), l1Lambda: cell(x.l1, 'lambda'), l1LiveNeurons: x.l1?.liveNeurons.join(' ') ?? null,
          l2Nonzeros: cell(x.l2, 'nonzeros'), l2TrainLoss: cell(x.l2, 'trainLoss'), l2TestAccuracy: cell(x.l2, 'testAccuracy'), l2Lambda: cell(x.l2, 'lambda'), l2LiveNeurons: x.l2?.liveNeurons.join(' ') ?? null,
          better: x.better,
        })),
      ));
      progress.stop();
      writeReportAfterRun(fo.dir, f.json);
      process.stdout.write(f.json ? JSON.stringify(summary) + '\n' : formatL1VsL2(r, fo.dir));
    } finally {
      progress.stop();
    }
  });
}

export function formatL1VsL2(r: L1VsL2Summary, dir: string): string {
  const side = (p: Pick | null): string[] => (p ? [String(p.nonzeros), p.trainLoss.toFixed(3), pct(p.testAccuracy), p.liveNeurons.join('-')] : ['-', '-', '-', '-']);
  const rows = r.rows.map((x) => [`${+(100 * x.fraction).toFixed(2)}%`, String(x.target), ...side(x.l1), ...side(x.l2), x.better]);
  let s = `\n${r.layers.join('-')} ReLU, ${r.weights} weights; l1: ${r.l1.method} path (${r.l1.points} front points), l2: sweep (${r.l2.points} front points) magnitude-pruned, chosen by training loss\n\n`;
  s += table(['non-zero', 'budget', 'l1 nnz', 'l1 loss', 'l1 test acc', 'l1 live', 'l2 nnz', 'l2 loss', 'l2 test acc', 'l2 live', 'better'], rows);
  const wins = (w: string): string => r.rows.filter((x) => x.better === w).map((x) => `${+(100 * x.fraction).toFixed(2)}%`).join(', ') || 'none';
  s += `\nl1 better at ${wins('l1')}; l2 better at ${wins('l2')}; ties (±0.1 pt) at ${wins('tie')}\n`;
  s += `${r.seconds.toFixed(0)} s; saved in ${dir} (paths in ${dir}/l1 and ${dir}/l2)\n`;
  return s;
}
