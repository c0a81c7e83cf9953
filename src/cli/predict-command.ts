import type { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { predict, predictionsCsv } from '../export/predict.js';
import { refuseInsideRun, type PointSpec } from '../export/run.js';
import { addFlags, readFlags, type FlagName } from './flags.js';

const PREDICT_FLAGS = ['input', 'point', 'out'] as const satisfies readonly FlagName[];

export function predictCommand(program: Command): void {
  const cmd = program
    .command('predict')
    .description('predict new rows of a CSV file with the sparse network of one front point')
    .argument('<run>', 'run folder written by regpath path');
  addFlags(cmd, PREDICT_FLAGS, { defaults: { point: 'selected', out: 'stdout' }, required: ['input'], notes: { out: 'the predictions (a CSV file)' } });
  cmd.action((run: string, given: Record<string, unknown>) => {
    const { input, point = 'selected', out } = readFlags(given, PREDICT_FLAGS) as { input: string; point?: PointSpec; out?: string };
    if (out !== undefined) refuseInsideRun(out, run);
    const p = predict(run, input, { point });
    const csv = predictionsCsv(p);
    if (out !== undefined) {
      writeFileAtomic(out, csv);
      process.stderr.write(`${p.rows.length} predictions of front point ${p.point} written to ${out}\n`);
    } else {
      process.stdout.write(csv);
    }
  });
}
