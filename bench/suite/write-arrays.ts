// Writes the arrays `regpath path` trains and tests on, for bench/torch_sweep.py:
//   node dist/bench/suite/write-arrays.js --data mnist|fashion-mnist|iris|file.csv --out DIR [--seed S] [--test-fraction F] [--no-standardize]
import { preparedFor, writeArrays } from './arrays.js';

const argv = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const out = value('--out');
if (!out) {
  process.stderr.write('usage: write-arrays --data NAME --out DIR [--seed S] [--test-fraction F] [--no-standardize]\n');
  process.exitCode = 2;
} else {
  const tf = value('--test-fraction');
  writeArrays(out, preparedFor({
    data: value('--data') ?? 'mnist', seed: Number(value('--seed') ?? 1),
    ...(tf !== undefined && { testFraction: Number(tf) }), standardize: !argv.includes('--no-standardize'),
  }));
  process.stdout.write(`wrote ${out}\n`);
}
