// Run folders read back through one checked reader: crafted or damaged files, paths leaving the
// folder, diverged networks, and the CLI's small contracts (one-line errors, EPIPE, predict --out).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listTree, makeRuns, type TestRun } from './helpers/export-fixtures.js';
import { assertOneLineError } from './helpers/cli-assert.js';
import { writeSafetensors, readSafetensors } from '../src/io/safetensors.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');

let root: string;
let runs: { iris: TestRun; reg: TestRun };

before(async () => {
  root = tempDir('run-files');
  runs = await makeRuns(root);
  fs.writeFileSync(path.join(root, 'rows.csv'), 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.2,2.9,4.3,1.3\n7.7,3.0,6.1,2.3\n');
});

function cli(args: string[], env: Record<string, string> = {}): { exitCode: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'js', ...env } });
  return { exitCode: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** A copy of the iris run with path.json changed by `edit`. */
function crafted(name: string, edit: (pj: Record<string, any>) => void): string {
  const dir = path.join(root, name);
  fs.cpSync(runs.iris.dir, dir, { recursive: true });
  const file = path.join(dir, 'path.json');
  const pj = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(pj);
  fs.writeFileSync(file, JSON.stringify(pj));
  return dir;
}

test('crafted path.json: each damage is one line naming the file and field, for export, predict and neurons', () => {
  fs.writeFileSync(path.join(root, 'secret.safetensors'), fs.readFileSync(path.join(runs.iris.dir, 'points/000.safetensors')));
  const cases: Array<[string, (pj: Record<string, any>) => void, RegExp]> = [
    ['no-weights', (pj) => { delete pj.points[0].weights; }, /no-weights\/path\.json: field "points\[0\]\.weights" should be a string, got nothing \(the field is missing\)/],
    ['null-point', (pj) => { pj.points[0] = null; }, /null-point\/path\.json: field "points\[0\]" should be an object, got null/],
    ['string-layers', (pj) => { pj.model.layers = ['4', '4', '3']; }, /string-layers\/path\.json: field "model\.layers\[0\]" should be an integer ≥ 1, got "4"/],
    ['escape', (pj) => { pj.points[0].weights = '../secret.safetensors'; }, /escape\/path\.json: field "points\[0\]\.weights" should be a file name inside the run folder, got "\.\.\/secret\.safetensors"/],
    ['absolute', (pj) => { pj.points[0].weights = path.join(root, 'secret.safetensors'); }, /absolute\/path\.json: field "points\[0\]\.weights" should be a file name inside the run folder/],
    ['no-points', (pj) => { pj.points = 'many'; }, /no-points\/path\.json: field "points" should be a list, got "many"/],
  ];
  for (const [name, edit, expect] of cases) {
    const dir = crafted(name, edit);
    const before = listTree(root);
    assertOneLineError(cli(['export', name, '--point', '0', '--format', 'safetensors']), expect, `export ${name}`);
    assertOneLineError(cli(['predict', name, '--point', '0', '--input', 'rows.csv']), expect, `predict ${name}`);
    assertOneLineError(cli(['neurons', name, '--point', '0']), expect, `neurons ${name}`);
    assert.deepEqual(listTree(root), before, `${name}: nothing written`);
    fs.rmSync(dir, { recursive: true });
  }
});

test('a weights file that links out of the run folder is refused', () => {
  const dir = crafted('link', () => {});
  const outside = path.join(root, 'outside.safetensors');
  fs.copyFileSync(path.join(dir, 'points/000.safetensors'), outside);
  fs.rmSync(path.join(dir, 'points/000.safetensors'));
  fs.symlinkSync(outside, path.join(dir, 'points/000.safetensors'));
  assertOneLineError(cli(['export', 'link', '--point', '0', '--format', 'safetensors']), /link\/path\.json: field "points\[\d+\]\.weights" should be a file inside the run folder \(it links outside\), got "points\/000\.safetensors"/);
  fs.rmSync(dir, { recursive: true });
});

test('a network with NaN weights is refused by export, predict and neurons', () => {
  const dir = crafted('nan', () => {});
  const pj = JSON.parse(fs.readFileSync(path.join(dir, 'path.json'), 'utf8'));
  const last = pj.points.length - 1;
  const file = path.join(dir, pj.points[last].weights);
  const { tensors, metadata } = readSafetensors(file);
  (tensors['layer0.kernel']!.data as Float32Array)[1] = NaN;
  writeSafetensors(file, tensors, metadata);
  const expect = /nan\/points\/\d+\.safetensors: tensor layer0\.kernel holds NaN at element 1; the network diverged/;
  const before = listTree(root);
  assertOneLineError(cli(['export', 'nan', '--point', String(last), '--format', 'onnx']), expect, 'export');
  assertOneLineError(cli(['predict', 'nan', '--point', String(last), '--input', 'rows.csv']), expect, 'predict');
  assertOneLineError(cli(['neurons', 'nan', '--point', String(last)]), expect, 'neurons');
  assert.deepEqual(listTree(root), before);
  fs.rmSync(dir, { recursive: true });
});

test('predict --out inside the run folder is refused and the run kept', () => {
  const before = fs.readFileSync(path.join(runs.iris.dir, 'path.json'));
  assertOneLineError(cli(['predict', 'iris', '--point', '0', '--input', 'rows.csv', '--out', 'iris/path.json']),
    /--out iris\/path\.json is inside the run folder iris; write the output elsewhere/);
  assert.deepEqual(fs.readFileSync(path.join(runs.iris.dir, 'path.json')), before);
});

test('predict | head -1: a closed pipe ends quietly', () => {
  // many rows, so the output outlasts the pipe's buffer
  const rows = Array.from({ length: 20000 }, (_, i) => `${5 + (i % 10) / 10},3.1,1.5,0.2`).join('\n');
  fs.writeFileSync(path.join(root, 'many.csv'), `sepal_length,sepal_width,petal_length,petal_width\n${rows}\n`);
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" predict iris --point 1 --input many.csv | head -1`], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.equal(r.stdout.split('\n').length, 2);
  assert.equal(r.stderr, '', 'no EPIPE stack trace');
});

test("commander's option errors are one line", () => {
  const r = cli(['path', '--points', 'many']);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stderr, 'regpath: --points: expected an integer, got "many"\n');
  // commander's own errors (an unknown option) keep its hint on the same line
  const u = cli(['path', '--frobnicate', '3']);
  assert.equal(u.exitCode, 2);
  assert.equal(u.stderr, `error: unknown option '--frobnicate' (run with --help for usage)\n`);
});

test('--hidden "" is refused; a network too large for memory is refused before anything is written', () => {
  assertOneLineError(cli(['path', '--data', 'iris', '--hidden', '', '--out', 'h1']), /--hidden: empty; give widths such as 20,20, or 0 for a linear model/);
  assert.equal(fs.existsSync(path.join(root, 'h1')), false);
  assertOneLineError(cli(['path', '--data', 'iris', '--hidden', '100000,100000', '--out', 'h2']), /--hidden 100000,100000: the network has 1\.00e\+10 parameters; at most 1e\+8 fit in memory/);
  assert.equal(fs.existsSync(path.join(root, 'h2')), false);
});

test('a standardising run without its preprocess.safetensors is refused, and --resume completes it', () => {
  const dir = crafted('nopre', () => {});
  fs.rmSync(path.join(dir, 'preprocess.safetensors'));
  assertOneLineError(cli(['predict', 'nopre', '--point', '1', '--input', 'rows.csv']),
    /nopre standardises its features but has no preprocess\.safetensors; complete it with regpath path --out nopre --resume/);
  const r = cli(['path', '--out', 'nopre', '--resume', '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'preprocess.safetensors')), fs.readFileSync(path.join(runs.iris.dir, 'preprocess.safetensors')));
  assert.equal(cli(['predict', 'nopre', '--point', '1', '--input', 'rows.csv']).stdout, cli(['predict', 'iris', '--point', '1', '--input', 'rows.csv']).stdout);
  fs.rmSync(dir, { recursive: true });
});
