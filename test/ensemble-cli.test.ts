import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createJsKernels } from '../src/kernels/index.js';
import { runEnsemble } from '../src/ensemble/run.js';
import { Ensemble } from '../src/ensemble/model.js';
import { ensembleToTensors, ENSEMBLE_FILE } from '../src/ensemble/io.js';
import { writeSafetensors } from '../src/io/safetensors.js';
import { assertOneLineError } from './helpers/cli-assert.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
const dir = tempDir('ens-cli');
fs.writeFileSync(path.join(dir, 'reg.csv'), 'a,b,y\n1,2,0.5\n3,1,1.25\n2,2,0.75\n4,1,2.5\n1,1,0.1\n');
// a finished ensemble run, and a copy whose ensemble file has layers that do not fit iris
runEnsemble({ data: 'iris', hidden: [4], epochs: 2, batch: 40, samples: 2, out: path.join(dir, 'ens'), kernels: createJsKernels() });
fs.cpSync(path.join(dir, 'ens'), path.join(dir, 'misfit'), { recursive: true });
writeSafetensors(path.join(dir, 'misfit', ENSEMBLE_FILE), ensembleToTensors(new Ensemble([5, 4, 3])));

function cli(args: string[]): { exitCode: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'js' } });
  return { exitCode: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** Every file under dir, relative (to see that a failed command wrote nothing). */
function listing(): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

const bad: Array<{ name: string; args: string[]; expect: RegExp }> = [
  { name: 'perturbation fraction above 1', args: ['ensemble', '--data', 'iris', '--perturb', '--fractions', '0,1.5', '--out', 'x1'], expect: /--fractions: every fraction must be in \[0, 1\], got 1\.5/ },
  { name: 'perturbation fraction below 0 on a saved ensemble', args: ['perturb', 'ens', '--fractions', '-0.1,0.5'], expect: /--fractions: every fraction must be in \[0, 1\], got -0\.1/ },
  { name: 'fractions that do not parse', args: ['perturb', 'ens', '--fractions', '0,a'], expect: /--fractions: expected comma-separated numbers such as 0,0.5,1, got "0,a"/ },
  { name: 'a hidden width of 0', args: ['ensemble', '--data', 'iris', '--hidden', '8,0', '--out', 'x2'], expect: /--hidden: expected comma-separated positive widths such as 20,20 \(or 0 for a linear model\), got "8,0"/ },
  { name: 'a hidden width too large', args: ['ensemble', '--data', 'iris', '--hidden', '200000', '--out', 'x3'], expect: /hidden: expected a list of positive integer widths up to 100000, got \[200000\]/ },
  { name: 'a saved ensemble whose layers do not fit the data', args: ['perturb', 'misfit'], expect: /perturb: .*misfit.*has layers 5-4-3, which do not fit iris \(4 features, 3 classes\)/ },
  { name: 'regression data', args: ['ensemble', '--data', 'reg.csv', '--out', 'x4'], expect: /ensemble: reg\.csv has a regression target/ },
  { name: 'a negative decay', args: ['ensemble', '--data', 'iris', '--decay', '-1', '--out', 'x5'], expect: /decay: expected a number from 0/ },
  { name: 'perturb on a path-less folder', args: ['perturb', 'nowhere'], expect: /nowhere is not a regpath run folder/ },
  { name: '--resume without --out', args: ['ensemble', '--resume'], expect: /--resume needs --out/ },
];

for (const c of bad) {
  test(`regpath ensemble bad input: ${c.name} → one line, nothing written`, () => {
    const before = listing();
    const r = cli(c.args);
    assertOneLineError(r, c.expect);
    assert.deepEqual(listing(), before, 'nothing written');
  });
}

test('regpath perturb on a saved ensemble prints the table and writes perturb.json/.csv', () => {
  const r = cli(['perturb', 'ens', '--fractions', '0,1', '--samples', '2']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /important removed/);
  const p = JSON.parse(fs.readFileSync(path.join(dir, 'ens', 'perturb.json'), 'utf8'));
  assert.deepEqual(p.rows.map((row: { fraction: number }) => row.fraction), [0, 1]);
  assert.ok(fs.existsSync(path.join(dir, 'ens', 'perturb.csv')));
});

