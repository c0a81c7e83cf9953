import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { comparePaths } from '../src/path/compare.js';
import { computePath } from '../src/path/compute-path.js';
import { hypervolume, largestGap } from '../src/metrics/front.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
/** Small, fast settings for every method on iris. */
const fast = { data: 'iris', hidden: [4], activation: 'tanh' as const, points: 10, nlambda: 20, fitEpochs: 20, denseEpochs: 100, population: 16, generations: 10 };

interface PathJson { method: string; points: Array<{ l1: number; trainLoss: number; testLoss: number }>; metrics: { nullLoss: number; bestTestAccuracy: { accuracy: number } } }

test('compare runs each method on the same data, recomputes the measures with a common l1_ref and writes JSON and CSV', async () => {
  const out = path.join(tempDir('compare'), 'cmp');
  const r = await comparePaths({ ...fast, methods: ['continuation', 'sweep', 'weighted-sum', 'nsga2'], out });
  assert.deepEqual(r.rows.map((row) => row.method), ['continuation', 'sweep', 'weighted-sum', 'nsga2']);
  const runs = r.rows.map((row) => JSON.parse(fs.readFileSync(path.join(row.run!, 'path.json'), 'utf8')) as PathJson);
  const l1Ref = Math.max(...runs.flatMap((j) => j.points.map((p) => p.l1)));
  assert.equal(r.l1Ref, l1Ref, 'l1_ref is the largest l1 among the runs');
  r.rows.forEach((row, i) => {
    const j = runs[i]!;
    assert.equal(j.method, row.method);
    assert.equal(row.points, j.points.length);
    const train = j.points.map((p) => ({ l1: p.l1, loss: p.trainLoss }));
    assert.equal(row.hypervolumeTrain, hypervolume(train, j.metrics.nullLoss, l1Ref));
    assert.equal(row.hypervolumeTest, hypervolume(j.points.map((p) => ({ l1: p.l1, loss: p.testLoss })), j.metrics.nullLoss, l1Ref));
    assert.equal(row.largestGap, largestGap(train, j.metrics.nullLoss, l1Ref));
    assert.equal(row.bestTestAccuracy, j.metrics.bestTestAccuracy.accuracy);
    assert.ok(row.hypervolumeTrain > (row.method === 'nsga2' ? 0.2 : 0.5) && row.hypervolumeTrain < 1.21, `${row.method}: hypervolume ${row.hypervolumeTrain}`);
    assert.ok(row.seconds > 0);
  });
  const json = JSON.parse(fs.readFileSync(path.join(out, 'compare.json'), 'utf8'));
  assert.equal(json.format, 'regpath.compare/1');
  assert.equal(json.rows.length, 4);
  assert.equal(json.l1Ref, l1Ref);
  const csv = fs.readFileSync(path.join(out, 'compare.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'method,points,hypervolumeTrain,hypervolumeTest,largestGap,bestTestAccuracy,seconds,run');
  assert.equal(csv.length, 5);
  assert.ok(csv[2]!.startsWith(`sweep,${r.rows[1]!.points},${r.rows[1]!.hypervolumeTrain},`));
  assert.ok(!fs.readdirSync(out).some((f) => f.endsWith('.tmp')), 'no temp files left');

  // the same folders read back give the same table; a fixed l1_ref is used as given
  const again = await comparePaths({ runs: r.rows.map((row) => row.run!) });
  assert.deepEqual(again.rows.map((row) => row.hypervolumeTrain), r.rows.map((row) => row.hypervolumeTrain));
  const fixed = await comparePaths({ runs: [r.rows[0]!.run!, r.rows[1]!.run!], l1Ref: 100 });
  assert.equal(fixed.l1Ref, 100);
  assert.equal(fixed.rows[1]!.hypervolumeTrain, hypervolume(runs[1]!.points.map((p) => ({ l1: p.l1, loss: p.trainLoss })), runs[1]!.metrics.nullLoss, 100));
  fs.rmSync(path.dirname(out), { recursive: true });
});

test('compare refuses runs with different data, split, seed or architecture, naming both', async () => {
  const dir = tempDir('compare');
  const small = { ...fast, method: 'sweep', nlambda: 4, fitEpochs: 5, denseEpochs: 10 };
  const a = path.join(dir, 'a');
  const b = path.join(dir, 'b');
  const c = path.join(dir, 'c');
  await computePath({ ...small, out: a, seed: 1 });
  await computePath({ ...small, out: b, seed: 2 });
  await computePath({ ...small, out: c, hidden: [3] });
  await assert.rejects(comparePaths({ runs: [a, b] }), new RegExp(`run ${a} and run ${b} differ in seed \\(1 vs 2\\)`));
  await assert.rejects(comparePaths({ runs: [a, c] }), new RegExp(`run ${a} and run ${c} differ in hidden \\(\\[4\\] vs \\[3\\]\\)`));
  // a run folder against this command's own options
  await assert.rejects(comparePaths({ ...fast, runs: [a], methods: ['sweep'], testFraction: 0.3, out: path.join(dir, 'x') }),
    /run .*a and the runs of --methods sweep \(this command's options\) differ in testFraction \(0\.2 vs 0\.3\)/);
  assert.ok(!fs.existsSync(path.join(dir, 'x')), 'nothing written');
  await assert.rejects(comparePaths({ runs: [a, path.join(dir, 'nope')] }), /nope is not a regpath run folder/);
  fs.rmSync(dir, { recursive: true });
});

test('compare: bad input is refused before anything runs or is written', async () => {
  const dir = tempDir('compare');
  const out = path.join(dir, 'cmp');
  await assert.rejects(comparePaths({ ...fast, methods: ['continuation', 'lars'], out }), /method: expected one of continuation, sweep, weighted-sum, nsga2, got "lars"/);
  await assert.rejects(comparePaths({ ...fast, methods: ['sweep', 'sweep'], out }), /method "sweep" is listed twice/);
  await assert.rejects(comparePaths({ ...fast, methods: [], out }), /nothing to compare/);
  await assert.rejects(comparePaths({ ...fast, hidden: [50, 50], methods: ['sweep', 'nsga2'], out }), /nsga2: refusing a network of 2,953 parameters/);
  assert.ok(!fs.existsSync(out), 'nothing written');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'x'), '');
  await assert.rejects(comparePaths({ ...fast, methods: ['sweep'], out }), /already exists and is not empty/);
  fs.rmSync(dir, { recursive: true });
});

test('regpath compare prints the table; bad input is one line and a non-zero exit', () => {
  const cwd = tempDir('compare');
  const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'js' } });
  const ok = run(['compare', '--methods', 'sweep,weighted-sum', '--data', 'iris', '--hidden', '3', '--points', '8', '--nlambda', '10',
    '--fit-epochs', '10', '--dense-epochs', '50', '--out', 'cmp']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /method\s+points\s+HV train\s+HV test\s+largest gap\s+best test acc \(oracle\)\s+seconds/);
  assert.match(ok.stdout, /\nsweep\s+\d+\s+\d\.\d{4}\s+\d\.\d{4}/);
  assert.match(ok.stdout, /\nweighted-sum\s+\d+/);
  for (const f of ['compare.json', 'compare.csv', 'sweep/path.json', 'weighted-sum/path.json']) assert.ok(fs.existsSync(path.join(cwd, 'cmp', f)), f);
  const bad = run(['compare', '--methods', 'continuation,lars', '--data', 'iris']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, 'regpath: method: expected one of continuation, sweep, weighted-sum, nsga2, got "lars"\n');
  const refused = run(['path', '--method', 'nsga2', '--data', 'iris', '--hidden', '50,50']);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /^regpath: nsga2: refusing a network of 2,953 parameters.*Use --method continuation or --method sweep/);
  assert.deepEqual(fs.readdirSync(cwd).sort(), ['cmp'], 'the refused runs wrote nothing');
  fs.rmSync(cwd, { recursive: true });
});
