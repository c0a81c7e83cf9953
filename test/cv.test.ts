import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../src/data/index.js';
import { RegpathError } from '../src/errors.js';
import { crossValidatePath } from '../src/select/cross-validate.js';
import { checkFolds, foldParts, holdOut, stratifiedFolds } from '../src/select/folds.js';
import { alignFolds, interpolateAt, meanAndSE, minRow, oneSeRow, type SelectionRow } from '../src/select/selection.js';
import type { PathPoint } from '../src/path/result.js';
import { checkPathOptions } from '../src/path/options.js';
import { prepareData } from '../src/path/prepare.js';
import { assertOneLineError } from './helpers/cli-assert.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
/** A classification set whose class c has sizes[c] rows; feature = row number. */
function classes(sizes: number[]): Dataset {
  const y: number[] = [];
  sizes.forEach((n, c) => { for (let i = 0; i < n; i++) y.push(c); });
  return {
    name: 'synthetic', task: 'classification', rows: y.length, features: 1, classes: sizes.length,
    featureNames: ['x'], classNames: sizes.map((_, c) => String(c)),
    x: Float32Array.from(y.map((_, i) => i)), y: Float32Array.from(y),
  };
}

test('folds partition the rows, each class spread within one row, fold sizes within one, seeded', () => {
  const ds = classes([10, 7, 3, 11]);
  const folds = stratifiedFolds(ds, 3, 5);
  const all = folds.flat().sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: ds.rows }, (_, i) => i), 'every row in exactly one fold');
  const sizes = folds.map((f) => f.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
  for (let c = 0; c < 4; c++) {
    const per = folds.map((f) => f.filter((r) => ds.y[r] === c).length);
    assert.ok(Math.max(...per) - Math.min(...per) <= 1, `class ${c} over folds: ${per}`);
  }
  assert.deepEqual(stratifiedFolds(ds, 3, 5), folds, 'same seed, same folds');
  assert.notDeepEqual(stratifiedFolds(ds, 3, 6), folds, 'another seed, other folds');
  const { fit, validation } = foldParts(ds, folds, 1);
  assert.equal(fit.rows + validation.rows, ds.rows);
  assert.deepEqual(Array.from(validation.x), folds[1]!.map((r) => r));
});

test('a validation part is stratified, seeded and taken from the given rows only', () => {
  const ds = classes([40, 40, 20]);
  const { fit, validation } = holdOut(ds, 0.25, 1);
  assert.equal(validation.rows, 25);
  assert.equal(fit.rows, 75);
  const count = (d: Dataset, c: number): number => Array.from(d.y).filter((v) => v === c).length;
  assert.deepEqual([0, 1, 2].map((c) => count(validation, c)), [10, 10, 5]);
  const rows = new Set([...fit.x, ...validation.x]);
  assert.equal(rows.size, 100, 'fit and validation are disjoint and cover the rows');
  assert.deepEqual(Array.from(holdOut(ds, 0.25, 1).validation.x), Array.from(validation.x));
});

test('bad fold counts and validation fractions are refused with the reason', () => {
  const ds = classes([10, 3]);
  assert.throws(() => checkFolds(ds, 1), (e: Error) => e instanceof RegpathError && /folds: expected an integer of at least 2, got 1/.test(e.message));
  assert.throws(() => checkFolds(ds, 4), /folds: 4 is too many, the smallest class of the training part has 3 row\(s\); choose at most 3/);
  checkFolds(ds, 3);
  const reg: Dataset = { ...classes([5]), task: 'regression', classes: 0 };
  assert.throws(() => checkFolds(reg, 6), /the training part has 5 row\(s\)/);
  for (const f of [0, 1, -0.2, 1.5, NaN]) {
    assert.throws(() => holdOut(ds, f, 1), /validation-fraction: expected a number above 0 and below 1/);
  }
});

test('interpolation by l1: linear between neighbours, clamped at the ends, mean at repeated l1', () => {
  const xs = [0, 2, 4, 4, 6];
  const ys = [1, 3, 2, 4, 0];
  assert.equal(interpolateAt(xs, ys, 1), 2);
  assert.equal(interpolateAt(xs, ys, 3), 2.5);
  assert.equal(interpolateAt(xs, ys, -1), 1);
  assert.equal(interpolateAt(xs, ys, 2), 3);
  assert.equal(interpolateAt(xs, ys, 4), 3, 'two points at l1 4: their mean');
  assert.equal(interpolateAt(xs, ys, 5), 2, 'between the last of the repeated points and the next');
  assert.equal(interpolateAt(xs, ys, 9), 0);
});

test('fold fronts are aligned by l1 at the full front\'s points: mean and standard error over folds', () => {
  const full = [0, 1, 2, 3, 5].map((l1, i) => ({ index: 10 + i, l1, nonzeros: i, trainLoss: 1 - l1 / 10, lambda: null, weights: '' }) satisfies PathPoint);
  const folds = [
    { l1: [0, 2, 4], loss: [1.0, 0.6, 0.8], accuracy: [0.3, 0.8, 0.9] },
    { l1: [0, 1, 3], loss: [1.0, 0.5, 0.7], accuracy: [0.3, 0.9, 0.7] },
  ];
  const rows = alignFolds(full, folds);
  const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);
  // l1 1: fold A halfway between 1.0 and 0.6 → 0.8; fold B at its point → 0.5
  close(rows[1]!.validationLoss, 0.65, 'mean at l1 1');
  close(rows[1]!.validationLossSE, 0.15, 'SE at l1 1 (|a-b|/2 for two folds)');
  close(rows[1]!.validationAccuracy!, (0.55 + 0.9) / 2, 'accuracy at l1 1');
  // l1 2: A at its point 0.6, B halfway between 0.5 and 0.7 → 0.6
  close(rows[2]!.validationLoss, 0.6, 'mean at l1 2');
  close(rows[2]!.validationLossSE, 0, 'SE at l1 2');
  // l1 5: A between 4 (0.8) and nothing → clamped 0.8; B clamped at 0.7
  close(rows[4]!.validationLoss, 0.75, 'clamped at the dense end');
  assert.deepEqual(rows.map((r) => [r.point, r.index, r.l1, r.nonzeros]), full.map((p, i) => [i, p.index, p.l1, p.nonzeros]));
  const m = meanAndSE([1, 2, 3, 4]);
  close(m.mean, 2.5, 'mean');
  close(m.se, Math.sqrt(5 / 3 / 4), 'SE = sd/√K with the K-1 sd');
});

test('min and 1-SE picks on a hand-made table', () => {
  const table: Array<[number, number, number]> = [
    // l1, mean validation loss, SE
    [0, 1.0, 0.0], [1, 0.62, 0.2], [2, 0.55, 0.02], [3, 0.5, 0.06], [4, 0.52, 0.02], [5, 0.6, 0.1],
  ];
  const rows: SelectionRow[] = table.map(([l1, loss, se], i) => ({ point: i, index: i, l1, nonzeros: i, validationLoss: loss, validationLossSE: se }));
  assert.equal(minRow(rows), 3);
  // bound = 0.5 + 0.06 (the SE at the minimum, as cv.glmnet): 0.55 at l1 2 is within, 0.62 at l1 1 is not
  assert.equal(oneSeRow(rows), 2);
  rows[3]!.validationLossSE = 0.13;
  assert.equal(oneSeRow(rows), 1, 'a wider SE at the minimum reaches the sparser point');
  const tie: SelectionRow[] = [0.7, 0.4, 0.4].map((v, i) => ({ point: i, index: i, l1: i, nonzeros: i, validationLoss: v, validationLossSE: 0 }));
  assert.equal(minRow(tie), 1, 'a tie goes to the sparser point');
  assert.equal(oneSeRow(tie), 1);
});

const iris = { data: 'iris', hidden: [3], activation: 'tanh' as const, points: 8, seed: 2 };

test('3-fold cross-validation on iris: fold sub-runs, aligned validation numbers, min and 1-SE points', async () => {
  const out = tempDir('cv');
  const stages: string[] = [];
  const r = await crossValidatePath({ ...iris, folds: 3, out, onStage: (s) => stages.push(`${s.stage}${s.fold}`) });
  assert.deepEqual(stages, ['full0', 'fold1', 'fold2', 'fold3']);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
  assert.equal(json.status, 'complete');
  const sel = json.selection;
  assert.equal(sel.kind, 'cross-validation');
  assert.equal(sel.folds, 3);
  assert.equal(sel.validationRows, 120);
  assert.equal(sel.points.length, json.points.length);
  assert.deepEqual(sel.foldRuns.map((f: { train: number; validation: number }) => f.train + f.validation), [120, 120, 120]);
  assert.deepEqual(sel.foldRuns.map((f: { validation: number }) => f.validation), [40, 40, 40]);
  // the reported numbers are the folds' own validation losses, interpolated by l1
  const foldFronts = [1, 2, 3].map((k) => JSON.parse(fs.readFileSync(path.join(out, 'folds', String(k), 'path.json'), 'utf8')));
  for (const f of foldFronts) {
    assert.equal(f.status, 'complete');
    assert.equal(f.dataset.train, 80);
    assert.equal(f.dataset.test, 30, 'the test part is the same in every fold');
    assert.ok(f.points.every((p: { validationLoss?: number }) => typeof p.validationLoss === 'number'));
  }
  for (const [i, p] of (json.points as PathPoint[]).entries()) {
    const losses = foldFronts.map((f) => interpolateAt(f.points.map((q: PathPoint) => q.l1), f.points.map((q: { validationLoss: number }) => q.validationLoss), p.l1));
    const m = meanAndSE(losses);
    assert.ok(Math.abs(sel.points[i].validationLoss - m.mean) < 1e-12);
    assert.ok(Math.abs(sel.points[i].validationLossSE - m.se) < 1e-12);
    assert.equal(json.points[i].validationLoss, sel.points[i].validationLoss);
  }
  assert.equal(sel.min.point, minRow(sel.points));
  assert.equal(sel['1se'].point, oneSeRow(sel.points));
  assert.ok(sel['1se'].l1 <= sel.min.l1);
  assert.ok(sel.min.validationAccuracy > 0.8, `min point validation accuracy ${sel.min.validationAccuracy}`);
  assert.equal(r.selection!.min.point, sel.min.point);
  assert.equal(r.parameters.length, r.points.length);
  assert.match(fs.readFileSync(path.join(out, 'path.csv'), 'utf8').split('\n')[0]!, /validationLoss,validationAccuracy$/);

  // kill it in fold 2 and resume: the same selection as the uninterrupted run
  const cut = tempDir('cv');
  let inFold2 = false;
  let seen = 0;
  await assert.rejects(crossValidatePath({
    ...iris, folds: 3, out: cut,
    onStage: (s) => { inFold2 = s.stage === 'fold' && s.fold === 2; },
    onProgress: (e) => { if (inFold2 && e.type === 'point' && ++seen === 3) throw new Error('simulated kill'); },
  }), /simulated kill/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(cut, 'path.json'), 'utf8')).status, 'running');
  assert.ok(!fs.existsSync(path.join(cut, 'folds', '3')));
  const resumed = await crossValidatePath({ out: cut, resume: true });
  assert.deepEqual(resumed.selection!.points, r.selection!.points);
  assert.deepEqual(resumed.selection!['1se'], r.selection!['1se']);
  await assert.rejects(crossValidatePath({ out: path.join(cut, 'folds', '2'), resume: true }), /is fold 2 of 3 of a cross-validation run; resume the run folder it is in/);
  fs.rmSync(out, { recursive: true });
  fs.rmSync(cut, { recursive: true });
});

test('a validation part: the path on the rest, validation loss and accuracy for every point, the test part untouched', async () => {
  const plain = await crossValidatePath({ ...iris });
  assert.equal(plain.selection, undefined);
  const r = await crossValidatePath({ ...iris, validationFraction: 0.25 });
  assert.equal(r.dataset.train, 90);
  assert.equal(r.dataset.test, 30);
  assert.equal(plain.dataset.test, r.dataset.test);
  // the held-out rows come from the training part only: fit ∪ validation = train, nothing from test
  const base = prepareData({ ...checkPathOptions(iris), standardize: false }, false);
  const { fit, validation } = holdOut(base.train, 0.25, iris.seed);
  const key = (d: Dataset, i: number): string => Array.from(d.x.subarray(i * d.features, (i + 1) * d.features)).join(',') + '|' + d.y[i];
  const keys = (d: Dataset): string[] => Array.from({ length: d.rows }, (_, i) => key(d, i)).sort();
  assert.deepEqual([...keys(fit), ...keys(validation)].sort(), keys(base.train));
  const testKeys = new Set(keys(base.test!));
  assert.ok(keys(validation).every((k) => !testKeys.has(k) || keys(base.train).includes(k)));
  assert.ok(r.points.every((p) => p.validationLoss! > 0 && p.validationAccuracy! >= 0 && p.validationAccuracy! <= 1));
  const sel = r.selection!;
  assert.equal(sel.kind, 'validation');
  assert.equal(sel.validationFraction, 0.25);
  assert.equal(sel.standardError, 'rows');
  assert.equal(sel.validationRows, 30);
  assert.equal(sel.min.point, minRow(sel.points));
  // the all-zero network predicts the class frequencies of the fit part: loss ≈ ln 3 on a stratified part
  const zero = r.points.find((p) => p.l1 === 0);
  if (zero) assert.ok(Math.abs(zero.validationLoss! - Math.log(3)) < 0.01, `validation loss at l1 0: ${zero.validationLoss}`);
  await assert.rejects(crossValidatePath({ ...iris, folds: 3, validationFraction: 0.2 }), /either folds .* or validation-fraction, not both/);
});

/** Runs the CLI in a fresh folder; returns its exit code, output and whatever it left there. */
function cli(args: string[]): { code: number | null; stderr: string; stdout: string; left: string[] } {
  const cwd = tempDir('cvcli');
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'js' } });
  const left = fs.readdirSync(cwd);
  fs.rmSync(cwd, { recursive: true });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout, left };
}

const bad: Array<[string, string[], RegExp]> = [
  ['--folds 1', ['--folds', '1'], /folds: expected an integer of at least 2, got 1/],
  ['--folds above the smallest class', ['--folds', '41'], /folds: 41 is too many, the smallest class of the training part has 40 row\(s\)/],
  ['--validation-fraction 0', ['--validation-fraction', '0'], /validation-fraction: expected a number above 0 and below 1, got 0/],
  ['--validation-fraction 1', ['--validation-fraction', '1'], /validation-fraction: expected a number above 0 and below 1, got 1/],
  ['both', ['--folds', '3', '--validation-fraction', '0.2'], /either folds .* not both/],
];

test('bad --folds / --validation-fraction: one clear line, non-zero exit, nothing written', () => {
  for (const [name, args, expect] of bad) {
    const r = cli(['path', '--data', 'iris', '--hidden', '3', '--points', '4', ...args]);
    assertOneLineError({ ...r, exitCode: r.code }, expect, name);
    assert.deepEqual(r.left, [], `${name}: nothing written`);
  }
});

test('cross-validation of a regression network on its standardised target: every fold\'s validation loss is in the units of the full front', async () => {
  // each fold standardises its target with its own mean and std (nothing held out leaks into it);
  // its validation losses are brought to the whole training part's target variance
  const diabetes = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/data/diabetes.csv');
  const out = tempDir('cv-reg');
  const r = await crossValidatePath({ data: diabetes, hidden: [4], points: 10, folds: 3, out });
  const json = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
  const full = json.dataset.targetScale as { mean: number; std: number };
  assert.ok(full.std > 70, `target std ${full.std}`);
  // the sparsest point (l1 0): every fold predicts its own training mean, so its validation loss
  // is the held-out rows' mean squared deviation from that mean, over the full part's variance
  const base = prepareData(checkPathOptions({ data: diabetes, hidden: [4], standardizeTarget: false }), false).train;
  const folds = stratifiedFolds(base, 3, 1);
  const expected = folds.map((_, i) => {
    const { fit, validation } = foldParts(base, folds, i);
    const mu = fit.y.reduce((s, v) => s + v, 0) / fit.rows;
    return validation.y.reduce((s, v) => s + (v - mu) ** 2, 0) / validation.rows / full.std ** 2;
  });
  assert.equal(r.points[0]!.l1, 0);
  const mean = expected.reduce((s, v) => s + v, 0) / expected.length;
  assert.ok(Math.abs(r.selection!.points[0]!.validationLoss - mean) < 1e-4, `sparse end ${r.selection!.points[0]!.validationLoss}, by hand ${mean}`);
  // the folds' own path.json files keep their own units
  const stds = [1, 2, 3].map((k) => JSON.parse(fs.readFileSync(path.join(out, 'folds', String(k), 'path.json'), 'utf8')).dataset.targetScale.std as number);
  assert.ok(stds.every((s) => s !== full.std && Math.abs(s / full.std - 1) < 0.1), stds.join(', '));
});
