import { Command } from 'commander';
import { writeFileAtomic } from '../io/atomic.js';
import { predict, predictionsCsv } from '../export/predict.js';
import { parsePointSpec, refuseInsideRun } from '../export/run.js';

interface PredictFlags {
  input: string;
  point: string;
  out?: string;
}

export function predictCommand(program: Command): void {
  program
    .command('predict')
    .description('predict new rows of a CSV file with the sparse network of one front point')
    .argument('<run>', 'run folder written by regpath path')
    .requiredOption('--input <file.csv>', 'rows to predict: a header with the training feature names (any order; the target column may be present)')
    .option('--point <i|selected>', 'index into path.json "points" (0-based, l1 ascending), or "selected" (RUN/selected.json)', 'selected')
    .option('--out <file.csv>', 'write the predictions here (default: stdout)')
    .action((run: string, flags: PredictFlags) => {
      if (flags.out !== undefined) refuseInsideRun(flags.out, run);
      const p = predict(run, flags.input, { point: parsePointSpec(flags.point) });
      const csv = predictionsCsv(p);
      if (flags.out !== undefined) {
        writeFileAtomic(flags.out, csv);
        process.stderr.write(`${p.rows.length} predictions of front point ${p.point} written to ${flags.out}\n`);
      } else {
        process.stdout.write(csv);
      }
    });
}
