/**
 * Every `regpath` command in the README's code blocks runs, in order, in one scratch folder, and
 * exits 0. The README shows the commands as a user types them, at full size (the built-in MNIST,
 * 200 epochs, 40 points); here they are made small by two rules, applied to every command alike:
 *
 * - data: the built-in MNIST (named or by default) becomes `iris`, or, for a layer list (`--arch`),
 *   a 60-image IDX folder of 16×16 digits; `fashion-mnist` and an IDX folder become a 60-image IDX
 *   folder of 4×4 images; `my.csv`, `new.csv`, `images.csv` (3×32×32 rows) and a CIFAR-10 folder
 *   of 70 records are small files written here.
 * - size: each flag of SMALL that the command accepts is set to SMALL's value, replacing the
 *   README's value if there is one (fewer points, epochs, steps, seeds, samples, λs).
 *
 * A command that reads a run folder (`--out X --resume`, `select X`, `credit --path X`) first gets
 * that folder from SETUP when no earlier command made it. npm commands (`npm ci`, `npm test`,
 * `npm run bench`) are not run here: the suite is `npm test`, and the bench is not a test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../src/cli/main.js';
import { encodeIdx } from '../src/data/idx.js';
import { loadIris } from '../src/data/iris.js';
import { tempDir } from './helpers/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin/regpath.js');

const SMALL: Record<string, string> = {
  '--points': '4', '--epochs': '2', '--samples': '2', '--steps': '10', '--seeds': '1', '--n': '60', '--widths': '2,4',
  '--nlambda': '4', '--fit-epochs': '5', '--dense-epochs': '5', '--population': '8', '--generations': '2', '--folds': '2',
  '--retrain-steps': '5', '--max-rounds': '2', '--batch': '20', '--fractions': '0,1', '--max-corrector-steps': '50',
};
const DATA: Record<string, string> = { mnist: 'iris', 'fashion-mnist': 'idx', './idx-folder': 'idx', './cifar-10-batches-bin': 'cifar' };
/** Run folders a README command reads, made when no earlier command made them. */
const SETUP: Record<string, string[]> = {
  'runs/a': ['path', '--data', 'iris', '--hidden', '2', '--points', '4', '--out', 'runs/a'],
  'runs/e': ['ensemble', '--data', 'iris', '--epochs', '2', '--samples', '2', '--out', 'runs/e'],
  'runs/p': ['path', '--data', 'iris', '--hidden', '100,100', '--no-standardize', '--points', '4', '--out', 'runs/p'],
};

/** The regpath commands of the README's indented code blocks, without `npx` and comments. */
export function readmeCommands(text: string): string[][] {
  // a command continued on the next line (a trailing backslash) is one command
  return text.replace(/\\\n\s*/g, '').split('\n')
    .filter((l) => /^ {4}(npx )?regpath /.test(l))
    .map((l) => l.replace(/#.*$/, '').trim().replace(/^npx /, '').split(/\s+/).slice(1));
}

const accepts = new Map(buildProgram().commands.map((c) => [c.name(), new Set(c.options.map((o) => o.long))]));

/** A README command made small (see the file comment). */
function small(args: string[]): string[] {
  const out = [...args];
  const flags = accepts.get(out[0]!) ?? new Set<string | undefined>();
  const i = out.indexOf('--data');
  // a layer list needs images: MNIST becomes small ones
  const images = out.includes('--arch') && (i < 0 || out[i + 1] === 'mnist');
  if (images) {
    if (i >= 0) out[i + 1] = 'idx16';
    else out.push('--data', 'idx16');
  } else if (i >= 0) out[i + 1] = DATA[out[i + 1]!] ?? out[i + 1]!;
  const twoRuns = out.includes('--path') || out.includes('--resume') || out.includes('--network') || out.includes('--help');
  if (!out.includes('--data') && flags.has('--data') && !twoRuns) out.push('--data', 'iris');
  if (twoRuns) return out;
  for (const [flag, value] of Object.entries(SMALL)) {
    const j = out.indexOf(flag);
    if (j >= 0) out[j + 1] = value;
    else if (flags.has(flag) && !['--folds', '--batch', '--fractions', '--n'].includes(flag)) out.push(flag, value);
    else if (flag === '--n' && out[0] === 'widths') out.push(flag, value);
  }
  return out;
}

function files(dir: string): void {
  const iris = loadIris();
  fs.writeFileSync(path.join(dir, 'new.csv'), [iris.featureNames.join(','), ...[0, 60, 120].map((r) => Array.from(iris.x.subarray(r * 4, r * 4 + 4)).join(','))].join('\n') + '\n');
  const rows = Array.from({ length: 40 }, (_, r) => [r % 7, (r * 3) % 5, r % 2, (r % 7) * 2 + ((r * 3) % 5) + 0.1 * (r % 3)]);
  fs.writeFileSync(path.join(dir, 'my.csv'), ['a,b,c,price', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  fs.mkdirSync(path.join(dir, 'idx'));
  const n = 60;
  const pixels = new Uint8Array(n * 16);
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    labels[r] = r % 3;
    for (let p = 0; p < 16; p++) pixels[r * 16 + p] = (p % 3 === labels[r]! ? 200 : 0) + ((r * 7 + p) % 40);
  }
  fs.writeFileSync(path.join(dir, 'idx/train-images-idx3-ubyte'), encodeIdx([n, 4, 4], pixels));
  fs.writeFileSync(path.join(dir, 'idx/train-labels-idx1-ubyte'), encodeIdx([n], labels));
  // 16×16 digits for the layer lists (a LeNet-like net needs at least that)
  fs.mkdirSync(path.join(dir, 'idx16'));
  const big = new Uint8Array(n * 256);
  for (let r = 0; r < n; r++) for (let p = 0; p < 256; p++) big[r * 256 + p] = ((p >> 4) % 3 === labels[r]! ? 200 : 0) + ((r * 7 + p) % 40);
  fs.writeFileSync(path.join(dir, 'idx16/train-images-idx3-ubyte'), encodeIdx([n, 16, 16], big));
  fs.writeFileSync(path.join(dir, 'idx16/train-labels-idx1-ubyte'), encodeIdx([n], labels));
  // images.csv: 30 rows of 3×32×32 values, channel by channel, and a label
  const header = [...Array.from({ length: 3072 }, (_, j) => `p${j}`), 'label'].join(',');
  const csvRows = Array.from({ length: 30 }, (_, r) => [...Array.from({ length: 3072 }, (_, j) => ((r * 31 + j * 7) % 97) / 97 + (r % 3 === j % 3 ? 1 : 0)), r % 3].join(','));
  fs.writeFileSync(path.join(dir, 'images.csv'), [header, ...csvRows].join('\n') + '\n');
  // a CIFAR-10 folder in the official binary format: 1 label byte + 3,072 pixel bytes per record
  fs.mkdirSync(path.join(dir, 'cifar'));
  const records = (count: number, offset: number): Uint8Array => {
    const b = new Uint8Array(count * 3073);
    for (let r = 0; r < count; r++) {
      b[r * 3073] = (r + offset) % 10;
      for (let j = 1; j < 3073; j++) b[r * 3073 + j] = ((r + offset) * 13 + j * 5) % 251;
    }
    return b;
  };
  fs.writeFileSync(path.join(dir, 'cifar/data_batch_1.bin'), records(50, 0));
  fs.writeFileSync(path.join(dir, 'cifar/test_batch.bin'), records(20, 50));
}

test('every regpath command in the README runs (made small) and exits 0', () => {
  const commands = readmeCommands(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
  assert.ok(commands.length >= 15, `found ${commands.length} commands`);
  const dir = tempDir('readme');
  files(dir);
  const run = (args: string[]): void => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, REGPATH_THREADS: '1' } });
    assert.equal(r.status, 0, `regpath ${args.join(' ')}\n${r.stderr.slice(-2000)}`);
  };
  try {
    for (const args of commands) {
      for (const [folder, setup] of Object.entries(SETUP)) {
        const reads = args.includes('--resume') ? args[args.indexOf('--out') + 1] === folder : args.includes(folder) && !args.includes('--out');
        if (reads && !fs.existsSync(path.join(dir, folder))) run(setup);
      }
      run(small(args));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
