// A mini-batch point in progress survives an interruption: a run stopped after any pass and
// resumed (once or several times) writes path.csv and point weights byte for byte as the run that
// was never stopped; a damaged checkpoint restarts its point, a stale one is ignored, one from a
// run with other settings is refused; every pass is reported; the run's seconds keep counting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computePath, type ComputePathOptions, type PathEvent } from '../src/path/compute-path.js';
import { POINT_FILE } from '../src/io/run.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { writeSynthCifar } from '../bench/synth-cifar.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
const root = tempDir('point-checkpoint');

/** A small MLP on mini-batches: Iris in batches of 16, so every point is a stochastic fit. */
const MLP = { data: 'iris', hidden: [4], activation: 'tanh', batch: 16, points: 8 } as const satisfies ComputePathOptions;

/** JSON without wall-clock times, which differ between any two runs. */
const untimed = (text: string): unknown => JSON.parse(text, (k, v) => (k === 'seconds' || k === 'elapsed' ? undefined : v));

/** path.csv and every weights file of a run folder as bytes; path.json and the log without their times. */
function results(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = { 'path.csv': fs.readFileSync(path.join(dir, 'path.csv')).toString('base64') };
  for (const f of fs.readdirSync(path.join(dir, 'points')).sort()) out[f] = fs.readFileSync(path.join(dir, 'points', f)).toString('base64');
  out['path.json'] = untimed(fs.readFileSync(path.join(dir, 'path.json'), 'utf8'));
  out['log.jsonl'] = fs.readFileSync(path.join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map(untimed);
  return out;
}

/** The envelope of the point in progress saved in `dir` (see compute-path's savedPoint). */
function savedPoint(dir: string): Record<string, any> {
  return JSON.parse(readSafetensors(path.join(dir, POINT_FILE)).metadata.point!);
}

type Pass = Extract<PathEvent, { type: 'pass' }>;

/** The pass events of an uninterrupted run: pass g of the run is `passes[g - 1]`. */
async function passesOf(options: ComputePathOptions): Promise<Pass[]> {
  const passes: Pass[] = [];
  await computePath({ ...options, onProgress: (e) => e.type === 'pass' && passes.push(e) });
  return passes;
}

/** Runs until `stopAfterPasses` passes of this session, as a kill after that pass would stop it. */
async function stopped(options: ComputePathOptions, passes: number, events: PathEvent[] = []): Promise<void> {
  await assert.rejects(computePath({ ...options, stopAfterPasses: passes, onProgress: (e) => events.push(e) }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'INTERRUPTED');
    assert.match(err.message, new RegExp(`stopped after ${passes} passes`));
    return true;
  });
}

/** Resumes `out`; with `passes`, stops again after that many passes. Returns the session's events. */
async function resume(out: string, passes?: number): Promise<PathEvent[]> {
  const events: PathEvent[] = [];
  if (passes === undefined) await computePath({ out, resume: true, onProgress: (e) => events.push(e) });
  else await stopped({ out, resume: true }, passes, events);
  return events;
}

test('an MLP on mini-batches stopped mid-point, twice, resumes to the uninterrupted run byte for byte, its passes reported and its seconds summed', async () => {
  const whole = path.join(root, 'mlp-whole');
  const passes = await passesOf({ ...MLP, out: whole });
  assert.ok(passes.length > 60, `${passes.length} passes`);
  // every fit counts its passes from 1, and reports its step, trade-off and subsample loss
  passes.forEach((p, i) => {
    const before = passes[i - 1];
    assert.equal(p.pass, before && before.index === p.index && p.pass > 1 ? before.pass + 1 : 1, `pass event ${i}`);
    assert.ok(p.lr > 0 && p.lr <= 0.1 && Number.isFinite(p.loss) && p.l1 >= 0 && p.seconds >= 0 && p.steps >= 10 * p.pass - 10);
  });
  assert.equal(fs.existsSync(path.join(whole, POINT_FILE)), false, 'no point in progress once the run is complete');

  const cut = path.join(root, 'mlp-cut');
  await stopped({ ...MLP, out: cut }, 3);
  const first = savedPoint(cut);
  assert.deepEqual([first.points, first.index, first.passes], [0, 0, 3]);
  // The second session continues point 0 from its pass 3 and stops in a later point: in the
  // third pass of a point's retry (a point redone at another λ, see Continuation.overshoot, or as
  // an ε-constraint fit, see Continuation.jumpedPastShortening) when the run has one (this one has, at
  // point 6: its λ step collapsed to w = 0), else in the third pass of point 1.
  const retry = passes.findIndex((p, i) => i > 0 && p.index > 0 && p.index === passes[i - 1]!.index && p.pass === 1);
  const g = (retry > 0 ? retry : passes.findIndex((p) => p.index > 0)) + 3;
  const second = await resume(cut, g - 3);
  const start = second[0] as Extract<PathEvent, { type: 'start' }>;
  assert.deepEqual([start.resumedPoints, start.resumedPasses, start.restartedPoint], [0, 3, undefined]);
  const next = second[1] as Pass;
  assert.deepEqual([next.type, next.index, next.pass], ['pass', 0, 4]);
  const again = savedPoint(cut);
  assert.deepEqual([again.index, again.passes, again.point.retries], [passes[g - 1]!.index, 3, retry > 0 ? 1 : 0]);
  // the run's seconds include the stopped sessions' passes: never below what the checkpoint counted
  await resume(cut);
  const summary = JSON.parse(fs.readFileSync(path.join(cut, 'path.json'), 'utf8'));
  assert.equal(summary.status, 'complete');
  assert.ok(summary.seconds >= again.elapsed && again.elapsed >= first.elapsed, `${summary.seconds} ${again.elapsed} ${first.elapsed}`);
  assert.deepEqual(results(cut), results(whole));
  assert.equal(fs.existsSync(path.join(cut, POINT_FILE)), false);
});

test('a small conv net on CIFAR-shaped images stopped in the dense fit, in the dense-end walk and in a sparser point resumes byte for byte', async () => {
  const data = path.join(root, 'cifar');
  writeSynthCifar(data, 120, 20, 5);
  const options = { data, arch: 'conv2k3,pool2,fc4', batch: 12, points: 4, learningRate: 0.05 } as const satisfies ComputePathOptions;
  const whole = path.join(root, 'conv-whole');
  const passes = await passesOf({ ...options, out: whole });
  // the initial point is a walk of fits: the first at one λ, then one a decade lower
  const initial = passes.filter((e) => e.index === 0);
  const fits = [...new Set(initial.map((e) => e.lambda))];
  assert.equal(fits.length, 2, `the dense-end walk's fits: ${fits.join(', ')}`);
  const firstFit = initial.filter((e) => e.lambda === fits[0]).length;
  assert.ok(firstFit > 10 && passes.length > initial.length + 20);

  const cut = path.join(root, 'conv-cut');
  await stopped({ ...options, out: cut }, 10);
  assert.equal(savedPoint(cut).point.walk, null, 'stopped in the first fit');
  await resume(cut, firstFit - 10 + 3);
  const inWalk = savedPoint(cut);
  assert.deepEqual([inWalk.points, inWalk.passes], [0, 3]);
  assert.notEqual(inWalk.point.walk, null, 'stopped in the walk\'s second fit, with the first one kept');
  await resume(cut, 20);
  assert.ok(savedPoint(cut).points > 0, 'stopped in a sparser point');
  await resume(cut);
  assert.deepEqual(results(cut), results(whole));
});

test('a torn or garbled checkpoint restarts its point, a stale one is ignored, one from other settings is refused in one line', async () => {
  const whole = path.join(root, 'mlp-ref');
  await computePath({ ...MLP, out: whole });
  const want = results(whole);

  for (const [name, damage] of [
    ['torn', (file: string) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2))],
    ['garbled', (file: string) => fs.writeFileSync(file, 'not a checkpoint')],
    ['empty', (file: string) => fs.writeFileSync(file, '')],
  ] as const) {
    const out = path.join(root, `mlp-${name}`);
    await stopped({ ...MLP, out }, 5);
    damage(path.join(out, POINT_FILE));
    const events = await resume(out);
    const start = events[0] as Extract<PathEvent, { type: 'start' }>;
    assert.equal(start.resumedPasses, 0, name);
    assert.match(start.restartedPoint ?? '', /cannot be read \(cut short or damaged\); point 0 restarts/, name);
    assert.deepEqual(results(out), want, name);
  }

  // the checkpoint of point 0 in a run that has saved points since: stale, ignored
  const early = path.join(root, 'mlp-early');
  await stopped({ ...MLP, out: early }, 5);
  const later = path.join(root, 'mlp-later');
  const passes = await passesOf(MLP);
  await stopped({ ...MLP, out: later }, passes.findIndex((p) => p.index > 1) + 1);
  assert.ok(savedPoint(later).points > 0);
  fs.copyFileSync(path.join(early, POINT_FILE), path.join(later, POINT_FILE));
  const events = await resume(later);
  assert.equal((events[0] as Extract<PathEvent, { type: 'start' }>).resumedPasses, 0);
  assert.deepEqual(results(later), want);

  // a checkpoint of the same point from a run with another learning rate: refused, nothing changed
  const other = path.join(root, 'mlp-other');
  await stopped({ ...MLP, learningRate: 0.05, out: other }, 5);
  fs.copyFileSync(path.join(other, POINT_FILE), path.join(early, POINT_FILE));
  const logBefore = fs.existsSync(path.join(early, 'log.jsonl')) ? fs.readFileSync(path.join(early, 'log.jsonl'), 'utf8') : '';
  await assert.rejects(computePath({ out: early, resume: true }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'BAD_RUN');
    assert.match(err.message, /point-in-progress\.safetensors was saved by a run with other settings: --lr 0\.05 \(this run: 0\.1\); delete it to restart point 0 from its start$/);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
  assert.equal(fs.existsSync(path.join(early, 'log.jsonl')) ? fs.readFileSync(path.join(early, 'log.jsonl'), 'utf8') : '', logBefore);
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('CLI: a run killed (SIGKILL) in its first point resumes from the pass it saved, byte for byte; passes are shown; --json stays one JSON line', async () => {
  const args = ['path', '--data', 'iris', '--hidden', '4', '--activation', 'tanh', '--batch', '16', '--points', '8'];
  const ref = await cli([...args, '--out', 'cli-ref', '--json']);
  assert.equal(ref.code, 0, ref.stderr);
  const lines = ref.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]!).status, 'complete');
  // renames: settings.json, preprocess.safetensors, the point in progress at pass 1 (the first
  // pass is saved at once); the fourth (a later pass, or point 0's weights) is never made
  const killed = await cli([...args, '--out', 'cli-cut'], { REGPATH_TEST_KILL_AT_RENAME: '4' });
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.match(killed.stderr, /\n {2}point 0 initial, pass 1, lr 0\.100: subsample loss [\d.]+, l1 [\d.]+, 10 steps, \d+s on the point, \d+s\n/);
  const resumed = await cli(['path', '--out', 'cli-cut', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /, point 0 from its pass 1\n/);
  assert.deepEqual(results(path.join(root, 'cli-cut')), results(path.join(root, 'cli-ref')));
});
