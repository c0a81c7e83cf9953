import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsDefault from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { computePath } from '../src/path/compute-path.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { tempDir } from './helpers/tmp.js';

const small = { data: 'iris', hidden: [4], activation: 'tanh' as const, points: 12, seed: 3 };

test('an interrupted run keeps its finished points and --resume finishes it exactly as an uninterrupted run', async () => {
  const whole = tempDir('run');
  const cut = tempDir('run');
  const full = await computePath({ ...small, out: whole });
  let seen = 0;
  await assert.rejects(
    computePath({
      ...small, out: cut,
      onProgress: (e) => {
        if (e.type === 'point' && ++seen === 5) throw new Error('simulated kill');
      },
    }),
    /simulated kill/,
  );
  // what was finished is on disk: 5 weights files, 5 log lines, a coherent path.json marked running
  const partial = JSON.parse(fs.readFileSync(path.join(cut, 'path.json'), 'utf8'));
  assert.equal(partial.status, 'running');
  assert.equal(partial.raw.length, 5);
  assert.equal(fs.readdirSync(path.join(cut, 'points')).length, 5);
  const resumed = await computePath({ out: cut, resume: true });
  assert.equal(resumed.status, 'complete');
  assert.equal(resumed.raw.length, full.raw.length);
  for (let i = 0; i < full.raw.length; i++) {
    assert.equal(resumed.raw[i]!.l1, full.raw[i]!.l1, `raw point ${i} l1`);
    assert.equal(resumed.raw[i]!.trainLoss, full.raw[i]!.trainLoss, `raw point ${i} loss`);
  }
  fs.rmSync(whole, { recursive: true });
  fs.rmSync(cut, { recursive: true });
});

test('a running path fsyncs its weights and log lines in checkpoints (the first point, then at most one a second), and every file at the end', async (t) => {
  const out = tempDir('run');
  // which file each fsync was for (a temp file counts as the file it replaces)
  const opened = new Map<number, string>();
  const synced: Array<{ file: string; point: number }> = [];
  let point = -1;
  const realOpen = fsDefault.openSync;
  const realSync = fsDefault.fsyncSync;
  t.mock.method(fsDefault, 'openSync', (...a: Parameters<typeof fs.openSync>) => {
    const fd = realOpen(...a);
    opened.set(fd, path.relative(out, String(a[0])).replace(/(^|\/)\.(.+)\.\d+\.[0-9a-f]{12}\.tmp$/, '$1$2'));
    return fd;
  });
  t.mock.method(fsDefault, 'fsyncSync', (fd: number) => {
    synced.push({ file: opened.get(fd) ?? '?', point });
    realSync(fd);
  });
  syncBuiltinESMExports();
  const started = performance.now();
  let points = 0;
  try {
    await computePath({
      ...small, out,
      onProgress: (e) => {
        if (e.type === 'point') point = points++;
      },
    });
  } finally {
    t.mock.restoreAll();
    syncBuiltinESMExports();
  }
  const seconds = (performance.now() - started) / 1000;
  assert.ok(points >= 5);
  // during the run: the weights and the log at the first point, then only at checkpoints a second apart
  const during = new Set(synced.filter((s) => s.point >= 0 && s.point < points - 1).map((s) => s.point));
  assert.ok(synced.some((s) => s.point === -1 && s.file === 'log.jsonl'), 'the first point is checkpointed at once');
  assert.ok(during.size <= Math.ceil(seconds), `${during.size} checkpoints in ${seconds.toFixed(2)} s`);
  // after the last point: every weights file, the log, path.json and path.csv, and their folders
  const end = new Set(synced.filter((s) => s.point === points - 1).map((s) => s.file));
  const weights = fs.readdirSync(path.join(out, 'points')).map((f) => `points/${f}`);
  const flushed = new Set(synced.map((s) => s.file));
  for (const f of weights) assert.ok(flushed.has(f), `${f} fsynced`);
  for (const f of ['log.jsonl', 'path.json', 'path.csv', 'points', '']) assert.ok(end.has(f), `${f || 'the run folder'} fsynced at the end`);
  const j = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
  assert.equal(j.status, 'complete');
  fs.rmSync(out, { recursive: true });
});

test('the run folder holds path.json, path.csv and weights that reproduce each point', async () => {
  const out = tempDir('run');
  const r = await computePath({ ...small, out });
  const json = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
  assert.equal(json.format, 'regpath.path/1');
  assert.equal(json.method, 'continuation');
  assert.deepEqual(json.model.layers, [4, 4, 3]);
  assert.equal(json.objective.penalizeBias, false);
  assert.equal(json.dataset.train + json.dataset.test, 150);
  const pts = json.points as Array<{ l1: number; trainLoss: number; nonzeros: number; weights: string }>;
  assert.ok(pts.length >= 5);
  for (let i = 1; i < pts.length; i++) {
    assert.ok(pts[i]!.l1 > pts[i - 1]!.l1, 'sorted by l1');
    assert.ok(pts[i]!.trainLoss < pts[i - 1]!.trainLoss, 'non-dominated: loss falls as l1 grows');
  }
  assert.equal(pts[0]!.l1, 0, 'the sparse end is the all-zero network');
  for (const p of pts) {
    const t = readSafetensors(path.join(out, p.weights)).tensors;
    let l1 = 0, nz = 0;
    for (const name of ['layer0.kernel', 'layer1.kernel']) {
      for (const v of t[name]!.data as Float32Array) {
        l1 += Math.abs(v);
        if (v !== 0) nz++;
      }
    }
    assert.ok(Math.abs(l1 - p.l1) < 1e-4 * (1 + p.l1));
    assert.equal(nz, p.nonzeros);
  }
  const csv = fs.readFileSync(path.join(out, 'path.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, pts.length + 1);
  assert.equal(r.parameters.length, pts.length);
  fs.rmSync(out, { recursive: true });
});

test('a run is reproducible from its seed', async () => {
  const a = await computePath({ ...small, points: 6 });
  const b = await computePath({ ...small, points: 6 });
  assert.deepEqual(a.points.map((p) => [p.l1, p.trainLoss]), b.points.map((p) => [p.l1, p.trainLoss]));
});

test('the stochastic (mini-batch) variant computes a front from the all-zero network to a good fit', async () => {
  const full = await computePath({ ...small, points: 10 });
  const sgd = await computePath({ ...small, points: 10, batch: 40 });
  assert.equal(sgd.points[0]!.l1, 0);
  // one sparser branch from the dense end, as a linear model's path
  assert.equal(sgd.raw[0]!.phase, 'initial');
  assert.ok(sgd.raw.slice(1).every((p) => p.phase === 'sparser'), sgd.raw.map((p) => p.phase).join(' '));
  assert.deepEqual(sgd.branchEnds, { denser: 'unregularised', sparser: 'all-zero' });
  assert.ok(sgd.points.length >= 5, `${sgd.points.length} points`);
  const best = sgd.points[sgd.points.length - 1]!;
  assert.ok(best.trainAccuracy! > 0.9, `dense end train accuracy ${best.trainAccuracy}`);
  assert.ok(sgd.metrics.hypervolumeTrain > 0.8 * full.metrics.hypervolumeTrain,
    `mini-batch hypervolume ${sgd.metrics.hypervolumeTrain} vs full batch ${full.metrics.hypervolumeTrain}`);
});

test('a step size that diverges is caught by step control and never recorded', async () => {
  const r = await computePath({ ...small, points: 6, step: 1e5 });
  for (const p of r.raw) {
    assert.ok(Number.isFinite(p.trainLoss) && Number.isFinite(p.l1), `point ${p.index} is finite`);
  }
  assert.ok(r.points[r.points.length - 1]!.trainAccuracy! > 0.9);
});

test('--direction follows one branch only', async () => {
  const sparser = await computePath({ ...small, points: 8, direction: 'sparser' });
  assert.deepEqual([...new Set(sparser.raw.map((p) => p.phase))], ['initial', 'sparser']);
  assert.equal(sparser.points[0]!.l1, 0);
  const denser = await computePath({ ...small, points: 8, direction: 'denser' });
  assert.deepEqual([...new Set(denser.raw.map((p) => p.phase))], ['initial', 'denser']);
});

test('biases are penalised only with penalizeBias, and l1 counts exactly the penalised parameters', async () => {
  for (const penalizeBias of [false, true]) {
    const r = await computePath({ ...small, points: 6, penalizeBias });
    for (let i = 0; i < r.points.length; i++) {
      const theta = r.parameters[i]!;
      const weights = 4 * 4 + 4 * 3; // layout: all weights first, then biases
      const upto = penalizeBias ? theta.length : weights;
      let l1 = 0;
      for (let j = 0; j < upto; j++) l1 += Math.abs(theta[j]!);
      assert.ok(Math.abs(l1 - r.points[i]!.l1) < 1e-4 * (1 + l1));
    }
    const zero = r.parameters[0]!;
    const biasesAllZero = zero.subarray(4 * 4 + 4 * 3).every((v) => v === 0);
    // at the sparse end the biases are zero only when they are penalised
    assert.equal(biasesAllZero, penalizeBias);
  }
});

test('--lr sets the mini-batch continuation\'s step: a tiny rate leaves the initial fit near the random init', async () => {
  const base = await computePath({ ...small, points: 6, batch: 40 });
  const slow = await computePath({ ...small, points: 6, batch: 40, learningRate: 1e-5 });
  const start = (r: typeof base) => r.raw.find((p) => p.phase === 'initial')!;
  // at the default 0.1 the first fit learns Iris; 1e-5 a step moves the weights by ~1e-5·|g| per step
  assert.ok(start(base).trainAccuracy! > 0.9, `default: initial point train accuracy ${start(base).trainAccuracy}`);
  assert.ok(start(slow).trainLoss > 5 * start(base).trainLoss, `lr 1e-5: initial loss ${start(slow).trainLoss} vs ${start(base).trainLoss} at 0.1`);
});
