import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fs from 'node:fs';
import { computePath } from '../src/path/compute-path.js';
import { checkPathOptions } from '../src/path/options.js';
import { remeasuresFlatScale } from '../src/path/continuation.js';
import { hypervolume } from '../src/metrics/front.js';
import { loadDataset } from '../src/data/load.js';
import { splitDataset } from '../src/data/split.js';
import { PREPROCESS_FILE, SETTINGS_FORMAT, preprocessTensors, readPreprocess, readSettings } from '../src/io/run.js';
import { writeSafetensors } from '../src/io/safetensors.js';
import { tempDir } from './helpers/tmp.js';

/**
 * Networks on a regression target: scikit-learn's diabetes (442 rows, 10 features, target mean
 * 152 and std 77; bench/data/diabetes.csv), 10 ReLU units. By default a network fits the target
 * standardised; most tests here fit it in its own units (`standardizeTarget: false`), where the
 * path's start and ends, tuned on classification data (loss in nats, the random init's output as
 * good as a constant), met an init whose loss is 5× the constant predictor's.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const diabetes = path.join(here, '..', '..', 'bench', 'data', 'diabetes.csv');
/** Friedman #1 (make_friedman1, 1,000 rows, 5 of 10 features matter), target in the thousands. */
const friedman = path.join(here, '..', '..', 'bench', 'data', 'friedman1.csv');
const common = { data: diabetes, hidden: [10], testFraction: 0.2, points: 40, standardizeTarget: false };

/** diabetes.csv with its target mapped to a·y + b. */
function rescaledTarget(a: number, b: number): string {
  const lines = fs.readFileSync(diabetes, 'utf8').trim().split('\n');
  const out = [lines[0]!, ...lines.slice(1).map((l) => {
    const cells = l.split(',');
    cells[cells.length - 1] = String(a * Number(cells[cells.length - 1]) + b);
    return cells.join(',');
  })];
  const file = path.join(tempDir('target-units'), 'diabetes-units.csv');
  fs.writeFileSync(file, out.join('\n') + '\n');
  return file;
}

/** The largest rise in training loss between neighbours on the front (by l1), as a share of L_null. */
function largestLossStep(r: Awaited<ReturnType<typeof computePath>>): number {
  const front = [...r.points].sort((a, b) => a.l1 - b.l1);
  return Math.max(...front.slice(1).map((p, i) => (front[i]!.trainLoss - p.trainLoss) / r.metrics.nullLoss));
}

test('a regression network fits its standardised target: the front does not depend on the target\'s units, predictions are in them', async () => {
  const a = await computePath({ data: diabetes, hidden: [10], points: 20 });
  // the same data with the target in other units (as if in thousandths, shifted)
  const b = await computePath({ data: rescaledTarget(1000, -5e4), hidden: [10], points: 20 });
  const scale = a.dataset.targetScale!;
  assert.ok(Math.abs(scale.mean - 153.19) < 0.01 && Math.abs(scale.std - 76.47) < 0.01, JSON.stringify(scale));
  assert.ok(Math.abs(b.dataset.targetScale!.std / scale.std - 1000) < 1e-6 * 1000);
  // losses are shares of the target's variance: the constant predictor's is 1
  assert.ok(Math.abs(a.metrics.nullLoss - 1) < 1e-6, `L_null ${a.metrics.nullLoss}`);
  // the same front, up to float32 rounding of the standardised target
  assert.equal(b.points.length, a.points.length);
  a.points.forEach((p, i) => {
    const q = b.points[i]!;
    assert.ok(Math.abs(q.l1 - p.l1) <= 1e-3 * Math.max(1, p.l1) && Math.abs(q.trainLoss - p.trainLoss) <= 1e-3, `point ${i}: ${p.l1} ${p.trainLoss} / ${q.l1} ${q.trainLoss}`);
  });
  // predictions come back in the target's units: their mean squared error on the training rows,
  // divided by the target's variance, is the front point's training loss
  const ds = loadDataset(diabetes);
  const trainRows = splitDataset(ds, 0.2, 1).train;
  const rows: number[][] = [];
  for (let r = 0; r < trainRows.rows; r++) rows.push(Array.from(trainRows.x.subarray(r * ds.features, (r + 1) * ds.features)));
  const at = a.points.length - 1;
  const pred = a.predict(rows, { point: at });
  let sq = 0;
  for (let r = 0; r < trainRows.rows; r++) sq += (pred.outputs[r]! - trainRows.y[r]!) ** 2;
  const mse = sq / trainRows.rows / scale.std ** 2;
  assert.ok(Math.abs(mse - a.points[at]!.trainLoss) < 1e-4, `MSE/σ² ${mse} against the point's loss ${a.points[at]!.trainLoss}`);
  assert.ok(a.points[at]!.trainLoss < 0.45, `the densest point explains ${1 - a.points[at]!.trainLoss} of the variance`);
});

test('the target\'s standardisation: a linear model keeps its target unless asked, --no-standardize turns both off, and a run from before it resumes unchanged', () => {
  assert.equal(checkPathOptions({ hidden: [10] }).standardizeTarget, true);
  assert.equal(checkPathOptions({ hidden: [] }).standardizeTarget, false);
  assert.equal(checkPathOptions({ hidden: [], standardizeTarget: true }).standardizeTarget, true);
  assert.equal(checkPathOptions({ arch: 'fc8' }).standardizeTarget, true);
  assert.equal(checkPathOptions({ hidden: [10], standardize: false }).standardizeTarget, false);
  assert.throws(() => checkPathOptions({ standardize: false, standardizeTarget: true }), /standardize-target: needs the features standardised/);
  // settings.json of a run written before the option: its target was fitted as it was
  const dir = tempDir('old-settings');
  const options = { ...checkPathOptions({ data: diabetes, hidden: [10] }) } as Record<string, unknown>;
  delete options.standardizeTarget;
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ format: SETTINGS_FORMAT, command: 'path', options, explicitTestFraction: false }));
  assert.equal(readSettings(dir).options.standardizeTarget, false);
});

test('λ_flat is measured again against a settled l1 that outgrew its scale for a squared error only (a classifier\'s keeps growing)', () => {
  // diabetes with its raw target: l1 40 → 151 → 237, each solve measured against the last
  assert.equal(remeasuresFlatScale('mse', 151, 40), true);
  assert.equal(remeasuresFlatScale('mse', 43, 40), false, 'within FLAT_SCALE_GROWTH (1.1)');
  // a classifier on rows it can separate: 260 → 546 → 695 → 898 before, over 15,000 steps
  assert.equal(remeasuresFlatScale('cross-entropy', 546, 260), false);
});

test('preprocess.safetensors round-trips the target\'s mean and std, and refuses half of them', () => {
  const dir = tempDir('preprocess');
  const s = { mean: Float32Array.of(1, 2), std: Float32Array.of(3, 4), target: { mean: 152.133, std: 77.0055 } };
  writeSafetensors(path.join(dir, PREPROCESS_FILE), preprocessTensors(s));
  assert.deepEqual(readPreprocess(dir, 2), s);
  const { target: _t, ...features } = s;
  writeSafetensors(path.join(dir, PREPROCESS_FILE), preprocessTensors(features));
  assert.deepEqual(readPreprocess(dir, 2), features);
  const half = preprocessTensors(s);
  delete half['target.std'];
  writeSafetensors(path.join(dir, PREPROCESS_FILE), half);
  assert.throws(() => readPreprocess(dir, 2), /has target\.mean without target\.std/);
  const zero = preprocessTensors({ ...s, target: { mean: 152, std: 0 } });
  writeSafetensors(path.join(dir, PREPROCESS_FILE), zero);
  assert.throws(() => readPreprocess(dir, 2), /preprocess\.safetensors: target\.std must be positive, got 0$/);
  const f32 = preprocessTensors(s);
  f32['target.mean'] = { dtype: 'F32', shape: [1], data: Float32Array.of(152) };
  writeSafetensors(path.join(dir, PREPROCESS_FILE), f32);
  assert.throws(() => readPreprocess(dir, 2), /preprocess\.safetensors: tensor target\.mean must be F64 \[1\]$/);
});

test('regression network: the continuation starts at the dense end, spaces its points and is within 1 % of the sweep', async () => {
  const c = await computePath({ ...common, method: 'continuation' });
  const s = await computePath({ ...common, method: 'sweep' });
  const l1s = c.points.map((p) => p.l1);
  const l1Ref = Math.max(...l1s, ...s.points.map((p) => p.l1));
  const hv = (r: typeof c): number => hypervolume(r.points.map((p) => ({ l1: p.l1, loss: p.trainLoss })), c.metrics.nullLoss, l1Ref);
  // the initial point (raw point 0) lies where the front turns flat, not at its sparse end
  // (before: the all-zero network, and the lower-loss branch grown from it ended at l1 35)
  const initial = c.raw[0]!;
  assert.equal(initial.phase, 'initial');
  assert.ok(initial.l1 >= 0.4 * Math.max(...l1s), `initial point at l1 ${initial.l1} of ${Math.max(...l1s)}`);
  assert.ok(Math.min(...c.points.map((p) => p.trainLoss)) < 0.4 * c.metrics.nullLoss);
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
  assert.deepEqual(c.branchEnds, { denser: 'flat', sparser: 'all-zero' });
  // before: 0.651 against the sweep's 0.734. Since the sweep starts from the same init as the
  // continuation (initNetwork: the output bias at the target's mean) its front here is 0.7702
  // against the continuation's 0.7680: the raw-target networks are where the sweep is as good
  assert.ok(hv(c) >= 0.99 * hv(s), `continuation ${hv(c).toFixed(4)} < 0.99 × sweep ${hv(s).toFixed(4)}`);
});

test('a regression network\'s lower-loss branch ends once two points in a row do not beat its lowest loss so far', async () => {
  // diabetes standardised, 10 units, seed 1: the flat end was measured against the last point, so
  // a point that fell back and the next that climbed back looked like progress, and the branch
  // went back and forth between l1 50 and 53 for 16 points (losses 0.2924–0.3061)
  const c = await computePath({ data: diabetes, hidden: [10], points: 40, method: 'continuation' });
  assert.equal(c.branchEnds?.denser, 'flat');
  const L0 = c.metrics.nullLoss;
  const scale = Math.max(...c.raw.map((p) => p.l1));
  let best = c.raw.find((p) => p.phase === 'initial')!;
  const beats = c.raw.filter((p) => p.phase === 'denser').map((p) => {
    const gain = (best.trainLoss - p.trainLoss) / L0, cost = (p.l1 - best.l1) / scale;
    if (p.trainLoss < best.trainLoss) best = p;
    return gain > 0 && (cost <= 0 || gain / cost >= 0.02);
  });
  assert.ok(beats.length >= 2 && beats.length <= 8, `${beats.length} lower-loss points`);
  // the last two did not beat the best, and no two before them in a row failed to
  assert.deepEqual(beats.slice(-2), [false, false]);
  assert.ok(beats.slice(0, -2).every((b, i, a) => b || a[i + 1] !== false), beats.join(' '));
});

test('a network\'s spacing measures l1 against its front, not the random init: no step across the flat dense end is over 2.5 target spacings', async () => {
  // Friedman #2 (y = √(x0² + (x1·x2 − 1/(x1·x3))²) plus uniform noise in ±2, std of y about 380;
  // 1,000 rows), 20,20
  // units: the init's l1 is about 157, the front lies below l1 35, and with l1 measured against
  // the init the sparser steps across the flat dense end were 4–5 target spacings long
  const dir = tempDir('friedman2');
  const file = path.join(dir, 'friedman2.csv');
  let seed = 11;
  const uniform = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const rows = Array.from({ length: 1000 }, () => {
    const x = [100 * uniform(), Math.PI * (40 + 520 * uniform()), uniform(), 1 + 10 * uniform()];
    const y = Math.hypot(x[0]!, x[1]! * x[2]! - 1 / (x[1]! * x[3]!)) + 4 * (uniform() - 0.5);
    return [...x, y].map((v) => v.toFixed(6)).join(',');
  });
  fs.writeFileSync(file, ['x0,x1,x2,x3,y', ...rows].join('\n') + '\n');
  const c = await computePath({ data: file, hidden: [20, 20], points: 40, method: 'continuation' });
  const L0 = c.metrics.nullLoss;
  const front = [...c.points].sort((a, b) => a.l1 - b.l1);
  const l1Ref = front[front.length - 1]!.l1;
  const gaps = front.slice(1).map((p, i) => Math.hypot((p.l1 - front[i]!.l1) / l1Ref, (p.trainLoss - front[i]!.trainLoss) / L0));
  const spacing = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const largest = Math.max(...gaps);
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
  assert.ok(largest <= 2.5 * spacing, `largest gap ${(largest / spacing).toFixed(2)} spacings`);
});

test('regression network on raw features: the lower-loss branch ends instead of wandering (±25 % of the points)', async () => {
  const c = await computePath({ ...common, standardize: false, method: 'continuation' });
  // before: 76 points, the branch pulled back and forth by correctors in a flat stretch
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
  assert.equal(c.branchEnds?.sparser, 'all-zero');
  assert.notEqual(c.branchEnds?.denser, 'budget');
  assert.equal(c.warnings, undefined);
});

test('sweep: a dense fit that ends at the constant predictor\'s loss (dead units) is redone at a smaller learning rate', async () => {
  // at lr 0.1 the dense fit's units all died and the front was one point at L_null
  const s = await computePath({ ...common, standardize: false, method: 'sweep' });
  assert.ok(s.points.length >= 10, `${s.points.length} front points`);
  const best = Math.min(...s.points.map((p) => p.trainLoss));
  assert.ok(best < 0.6 * s.metrics.nullLoss, `lowest train loss ${best} of L_null ${s.metrics.nullLoss}`);
  // 10,10 units, seed 8: a dense fit that blew up explained 0.5 % of L_null (output nearly constant)
  const t = await computePath({ ...common, hidden: [10, 10], seed: 8, method: 'sweep' });
  assert.ok(t.points.length >= 10, `${t.points.length} front points at 10,10 units`);
});

test('sweep: a mini-batch dense fit that ends at the constant predictor\'s loss is redone at a smaller learning rate too', async () => {
  // Friedman #3 (target standardised), 20,20 units, batch 64, seed 3: the dense fit ended at
  // 1.000·L_null and every later fit stayed there: a front of one point
  const friedman3 = path.join(here, '..', '..', 'bench', 'data', 'friedman3.csv');
  const s = await computePath({ data: friedman3, hidden: [20, 20], batch: 64, seed: 3, points: 40, method: 'sweep' });
  assert.equal(s.raw[0]!.phase, 'dense');
  assert.ok(s.raw[0]!.trainLoss < 0.5 * s.metrics.nullLoss, `dense fit at ${s.raw[0]!.trainLoss / s.metrics.nullLoss}·L_null`);
  assert.ok(s.points.length >= 20, `${s.points.length} front points`);
  assert.equal(s.warnings, undefined);
});

test('sweep: a full-batch regression network starts from the continuation\'s init, its output bias at the target\'s mean', async () => {
  // Friedman #1 in its own units (target variance 2.7e5): from an output bias of 0 the dense fit
  // diverged at lr 0.1 and, halved, ended at 0.25–1.8·L_null over seeds 1–4 (now 0.02–0.5); on
  // seed 2 the front had 3 points
  const run = (seed: number) => computePath({ data: friedman, hidden: [20, 20], seed, standardizeTarget: false, method: 'sweep' });
  const s = await run(2);
  assert.ok(s.points.length >= 30 && s.points.length <= 50, `${s.points.length} front points for 40`);
  const t = await run(3);
  const dense = t.raw[0]!;
  assert.equal(dense.phase, 'dense');
  // (seed 3 before: 0.96·L_null)
  assert.ok(dense.trainLoss < 0.05 * t.metrics.nullLoss, `dense fit at ${dense.trainLoss / t.metrics.nullLoss}·L_null`);
});

test('sweep: fits dominated by later ones do not use up the point budget (±25 % of the points on a regression network)', async () => {
  // the dense fit stops far from its minimum and the next 9 fits find lower losses at smaller l1:
  // counted as front points, they left the front 23 points for 40
  const s = await computePath({ data: diabetes, hidden: [10], method: 'sweep' });
  assert.ok(s.points.length >= 30 && s.points.length <= 50, `${s.points.length} points for 40`);
});

test('sweep: where the last λ fits jump to w = 0 the fill pass brings the front to 80 % of the points; a run killed in the fill resumes to the same run', async () => {
  // Friedman #1, 20,20 units: the jump to w = 0 is 0.67–0.73 of the front's normalised length of
  // 1.97, and the sweep's points, spaced for the whole length, came out 23–28 for 40
  const opts = { data: friedman, hidden: [20, 20], method: 'sweep' as const };
  const whole = tempDir('sweep-fill');
  const full = await computePath({ ...opts, out: whole });
  assert.ok(full.points.length >= 32 && full.points.length <= 50, `${full.points.length} points for 40`);
  const zero = full.raw.findIndex((p) => p.l1 === 0);
  const filled = full.raw.length - 1 - zero;
  assert.ok(zero > 0 && filled >= 2, `${filled} fill fits after the all-zero point ${zero}`);
  // every fill fit lies between two front neighbours' λ (never beyond the path's ends)
  for (const p of full.raw.slice(zero + 1)) assert.ok(p.lambda! > 0 && p.lambda! < full.raw[zero]!.lambda!, `fill λ ${p.lambda}`);
  const cut = tempDir('sweep-fill');
  let seen = 0;
  await assert.rejects(computePath({ ...opts, out: cut, onProgress: (e) => {
    if (e.type === 'point' && ++seen === full.raw.length - 1) throw new Error('simulated kill');
  } }), /simulated kill/);
  const resumed = await computePath({ out: cut, resume: true });
  assert.deepEqual(resumed.raw.map((p) => [p.index, p.l1, p.trainLoss, p.lambda]), full.raw.map((p) => [p.index, p.l1, p.trainLoss, p.lambda]));
});

test('a mini-batch regression path starts where a decade lower stops explaining 1 % more of the variance, not where the loss stops halving', async () => {
  // Friedman #1 (800 training rows, target standardised), 20,20 units, batch 100: the first fit
  // (loss 0.045 at l1 18) was the start, and the front had 19 points; the decade below explains
  // 2 % more of the variance (loss 0.025 at l1 79)
  const c = await computePath({ data: friedman, hidden: [20, 20], batch: 100, method: 'continuation' });
  assert.ok(c.raw[0]!.l1 > 40 && c.raw[0]!.trainLoss < 0.03, `start at l1 ${c.raw[0]!.l1}, loss ${c.raw[0]!.trainLoss}`);
  assert.ok(c.points.length >= 22, `${c.points.length} front points`);
});

test('a regression network\'s sparser steps are corrected at a fixed λ: on the raw target (10,10 units) the front reaches the sweep\'s', async () => {
  // seed 1 with MPG correctors: train HV 0.847 against the sweep's 0.876 (l1/405)
  const opts = { ...common, hidden: [10, 10], seed: 1 };
  const c = await computePath({ ...opts, method: 'continuation' });
  const s = await computePath({ ...opts, method: 'sweep' });
  const hv = (r: typeof c): number => hypervolume(r.points.map((p) => ({ l1: p.l1, loss: p.trainLoss })), c.metrics.nullLoss, 405);
  assert.ok(hv(c) >= hv(s) && hv(c) > 0.88, `continuation ${hv(c)}, sweep ${hv(s)}`);
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
  // (a fixed-λ point reports that λ: its α is 1/(1+λ) exactly)
  const sparser = c.raw.filter((p) => p.phase === 'sparser' && p.l1 > 0);
  assert.ok(sparser.filter((p) => p.lambda !== null && Math.abs(p.alpha! - 1 / (1 + p.lambda)) < 1e-12).length >= 10);
});

test('a mini-batch pass that kills the network is undone and its step halved', async () => {
  // diabetes in its own units, 10 units, batch 100, seed 1: the first sparser fit went from loss
  // 0.37·L_null to 1.000·L_null at l1 397 (every unit dead), and every later point stayed there:
  // 6 front points for 40
  const c = await computePath({ ...common, batch: 100, seed: 1, method: 'continuation' });
  const L0 = c.metrics.nullLoss;
  assert.ok(c.points.length >= 20, `${c.points.length} front points`);
  const dead = c.raw.filter((p) => p.phase === 'sparser' && p.trainLoss >= 0.99 * L0 && p.l1 > 0.5 * c.raw[0]!.l1);
  assert.deepEqual(dead.map((p) => p.index), []);
  const hv = hypervolume(c.points.map((p) => ({ l1: p.l1, loss: p.trainLoss })), L0, 400);
  assert.ok(hv > 0.6, `train HV ${hv} (before: 0.152)`);
});

test('a mini-batch path whose init has α* = 0 starts at λ_flat instead of thresholding every weight', async () => {
  // diabetes in its own units, 10 units, batch 100, seed 2: at the random init (loss 3.4·L_null)
  // shrinking the weights lowers the loss by far more than their l1, so the MPG step's α* is 0;
  // the first fit ran at λ = ∞, ended at w = 0 and the front was that one point
  const c = await computePath({ ...common, batch: 100, seed: 2, method: 'continuation' });
  const L0 = c.metrics.nullLoss;
  assert.ok(c.raw[0]!.l1 > 0, 'the initial point is not the all-zero network');
  assert.ok(c.points.length >= 20, `${c.points.length} front points`);
  const lowest = Math.min(...c.points.map((p) => p.trainLoss));
  assert.ok(lowest < 0.6 * L0, `lowest training loss ${lowest / L0}·L_null`);
  assert.equal(c.warnings, undefined);
  const hv = hypervolume(c.points.map((p) => ({ l1: p.l1, loss: p.trainLoss })), L0, 400);
  assert.ok(hv > 0.65, `train HV ${hv} (before: 0.109)`);
});

test('the continuation\'s all-zero network is the constant predictor: its loss is L_null exactly', async () => {
  // 10,10 units, target in its own units, seed 1: the last corrector left the biases at
  // 1.00014·L_null (the default MNIST path's at 1.017·L_null)
  const c = await computePath({ ...common, hidden: [10, 10], seed: 1, method: 'continuation' });
  const zero = c.raw.filter((p) => p.l1 === 0);
  assert.ok(zero.length >= 1, 'the path reaches w = 0');
  for (const p of zero) assert.ok(Math.abs(p.trainLoss / c.metrics.nullLoss - 1) < 1e-6, `w = 0 at ${p.trainLoss / c.metrics.nullLoss}·L_null`);
});

test('a front that fitted nothing says so in its warnings', async () => {
  // a target that no feature predicts: 2,000 rows of noise, one feature, a linear model
  const dir = tempDir('nothing-fitted');
  const file = path.join(dir, 'noise.csv');
  let seed = 7;
  const uniform = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const rows = Array.from({ length: 2000 }, () => `${uniform().toFixed(6)},${(100 + uniform()).toFixed(6)}`);
  fs.writeFileSync(file, ['x,y', ...rows].join('\n') + '\n');
  const c = await computePath({ data: file, hidden: [], testFraction: 0, points: 10, method: 'continuation' });
  const lowest = Math.min(...c.points.map((p) => p.trainLoss));
  assert.ok(lowest >= 0.99 * c.metrics.nullLoss, `lowest loss ${lowest / c.metrics.nullLoss}·L_null`);
  assert.equal(c.warnings?.length, 1);
  assert.match(c.warnings![0]!, /lowest training loss is (99\.\d|100\.0) % of the constant predictor's: the model fitted almost nothing; the features do not predict the target linearly$/);
  // a front that fitted something has no such warning
  const fitted = await computePath({ ...common, hidden: [], standardize: true, points: 10, method: 'continuation' });
  assert.equal(fitted.warnings, undefined);
});

test('a mini-batch path whose λ step collapses to w = 0 walks the rest of the sparse end by ε-constraint steps, without a hole', async () => {
  // Friedman #1, batch 100: λ steps crept from l1 3.38 to 3.32 (loss 0.25–0.26), then the next
  // one jumped to w = 0 (loss 1.0): no λ has a minimiser in between (the front is not convex
  // there). The full-batch path walks it; now the mini-batch path too.
  const c = await computePath({ data: friedman, hidden: [20, 20], batch: 100, method: 'continuation' });
  const front = [...c.points].sort((a, b) => a.l1 - b.l1);
  const step = largestLossStep(c);
  assert.ok(step < 0.15, `largest loss step between neighbours: ${step} of L_null`);
  assert.ok(front.filter((p) => p.l1 > 0 && p.l1 < 2.5).length >= 5, `front l1: ${front.slice(0, 8).map((p) => p.l1.toFixed(2))}`);
  assert.equal(c.branchEnds?.sparser, 'all-zero');
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
  // the ε-constraint points keep shrinking: l1 falls at every raw point after the switch
  const sparse = c.raw.filter((p) => p.phase === 'sparser' && p.l1 < 3);
  for (let i = 1; i < sparse.length; i++) assert.ok(sparse[i]!.l1 < sparse[i - 1]!.l1, `raw ${sparse[i]!.index}: l1 ${sparse[i - 1]!.l1} → ${sparse[i]!.l1}`);
});

test('a full-batch path whose shortest sparser step still jumps walks on by ε-constraint steps', async () => {
  // Friedman #1 (20,20 units), seed 4. With l1 measured against the random init (l1 175) the
  // branch jumped at l1 3.08 (7 non-zeros, loss 0.53), where the point's trade-off is that of a
  // flat stretch (λ 0.001): every shorter predictor step still landed at w = 0 or at l1 1.41 (loss
  // 0.88), 6.6 target spacings away, a loss step of 0.35·L_null. Measured against the front (l1
  // 128) the first sparser step from the dense end already jumps at the smallest scale (l1 126 →
  // 110, 2.5 spacings), and the whole branch takes ε-constraint steps to w = 0; its largest loss
  // step is 0.11·L_null (l1 11.9 → 6.8, 2.4 spacings, where the front bends)
  const c = await computePath({ data: friedman, hidden: [20, 20], seed: 4, method: 'continuation' });
  const front = [...c.points].sort((a, b) => a.l1 - b.l1);
  const step = largestLossStep(c);
  assert.ok(step < 0.15, `largest loss step between neighbours: ${step} of L_null`);
  assert.ok(front.filter((p) => p.l1 > 1.5 && p.l1 < 3).length >= 6, `front l1: ${front.slice(0, 14).map((p) => p.l1.toFixed(2))}`);
  assert.equal(c.branchEnds?.sparser, 'all-zero');
  // non-zeros never rise along the ε-constraint steps (they keep the last point's zeros)
  const sparse = c.raw.filter((p) => p.phase === 'sparser' && p.l1 < 3);
  for (let i = 1; i < sparse.length; i++) assert.ok(sparse[i]!.nonzeros <= sparse[i - 1]!.nonzeros, `raw ${sparse[i]!.index}: ${sparse[i - 1]!.nonzeros} → ${sparse[i]!.nonzeros} non-zeros`);
  // killed right after the first ε-constraint point, the run resumes to the same path
  const first = c.raw.findIndex((p) => p.phase === 'sparser' && p.l1 < 3);
  const cut = tempDir('epsilon-resume');
  let seen = 0;
  await assert.rejects(computePath({ data: friedman, hidden: [20, 20], seed: 4, method: 'continuation', out: cut, onProgress: (e) => {
    if (e.type === 'point' && ++seen === first + 1) throw new Error('simulated kill');
  } }), /simulated kill/);
  const resumed = await computePath({ out: cut, resume: true });
  assert.deepEqual(resumed.raw.map((p) => [p.index, p.l1, p.trainLoss, p.lambda]), c.raw.map((p) => [p.index, p.l1, p.trainLoss, p.lambda]));
});

test('on mini-batches of small regression data the continuation\'s front is at least the sweep\'s (train hypervolume)', async () => {
  // the path's first fit stops on its trend over at least 50 steps (TREND_MIN_STEPS): stopped on
  // the trend over 3 checks of 10 steps, its start was under-trained and every later point with
  // it (friedman1 at batch 100: 1.1501 against the sweep's 1.1503; diabetes at batch 64: 0.7684
  // against 0.7758)
  for (const [data, hidden, batch, l1Ref] of [[friedman, [20, 20], 100, 120], [diabetes, [10], 64, 60]] as const) {
    const run = (method: 'continuation' | 'sweep') => computePath({ data, hidden: [...hidden], batch, method });
    const [c, sw] = [await run('continuation'), await run('sweep')];
    const hv = (r: typeof c): number => hypervolume(r.points.map((p) => ({ l1: p.l1, loss: p.trainLoss })), c.metrics.nullLoss, l1Ref);
    assert.ok(hv(c) >= hv(sw), `${path.basename(data)} at batch ${batch}: continuation ${hv(c)}, sweep ${hv(sw)}`);
  }
});

test('regression network, 10,10 units: the sparse end\'s correctors are not stopped by the lower-loss branch\'s stationarity scale', async () => {
  const c = await computePath({ ...common, hidden: [10, 10], method: 'continuation' });
  // the lowest loss at l1 ≤ 40; before: 4,453 = 0.76·L_null (its correctors met a floor set by a
  // lower-loss point's large step after 3–4 steps), now 0.56·L_null
  const atMost40 = c.points.filter((p) => p.l1 <= 40).map((p) => p.trainLoss);
  const best = Math.min(...atMost40);
  assert.ok(best < 0.65 * c.metrics.nullLoss, `lowest loss at l1 ≤ 40: ${best} (L_null ${c.metrics.nullLoss})`);
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
});

test('regression network on raw features: a settling run that ends at w = 0 is redone at a tenth of λ_flat', async () => {
  // seed 7: λ_flat from the init's l1 (3.1) settled at the all-zero network, and the lower-loss
  // branch grew the network from there over 105 raw points (94 on the front for 40 asked)
  const c = await computePath({ ...common, standardize: false, seed: 7, method: 'continuation' });
  assert.ok(c.raw[0]!.l1 > 0, 'the initial point is the all-zero network');
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
});

test('a regression network whose lower-loss branch ends flat on a straight stretch: the dense probe finds the lower losses beyond, the bridge walks back, and a run killed on the bridge resumes to the same path', async () => {
  // diabetes in its own units, 10 units, seed 3: the settled start at l1 57.5 (loss 0.42·L_null,
  // λ_flat 2.14) and the lower-loss correctors ended flat at l1 60, while the front falls on at
  // about that slope to 0.33·L_null at l1 320 (the sweep's dense fit)
  const opts = { ...common, seed: 3, method: 'continuation' as const };
  const without = await computePath({ ...opts, denseEpochs: 0 });
  const c = await computePath(opts);
  const L0 = c.metrics.nullLoss;
  const lowest = (r: typeof c): number => Math.min(...r.points.map((p) => p.trainLoss)) / L0;
  assert.ok(lowest(without) > 0.4, `without the probe the front ends at ${lowest(without)}·L_null`);
  assert.ok(lowest(c) < 0.35, `with it at ${lowest(c)}·L_null`);
  const probe = c.raw.filter((p) => p.phase === 'dense');
  assert.equal(probe.length, 1);
  const bridge = c.raw.filter((p) => p.phase === 'bridge');
  assert.ok(bridge.length >= 10, `${bridge.length} bridge points`);
  // the bridge walks from the probe towards the lower-loss branch's end, then the sparser branch
  // starts from the initial point: the last bridge point comes before the first sparser one
  const firstSparser = c.raw.findIndex((p) => p.phase === 'sparser');
  assert.ok(bridge.every((p) => p.index < firstSparser && p.l1 < probe[0]!.l1));
  assert.ok(c.points.filter((p) => p.l1 > 100 && p.l1 < 300).length >= 8, `front l1: ${c.points.map((p) => p.l1.toFixed(0))}`);
  assert.ok(c.points.length >= 30 && c.points.length <= 50, `${c.points.length} points for 40`);
  assert.deepEqual(c.branchEnds, { denser: 'flat', sparser: 'all-zero' });
  const hv = (r: typeof c): number => hypervolume(r.points.map((p) => ({ l1: p.l1, loss: p.trainLoss })), L0, 400);
  assert.ok(hv(c) >= hv(without) + 0.03, `train HV ${hv(c)} against ${hv(without)} without the probe`);
  // killed on the bridge, the run resumes to the same path
  const cut = tempDir('bridge-resume');
  let seen = 0;
  await assert.rejects(computePath({ ...opts, out: cut, onProgress: (e) => {
    if (e.type === 'point' && ++seen === bridge[2]!.index + 1) throw new Error('simulated kill');
  } }), /simulated kill/);
  const resumed = await computePath({ out: cut, resume: true });
  assert.deepEqual(resumed.raw.map((p) => [p.index, p.l1, p.trainLoss, p.lambda]), c.raw.map((p) => [p.index, p.l1, p.trainLoss, p.lambda]));
});
