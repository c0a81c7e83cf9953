import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createJsKernels } from '../src/kernels/index.js';
import { Attribution, computeCredit, concentration, gini, overlap } from '../src/analysis/credit.js';
import { IMPORTANT, UNIMPORTANT, VARIABLE } from '../src/ensemble/categories.js';
import { runEnsemble } from '../src/ensemble/run.js';
import { computePath } from '../src/path/compute-path.js';
import { Mlp } from '../src/nn/mlp.js';
import { toDevice } from '../src/nn/problem.js';
import { Rng } from '../src/util/rng.js';
import { assertOneLineError } from './helpers/cli-assert.js';
import { tempDir } from './helpers/tmp.js';

const k = createJsKernels();
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');

test('Gini and top shares on vectors with known answers', () => {
  assert.equal(gini(Float64Array.from([2, 2, 2, 2])), 0);
  assert.ok(Math.abs(gini(Float64Array.from([0, 0, 0, 8])) - 3 / 4) < 1e-12, 'one holder of everything: (n−1)/n');
  assert.ok(Math.abs(gini(Float64Array.from([1, 2, 3])) - 2 / 9) < 1e-12);
  const a = new Float64Array(200);
  a[0] = 50;
  for (let i = 1; i < 200; i++) a[i] = i < 20 ? 2.5 : 0;
  const w = Float64Array.from(a, (v) => (v ? 1 : 0));
  const c = concentration(a, w);
  assert.ok(Math.abs(c.top1 - (50 + 2.5) / 97.5) < 1e-12, `top 1% = 2 connections: ${c.top1}`);
  assert.ok(Math.abs(c.top10 - 1) < 1e-12, 'top 10% = 20 connections hold everything');
  assert.ok(Math.abs(c.giniNonzero - gini(Float64Array.from([...Array(19).fill(2.5), 50]))) < 1e-12);
});

test('overlap of a zero set with the ensemble categories', () => {
  const codes = Uint8Array.from([UNIMPORTANT, UNIMPORTANT, UNIMPORTANT, IMPORTANT, IMPORTANT, VARIABLE, VARIABLE, VARIABLE]);
  const w = [0, 0, 1, 0, 1, 0, 1, 1];
  assert.deepEqual(overlap(w, codes), {
    zeros: 4, zeroUnimportant: 2, precision: 2 / 4, recall: 2 / 3, jaccard: 2 / 5, keptImportant: 1 / 2, removedImportant: 1 / 2,
  });
  // excluded connections count nowhere
  const ex = overlap(w, codes, Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]));
  assert.deepEqual([ex.zeros, ex.zeroUnimportant, ex.recall], [3, 1, 1 / 2]);
  const none = overlap([1, 1], Uint8Array.from([VARIABLE, VARIABLE]));
  assert.deepEqual([none.precision, none.recall, none.jaccard, none.keptImportant], [null, null, null, null]);
});

test('attribution a_j = mean over examples of |w_j ∂ℓ_b/∂w_j| equals the per-example brute force', () => {
  const layers = [3, 4, 2];
  const mlp = new Mlp(k, { layers, activation: 'relu', loss: 'cross-entropy' }, 8);
  const theta = k.alloc(mlp.layout.size);
  const rng = new Rng(4);
  theta.forEach((_, i) => (theta[i] = rng.normal()));
  theta[2] = 0; // a zero weight has zero credit
  const rows = 7;
  const x = new Float32Array(rows * 3).map(() => rng.normal());
  const y = new Float32Array(rows).map((_, i) => i % 2);
  const data = toDevice(k, x, y, rows, 3);
  const a = new Attribution(k, layers, 'relu', 3).compute(theta, data); // chunks of 3 rows
  const expect = new Float64Array(mlp.layout.weightCount);
  const g = k.alloc(mlp.layout.size);
  for (let b = 0; b < rows; b++) {
    mlp.lossAndGradient(theta, data.x.subarray(b * 3, b * 3 + 3), data.y.subarray(b, b + 1), 1, g);
    for (let j = 0; j < expect.length; j++) expect[j]! += Math.abs(theta[j]! * g[j]!) / rows;
  }
  assert.equal(a[2], 0);
  for (let j = 0; j < expect.length; j++) assert.ok(Math.abs(a[j]! - expect[j]!) < 1e-6 * (1 + expect[j]!), `a[${j}] ${a[j]} vs ${expect[j]}`);
});

/** A tiny path run and ensemble run on iris, made once for the tests below. */
const dir = tempDir('credit');
const made = (async () => {
  await computePath({ data: 'iris', hidden: [5], points: 4, out: path.join(dir, 'path5'), kernels: k, standardize: false, maxCorrectorSteps: 200 });
  runEnsemble({ data: 'iris', hidden: [5], epochs: 4, batch: 40, samples: 2, out: path.join(dir, 'ens5'), kernels: k });
  runEnsemble({ data: 'iris', hidden: [6], epochs: 2, batch: 40, samples: 2, out: path.join(dir, 'ens6'), kernels: k });
  runEnsemble({ data: 'iris', hidden: [5], epochs: 2, batch: 40, samples: 2, seed: 2, out: path.join(dir, 'ens5seed2'), kernels: k });
})();

test('computeCredit on a path run and an ensemble of the same architecture and data', async () => {
  await made;
  const r = computeCredit(k, path.join(dir, 'path5'), path.join(dir, 'ens5'));
  assert.equal(r.connections, 4 * 5 + 5 * 3);
  assert.ok(r.points.length >= 2);
  for (let i = 1; i < r.points.length; i++) assert.ok(r.points[i]!.l1 <= r.points[i - 1]!.l1, 'dense to sparse');
  assert.equal(r.baseline, r.points[0]);
  for (const p of r.points) {
    for (const v of [p.precision, p.recall, p.jaccard, p.keptImportant, p.top1, p.top10, p.gini]) assert.ok(v === null || (v >= 0 && v <= 1 + 1e-12), `${v}`);
    assert.ok(p.top1 <= p.top10 + 1e-12);
    assert.equal(p.zeros + p.nonzeros, r.connections, 'zeros and non-zeros split the weights');
  }
  assert.match(r.summary, /Along the path/);
  assert.match(r.summary, /Gini/);
});

function cli(args: string[]): { exitCode: number | null; stderr: string; stdout: string } {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'js' } });
  return { exitCode: res.status, stderr: res.stderr, stdout: res.stdout };
}

test('regpath credit writes its report for matching runs', async () => {
  await made;
  const r = cli(['credit', '--path', 'path5', '--ensemble', 'ens5', '--out', 'report']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /prec%/);
  for (const f of ['credit.json', 'credit.csv', 'credit.txt', 'settings.json']) assert.ok(fs.existsSync(path.join(dir, 'report', f)), f);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'report', 'credit.json'), 'utf8'));
  assert.equal(json.format, 'regpath.credit/1');
});

test('regpath credit in one command: path and ensemble with the same settings, then the report', async () => {
  await made;
  const r = cli(['credit', '--data', 'iris', '--hidden', '3', '--points', '3', '--epochs', '2', '--out', 'one', '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.format, 'regpath.credit/1');
  assert.deepEqual(out.layers, [4, 3, 3]);
  for (const f of ['settings.json', 'credit.json', 'path/path.json', 'ensemble/ensemble.safetensors']) assert.ok(fs.existsSync(path.join(dir, 'one', f)), f);
  fs.rmSync(path.join(dir, 'one'), { recursive: true });
});

const bad: Array<{ name: string; args: string[]; expect: RegExp }> = [
  { name: 'architectures differ', args: ['credit', '--path', 'path5', '--ensemble', 'ens6', '--out', 'o1'], expect: /credit: architectures \(layers\) differ: path run path5 has 4-5-3 but ensemble run ens6 has 4-6-3/ },
  { name: 'splits differ', args: ['credit', '--path', 'path5', '--ensemble', 'ens5seed2', '--out', 'o2'], expect: /credit: seeds \(and so the train\/test splits\) differ: path run path5 has 1 but ensemble run ens5seed2 has 2/ },
  { name: 'the path side is an ensemble', args: ['credit', '--path', 'ens5', '--ensemble', 'ens5', '--out', 'o3'], expect: /--path ens5 is a 'ensemble' run, not a path run/ },
  { name: 'only one run', args: ['credit', '--path', 'path5', '--out', 'o4'], expect: /give both --path <run> and --ensemble <run>/ },
  { name: 'one-command option with two runs', args: ['credit', '--path', 'path5', '--ensemble', 'ens5', '--hidden', '5', '--out', 'o5'], expect: /--hidden is for the one-command mode/ },
  { name: 'one-command mode, data the hidden sizes cannot take', args: ['credit', '--data', 'iris', '--hidden', '5,0', '--out', 'o6'], expect: /--hidden: expected comma-separated positive widths/ },
];

for (const c of bad) {
  test(`regpath credit bad input: ${c.name} → one line, nothing written`, async () => {
    await made;
    const before = fs.readdirSync(dir).sort();
    const r = cli(c.args);
    assertOneLineError(r, c.expect);
    assert.deepEqual(fs.readdirSync(dir).sort(), before, 'nothing written');
  });
}

test('cleanup', async () => {
  await made;
  fs.rmSync(dir, { recursive: true });
});
