import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertOneLineError } from './helpers/cli-assert.js';
import { computePath } from '../src/path/compute-path.js';
import { readSafetensors, writeSafetensors } from '../src/io/safetensors.js';
import { forward64, layoutOf, netToTensors, tensorsToNet, type Net } from '../src/neurons/network.js';
import { loadExperimentData } from '../src/experiments/data.js';
import { ParameterLayout } from '../src/nn/layout.js';
import { Rng } from '../src/util/rng.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');

/** Runs the CLI in `cwd`; returns exit code, output and the files of cwd afterwards (recursive). */
function run(cwd: string, args: string[]): { code: number | null; stderr: string; stdout: string; files: string[] } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'js' } });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout, files: listFiles(cwd) };
}

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

/** A finished path run (iris, one hidden layer of 3) shared by the cases that need one. */
let pathRun: string | null = null;
async function irisRun(): Promise<string> {
  if (!pathRun) {
    pathRun = path.join(tempDir('neurons'), 'run');
    await computePath({ data: 'iris', hidden: [3], method: 'sweep', nlambda: 5, fitEpochs: 5, denseEpochs: 20, out: pathRun });
  }
  return pathRun;
}

const cases: Array<{ name: string; args: (run: string) => string[]; setup?: (cwd: string) => void; expect: RegExp }> = [
  { name: 'neurons: a folder that is no run', args: () => ['neurons', 'x'], setup: (d) => fs.mkdirSync(path.join(d, 'x')), expect: /x is not a regpath run \(it has no settings\.json\)/ },
  {
    name: 'neurons: a path run without a network', args: () => ['neurons', 'x'],
    setup: (d) => { fs.mkdirSync(path.join(d, 'x')); fs.writeFileSync(path.join(d, 'x', 'settings.json'), JSON.stringify({ format: 'regpath.settings/1', command: 'path', options: {} })); },
    expect: /x has no network \(no path\.json/,
  },
  {
    name: 'neurons: a widths run without a network', args: () => ['neurons', 'w'],
    setup: (d) => { fs.mkdirSync(path.join(d, 'w')); fs.writeFileSync(path.join(d, 'w', 'settings.json'), JSON.stringify({ format: 'regpath.settings/1', command: 'widths', options: { widths: [4, 8] } })); },
    expect: /w has no network yet \(no networks\/width-8\.safetensors/,
  },
  { name: 'neurons: point index out of range', args: (r) => ['neurons', r, '--point', '99'], expect: /--point 99 is out of range: the front of .* has \d+ points, 0\.\.\d+/ },
  { name: 'neurons: point that does not parse', args: (r) => ['neurons', r, '--point', 'x1'], expect: /--point: expected a front index \(0, 1, …\) or "selected", got "x1"/ },
  { name: 'neurons: tolerance 0', args: (r) => ['neurons', r, '--tol', '0'], expect: /--tol: expected a tolerance strictly between 0 and 1, got 0/ },
  { name: 'neurons: tolerance 1', args: (r) => ['neurons', r, '--tol', '1'], expect: /--tol: expected a tolerance strictly between 0 and 1, got 1/ },
  { name: 'neurons --reduce: increase limit 1.5', args: (r) => ['neurons', r, '--reduce', '--lambda', '1e-3', '--max-increase', '1.5'], expect: /--max-increase: expected a tolerance strictly between 0 and 1, got 1\.5/ },
  { name: 'neurons --reduce of an l1 run without --lambda', args: (r) => ['neurons', r, '--reduce'], expect: /--reduce needs --lambda/ },
  { name: 'neurons: lambda that does not parse', args: (r) => ['neurons', r, '--reduce', '--lambda', '1e-3x'], expect: /--lambda: expected a number ≥ 0 such as 1e-3, got "1e-3x"/ },
  { name: 'neurons: missing weights file', args: () => ['neurons', '--network', 'nope.safetensors', '--data', 'iris'], expect: /--network nope\.safetensors: no such file/ },
  { name: 'widths: width list that does not parse', args: () => ['widths', '--widths', '2,x,8'], expect: /--widths: expected comma-separated positive integer widths such as 2,4,8,10, got "2,x,8"/ },
  { name: 'widths: zero width', args: () => ['widths', '--widths', '0,4'], expect: /--widths: expected comma-separated positive integer widths/ },
  { name: 'widths: λ that does not parse', args: () => ['widths', '--lambda', 'abc'], expect: /--lambda: expected a number ≥ 0 such as 1e-3, got "abc"/ },
  { name: 'widths: negative λ', args: () => ['widths', '--lambda', '-1e-3'], expect: /--lambda: expected a number ≥ 0 such as 1e-3, got "-1e-3"/ },
  { name: 'widths: plateau outside (0,1)', args: () => ['widths', '--plateau', '1.2'], expect: /--plateau: expected a tolerance strictly between 0 and 1, got 1\.2/ },
  { name: 'widths: N larger than the data', args: () => ['widths', '--data', 'iris', '--n', '5000', '--widths', '2'], expect: /--n 5000: the training part of iris has only 120 rows/ },
  { name: 'path: l2 with nsga2', args: () => ['path', '--penalty', 'l2', '--method', 'nsga2', '--data', 'iris'], expect: /penalty l2: only --method sweep computes the weight-decay path, got --method nsga2/ },
  { name: 'path: unknown penalty', args: () => ['path', '--penalty', 'l3'], expect: /--penalty.*l3/ },
  { name: 'l1-vs-l2: targets that do not parse', args: () => ['l1-vs-l2', '--targets', '50,x'], expect: /--targets: expected comma-separated percentages/ },
  { name: 'l1-vs-l2: an --l1 run of other layers', args: (r) => ['l1-vs-l2', '--data', 'iris', '--hidden', '5', '--l1', r], expect: /has layers 4-3-3 \(relu\), expected 4-5-3 \(relu\)/ },
];

for (const c of cases) {
  test(`bad input: ${c.name} → one clear line, nothing written`, async () => {
    const r0 = await irisRun();
    const before = listFiles(r0);
    const cwd = tempDir('neurons');
    c.setup?.(cwd);
    const was = listFiles(cwd);
    const r = run(cwd, c.args(r0));
    assertOneLineError({ ...r, exitCode: r.code }, c.expect, c.name);
    assert.deepEqual(r.files, was, 'nothing written in the working folder');
    assert.deepEqual(listFiles(r0), before, 'nothing written in the run');
  });
}

test('neurons --network --write-reduced: a hand-built net with scaled copies is written reduced, with the same outputs on the training data', () => {
  const cwd = tempDir('neurons');
  const layers = [4, 6, 5, 3];
  const layout = new ParameterLayout(layers);
  const theta = new Float32Array(layout.size);
  const rng = new Rng(8);
  for (let i = 0; i < layout.weightCount; i++) theta[i] = rng.normal();
  for (let i = layout.weightCount; i < layout.size; i++) theta[i] = 2 + rng.uniform();
  layout.weights(theta, 1).forEach((v, i, w) => (w[i] = Math.abs(v))); // every layer-2 neuron fires
  const net: Net = { layers, activation: 'relu', theta };
  // hidden layer 1: neuron 5 = 3 × neuron 2 (in-weights and bias); layer 2: neuron 4 = 0.5 × neuron 1
  for (const [h, i, j, c] of [[0, 2, 5, 3], [1, 1, 4, 0.5]] as const) {
    const w = layoutOf(net).weights(theta, h), b = layoutOf(net).bias(theta, h), out = layers[h + 1]!;
    for (let r = 0; r < layers[h]!; r++) w[r * out + j] = c * w[r * out + i]!;
    b[j] = c * b[i]!;
  }
  const { tensors, metadata } = netToTensors(net);
  writeSafetensors(path.join(cwd, 'net.safetensors'), tensors, metadata);
  const r = run(cwd, ['neurons', '--network', 'net.safetensors', '--data', 'iris', '--standardize', '--write-reduced', 'red.safetensors', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.reducedLayers, [4, 5, 4, 3]);
  assert.deepEqual(j.perLayer.map((l: { merged: number }) => l.merged), [1, 1]);
  const reduced = tensorsToNet(readSafetensors(path.join(cwd, 'red.safetensors')).tensors, 'relu', 'red');
  const data = loadExperimentData({ data: 'iris', n: null, seed: 1, testFraction: null, standardize: true });
  const fa = forward64(net, data.train.x, data.train.rows).output, fb = forward64(reduced, data.train.x, data.train.rows).output;
  let gap = 0, top = 0;
  fa.forEach((v, i) => { gap = Math.max(gap, Math.abs(v - fb[i]!)); top = Math.max(top, Math.abs(v)); });
  assert.ok(gap <= 1e-5 * top, `outputs differ by ${gap / top} (relative)`);
});

test('neurons on a path run: a table per hidden layer with N(N+1)', async () => {
  const r = run(tempDir('neurons'), ['neurons', await irisRun(), '--point', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /hidden layer\s+neurons\s+dead\s+constant \(into bias\)\s+merged/);
  assert.match(r.stdout, /120 training rows/);
  assert.match(r.stdout, /14,520/); // 120 · 121
});
