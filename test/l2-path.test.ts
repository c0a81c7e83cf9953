import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computePath } from '../src/path/compute-path.js';
import { checkPathOptions } from '../src/path/options.js';
import { loadDataset } from '../src/data/index.js';
import { writeLinearCsv } from './helpers/linear-data.js';
import { tempDir } from './helpers/tmp.js';

/** Solves A x = b (small, dense, symmetric positive definite) by Gaussian elimination. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let j = c; j <= n; j++) m[r]![j]! -= f * m[c]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let j = r + 1; j < n; j++) s -= m[r]![j]! * x[j]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/**
 * The ridge path in closed form: for L = mean (x·w + b - y)² (not halved, as regpath's MSE) and
 * penalty λ‖w‖² with the intercept free, w(λ) = (XcᵀXc/n + λI)⁻¹ Xcᵀyc/n on centred X and y.
 */
function ridge(file: string, lambda: number): { loss: number; l2squared: number } {
  const ds = loadDataset(file, { task: 'regression' });
  const n = ds.rows, p = ds.features;
  const mx = Array.from({ length: p }, (_, j) => { let s = 0; for (let i = 0; i < n; i++) s += ds.x[i * p + j]!; return s / n; });
  let my = 0;
  for (let i = 0; i < n; i++) my += ds.y[i]!;
  my /= n;
  const xc = (i: number, j: number): number => ds.x[i * p + j]! - mx[j]!;
  const a = Array.from({ length: p }, (_, r) => Array.from({ length: p }, (_, c) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += xc(i, r) * xc(i, c);
    return s / n + (r === c ? lambda : 0);
  }));
  const b = Array.from({ length: p }, (_, r) => { let s = 0; for (let i = 0; i < n; i++) s += xc(i, r) * (ds.y[i]! - my); return s / n; });
  const w = solve(a, b);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < p; j++) z += xc(i, j) * w[j]!;
    loss += (z - (ds.y[i]! - my)) ** 2;
  }
  return { loss: loss / n, l2squared: w.reduce((s, v) => s + v * v, 0) };
}

test('l2 path of a linear model: the sweep follows the closed-form ridge path (loss and ‖w‖² at every λ)', async () => {
  const file = writeLinearCsv('regression', 5);
  const out = path.join(tempDir('l2'), 'run');
  const r = await computePath({ data: file, hidden: [], testFraction: 0, standardize: false, task: 'regress', penalty: 'l2', nlambda: 30, out });
  assert.equal(r.method, 'sweep', 'l2 defaults to the sweep');
  assert.equal(r.objective.penalty, 'l2');
  assert.ok(r.raw.length >= 10, `${r.raw.length} points`);
  let checked = 0;
  for (const p of r.raw) {
    const exact = ridge(file, p.lambda!);
    assert.ok(Math.abs(p.trainLoss - exact.loss) <= 1e-4 * exact.loss, `λ ${p.lambda}: loss ${p.trainLoss} vs exact ${exact.loss}`);
    assert.ok(Math.abs(p.l2squared! - exact.l2squared) <= 1e-3 * exact.l2squared + 1e-5 * r.metrics.l2Ref!, `λ ${p.lambda}: ‖w‖² ${p.l2squared} vs exact ${exact.l2squared}`);
    checked++;
  }
  assert.ok(checked >= 10);
  // the front is ordered by ‖w‖², and the loss falls as ‖w‖² grows
  for (let i = 1; i < r.points.length; i++) {
    assert.ok(r.points[i]!.l2squared! > r.points[i - 1]!.l2squared!);
    assert.ok(r.points[i]!.trainLoss < r.points[i - 1]!.trainLoss);
  }
  // the run folder: penalty recorded, ‖θ‖² the front's objective column, l1 and non-zeros kept
  const j = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
  assert.equal(j.objective.penalty, 'l2');
  assert.ok(j.metrics.l2Ref > 0 && j.metrics.l1Ref === undefined);
  assert.ok(j.points.every((p: { l2squared: number; l1: number; nonzeros: number }) => p.l2squared > 0 && p.l1 > 0 && p.nonzeros === 6));
  assert.match(fs.readFileSync(path.join(out, 'path.csv'), 'utf8'), /^index,l2squared,l1,nonzeros,trainLoss/);
  const settings = JSON.parse(fs.readFileSync(path.join(out, 'settings.json'), 'utf8'));
  assert.equal(settings.options.penalty, 'l2');
});

test('l1 paths keep their format: no penalty in settings, no l2squared, l1Ref in the metrics', async () => {
  const out = path.join(tempDir('l2'), 'run');
  const r = await computePath({ data: 'iris', hidden: [], method: 'sweep', nlambda: 6, fitEpochs: 5, out });
  assert.equal(r.objective.penalty, 'l1');
  const settings = JSON.parse(fs.readFileSync(path.join(out, 'settings.json'), 'utf8'));
  assert.equal('penalty' in settings.options, false);
  const j = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
  assert.ok(j.metrics.l1Ref > 0 && j.metrics.l2Ref === undefined);
  assert.ok(j.points.every((p: object) => !('l2squared' in p)));
  assert.match(fs.readFileSync(path.join(out, 'path.csv'), 'utf8'), /^index,l1,nonzeros,/);
});

test('l2 path of a small network: dense end to the all-zero network, ‖θ‖² falling as λ grows', async () => {
  const r = await computePath({ data: 'iris', hidden: [4], penalty: 'l2', nlambda: 12, fitEpochs: 20, denseEpochs: 100 });
  const raw = r.raw;
  assert.equal(raw[0]!.phase, 'dense');
  const last = raw[raw.length - 1]!;
  assert.equal(last.nonzeros, 0, 'ends at the zero network');
  assert.ok(Math.abs(last.trainLoss - r.metrics.nullLoss) < 1e-6);
  const fitted = raw.filter((p) => p.phase === 'sweep');
  for (let i = 1; i < fitted.length; i++) assert.ok(fitted[i]!.lambda! > fitted[i - 1]!.lambda!);
  assert.ok(fitted[0]!.l2squared! > 10 * fitted[fitted.length - 1]!.l2squared!, 'weight decay shrinks the weights');
  assert.ok(r.points.length >= 4);
});

test('penalty l2 with a method that cannot compute it is refused', () => {
  for (const method of ['continuation', 'nsga2', 'weighted-sum']) {
    assert.throws(() => checkPathOptions({ penalty: 'l2', method }), new RegExp(`penalty l2: only --method sweep computes the weight-decay path, got --method ${method}`));
  }
  assert.throws(() => checkPathOptions({ penalty: 'l3' as 'l2' }), /penalty: expected l1 or l2, got "l3"/);
  assert.equal(checkPathOptions({ penalty: 'l2' }).lambdaMinRatio, 1e-6);
});
