import type { Command } from 'commander';
import * as path from 'node:path';
import { comparePaths, type CompareOptions, type CompareResult } from '../path/compare.js';
import { PATH_DEFAULTS, PATH_DEFAULTS_TEXT } from '../path/options.js';
import { addFlags, readFlags, type FlagName } from './flags.js';
import { Progress } from './progress.js';
import { writeReportAfterRun } from './report-command.js';

const COMPARE_FLAGS = [
  'methods', 'runs', 'out', 'json', 'data', 'target', 'task', 'hidden', 'activation', 'penalizeBias', 'standardize', 'standardizeTarget',
  'points', 'batch', 'seed', 'testFraction', 'step', 'tolerance', 'maxCorrectorSteps', 'nlambda', 'lambdaMinRatio',
  'fitEpochs', 'denseEpochs', 'learningRate', 'population', 'generations', 'l1Ref', 'threads',
] as const satisfies readonly FlagName[];

export function compareCommand(program: Command): void {
  const cmd = program
    .command('compare')
    .description('run several path methods on the same data, split and seed (or read finished runs) and compare their fronts with a common l1_ref');
  addFlags(cmd, COMPARE_FLAGS, {
    defaults: {
      ...PATH_DEFAULTS, ...PATH_DEFAULTS_TEXT,
      methods: 'continuation,sweep,weighted-sum unless --runs', out: 'runs/compare-<date-time>', l1Ref: 'the largest l1 among the runs',
    },
  });
  cmd.action(async (given: Record<string, unknown>) => {
    const { json, threads: _t, out, ...rest } = readFlags(given, COMPARE_FLAGS) as CompareOptions & { json?: boolean; threads?: number };
    const options: CompareOptions = { ...rest, out: out ?? path.join('runs', `compare-${stamp(new Date())}`) };
    // one progress display per method run
    const shown: { progress: Progress | null; method: string } = { progress: null, method: '' };
    try {
      const result = await comparePaths({
        ...options,
        onProgress: (e) => {
          if (json) return;
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
      writeReportAfterRun(result.out, json);
      process.stdout.write(json ? JSON.stringify(result) + '\n' : formatComparison(result));
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
