import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createJsKernels } from '../src/kernels/index.js';
import { Ensemble, clipEnsemble, initEnsemble, sampleWeights } from '../src/ensemble/model.js';
import { EnsembleNet, SD_FLOOR } from '../src/ensemble/net.js';
import { GaussianNoise, inverseNormalCdf } from '../src/ensemble/noise.js';
import { SparseBatcher } from '../src/ensemble/sparse-batch.js';
import { countCategories, histograms, IMPORTANT, UNIMPORTANT, VARIABLE, layerCodes } from '../src/ensemble/categories.js';
import { categoryIndices, chooseSubset, perturbationTable } from '../src/ensemble/perturb.js';
import { Evaluator } from '../src/ensemble/evaluate.js';
import { ensembleToTensors, tensorsToEnsemble, ENSEMBLE_FILE, ENSEMBLE_FORMAT } from '../src/ensemble/io.js';
import { runEnsemble } from '../src/ensemble/run.js';
import { checkFractions } from '../src/ensemble/options.js';
import { encodeSafetensors, readSafetensors, writeSafetensors } from '../src/io/safetensors.js';
import { toDevice } from '../src/nn/problem.js';
import { Rng } from '../src/util/rng.js';
import { RegpathError } from '../src/errors.js';
import { backends } from './helpers/backends.js';
import { tempDir } from './helpers/tmp.js';

const k = createJsKernels();

/**
 * The mean-field network in float64, straight from Li & Huang's mean-field equations (no kernels), with the noise ε
 * given: the oracle the kernel pass and its backward are checked against.
 */
function referenceLoss(layers: number[], flat: Float64Array, x: Float64Array, y: number[], rows: number, eps: Float64Array[]): number {
  const size = layers.slice(0, -1).reduce((s, n, l) => s + n * layers[l + 1]!, 0);
  let off = 0;
  let r = x;
  let loss = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const n = layers[l]!, o = layers[l + 1]!;
    const h = new Float64Array(rows * o);
    for (let b = 0; b < rows; b++) {
      for (let j = 0; j < o; j++) {
        let mean = 0, v = 0;
        for (let i = 0; i < n; i++) {
          const c = off + i * o + j;
          const pi = flat[c]!, m = flat[size + c]!, xi = flat[2 * size + c]!;
          const mu = (1 - pi) * m, rho = (1 - pi) * (m * m + xi);
          mean += mu * r[b * n + i]!;
          v += (rho - mu * mu) * r[b * n + i]! ** 2;
        }
        h[b * o + j] = mean / Math.sqrt(n) + eps[l]![b * o + j]! * Math.sqrt(v / n + SD_FLOOR);
      }
    }
    off += n * o;
    if (l + 2 < layers.length) r = h.map((z) => Math.max(z, 0));
    else {
      for (let b = 0; b < rows; b++) {
        const z = h.subarray(b * o, b * o + o);
        const mx = Math.max(...z);
        const lse = mx + Math.log(z.reduce((s, t) => s + Math.exp(t - mx), 0));
        loss += lse - z[y[b]!]!;
      }
    }
  }
  return loss / rows;
}

test('ensemble gradients (π, m, Ξ and the input) agree with float64 finite differences of the mean-field loss', () => {
  const layers = [5, 4, 3];
  const rows = 6;
  const e = new Ensemble(layers, k.alloc(3 * (5 * 4 + 4 * 3)));
  const rng = new Rng(3);
  // interior values, so every term of the chain rule matters (π in (0,1), Ξ > 0)
  for (let i = 0; i < e.size; i++) {
    e.piAll[i] = 0.1 + 0.8 * rng.uniform();
    e.mAll[i] = rng.normal() * 1.5;
    e.xiAll[i] = 0.05 + 0.5 * rng.uniform();
  }
  const x = k.alloc(rows * 5), x2 = k.alloc(rows * 5), y = k.alloc(rows);
  for (let i = 0; i < x.length; i++) {
    x[i] = i % 7 === 0 ? 0 : rng.normal();
    x2[i] = x[i]! * x[i]!;
  }
  const labels = [0, 1, 2, 1, 0, 2];
  labels.forEach((v, i) => (y[i] = v));
  const net = new EnsembleNet(k, layers, rows);
  const grad = new Ensemble(layers, k.alloc(e.flat.length));
  const dx = k.alloc(rows * 5);
  const noise = new GaussianNoise(11);
  net.prepare(e);
  const res = net.lossAndGradient(e, x, x2, y, rows, noise, grad, dx);
  // the same ε the pass drew: layer by layer, rows × outputs each
  noise.reseed(11);
  const eps = layers.slice(1).map((o) => {
    const a = new Float32Array(rows * o);
    noise.fill(a, a.length);
    return Float64Array.from(a);
  });
  const flat = Float64Array.from(e.flat);
  const xd = Float64Array.from(x);
  const f = (p: Float64Array, xx: Float64Array): number => referenceLoss(layers, p, xx, labels, rows, eps);
  assert.ok(Math.abs(f(flat, xd) - res.loss) < 1e-5, `loss ${res.loss} vs reference ${f(flat, xd)}`);
  const h = 1e-6;
  const check = (analytic: number, plus: number, minus: number, what: string): void => {
    const fd = (plus - minus) / (2 * h);
    assert.ok(Math.abs(analytic - fd) <= 2e-4 + 2e-3 * Math.abs(fd), `${what}: analytic ${analytic} vs finite difference ${fd}`);
  };
  for (let c = 0; c < flat.length; c++) {
    const p = Float64Array.from(flat), q = Float64Array.from(flat);
    p[c]! += h;
    q[c]! -= h;
    const section = ['π', 'm', 'Ξ'][Math.floor(c / e.size)]!;
    check(grad.flat[c]!, f(p, xd), f(q, xd), `∂L/∂${section}[${c % e.size}]`);
  }
  for (let i = 0; i < xd.length; i++) {
    const p = Float64Array.from(xd), q = Float64Array.from(xd);
    p[i]! += h;
    q[i]! -= h;
    check(dx[i]!, f(flat, p), f(flat, q), `∂L/∂x[${i}]`);
  }
});

test('dropping always-zero inputs from the GEMMs gives the same loss and gradient (zero for those inputs)', () => {
  const layers = [6, 4, 2];
  const rows = 5;
  const e = new Ensemble(layers, k.alloc(3 * (24 + 8)));
  initEnsemble(e, 4);
  for (let i = 0; i < e.size; i++) e.piAll[i] = 0.3;
  const x = k.alloc(rows * 6), x2 = k.alloc(rows * 6), y = k.alloc(rows);
  const rng = new Rng(9);
  for (let b = 0; b < rows; b++) for (let i = 0; i < 6; i++) x[b * 6 + i] = i === 1 || i === 4 ? 0 : rng.normal();
  x.forEach((v, i) => (x2[i] = v * v));
  for (let b = 0; b < rows; b++) y[b] = b % 2;
  const active = Int32Array.from([0, 2, 3, 5]);
  const cx = k.alloc(rows * 4), cx2 = k.alloc(rows * 4);
  for (let b = 0; b < rows; b++) active.forEach((c, j) => { cx[b * 4 + j] = x[b * 6 + c]!; cx2[b * 4 + j] = x2[b * 6 + c]!; });
  const full = new Ensemble(layers, k.alloc(e.flat.length)), part = new Ensemble(layers, k.alloc(e.flat.length));
  const a = new EnsembleNet(k, layers, rows), b = new EnsembleNet(k, layers, rows, active);
  a.prepare(e);
  b.prepare(e);
  const ra = a.lossAndGradient(e, x, x2, y, rows, new GaussianNoise(2), full);
  const rb = b.lossAndGradient(e, cx, cx2, y, rows, new GaussianNoise(2), part);
  assert.ok(Math.abs(ra.loss - rb.loss) < 1e-6);
  for (let i = 0; i < full.flat.length; i++) assert.ok(Math.abs(full.flat[i]! - part.flat[i]!) < 1e-6, `gradient ${i}`);
  for (let j = 0; j < 4; j++) assert.equal(part.pi(0)[1 * 4 + j], 0);
});

test('the sparse first layer (CSR batches) gives the loss and gradient of the dense one', () => {
  const layers = [12, 5, 3];
  const rows = 10, batch = 4, f = 12;
  const rng = new Rng(21);
  const x = new Float32Array(rows * f).map(() => (rng.uniform() < 0.2 ? rng.uniform() : 0));
  const y = new Float32Array(rows).map((_, i) => i % 3);
  const sb = SparseBatcher.create(k, x, rows, f, batch);
  assert.ok(sb, 'sparse enough');
  assert.equal(SparseBatcher.create(k, new Float32Array(rows * f).fill(1), rows, f, batch), null, 'dense data stays dense');
  const e = new Ensemble(layers, k.alloc(3 * (60 + 15)));
  initEnsemble(e, 2);
  for (let i = 0; i < e.size; i++) e.piAll[i] = 0.25;
  const order = Int32Array.from([7, 2, 9, 0, 5, 1, 3, 4, 6, 8]);
  const bx = k.alloc(batch * f), bx2 = k.alloc(batch * f), by = k.alloc(batch);
  for (let b = 0; b < batch; b++) {
    const r = order[4 + b]!;
    bx.set(x.subarray(r * f, r * f + f), b * f);
    by[b] = y[r]!;
  }
  bx.forEach((v, i) => (bx2[i] = v * v));
  const dense = new Ensemble(layers, k.alloc(e.flat.length)), sparse = new Ensemble(layers, k.alloc(e.flat.length));
  const a = new EnsembleNet(k, layers, batch), b = new EnsembleNet(k, layers, batch);
  a.prepare(e);
  b.prepare(e);
  const ra = a.lossAndGradient(e, bx, bx2, by, batch, new GaussianNoise(3), dense);
  const rb = b.lossAndGradient(e, bx, bx2, by, batch, new GaussianNoise(3), sparse, null, sb!.gather(order, 4, batch));
  assert.ok(Math.abs(ra.loss - rb.loss) < 1e-6, `${ra.loss} vs ${rb.loss}`);
  for (let i = 0; i < dense.flat.length; i++) assert.ok(Math.abs(dense.flat[i]! - sparse.flat[i]!) < 1e-5, `gradient ${i}: ${dense.flat[i]} vs ${sparse.flat[i]}`);
});

test('every backend (js, wasm) gives the same ensemble loss and gradients, dense and sparse first layer', () => {
  const layers = [40, 12, 4];
  const rows = 16, f = 40;
  const rng = new Rng(31);
  const x = new Float32Array(rows * f).map(() => (rng.uniform() < 0.25 ? rng.uniform() : 0));
  const y = new Float32Array(rows).map((_, i) => i % 4);
  const base = new Ensemble(layers);
  initEnsemble(base, 5);
  for (let i = 0; i < base.size; i++) base.piAll[i] = 0.2 * rng.uniform();
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  const results = backends().map((kb) => {
    const e = base.clone(kb);
    const dx = kb.alloc(rows * f), dx2 = kb.alloc(rows * f), dy = kb.alloc(rows);
    dx.set(x);
    x.forEach((v, i) => (dx2[i] = v * v));
    dy.set(y);
    const out: Float32Array[] = [];
    for (const sparse of [null, SparseBatcher.create(kb, x, rows, f, rows)!.gather(order, 0, rows)]) {
      const g = new Ensemble(layers, kb.alloc(e.flat.length));
      const net = new EnsembleNet(kb, layers, rows);
      net.prepare(e);
      net.lossAndGradient(e, dx, dx2, dy, rows, new GaussianNoise(8), g, null, sparse);
      out.push(Float32Array.from(g.flat));
    }
    return { name: kb.name, out };
  });
  const ref = results[0]!.out[0]!;
  for (const r of results) {
    for (const g of r.out) {
      for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(g[i]! - ref[i]!) <= 1e-5 + 1e-4 * Math.abs(ref[i]!), `${r.name} gradient ${i}: ${g[i]} vs ${ref[i]}`);
    }
  }
});

test('the noise is standard normal: quantile table, mean, variance, reproducible from its seed', () => {
  assert.ok(Math.abs(inverseNormalCdf(0.975) - 1.959964) < 1e-6);
  assert.ok(Math.abs(inverseNormalCdf(0.5)) < 1e-12);
  const n = 200000;
  const a = new Float32Array(n);
  new GaussianNoise(5).fill(a, n);
  let s = 0, s2 = 0;
  for (const v of a) {
    s += v;
    s2 += v * v;
  }
  assert.ok(Math.abs(s / n) < 0.01, `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.02, `variance ${s2 / n}`);
  const b = new Float32Array(n);
  new GaussianNoise(5).fill(b, n);
  assert.deepEqual(a, b);
});

/**
 * A hand-built one-layer ensemble (4 inputs → 2 classes) whose answers are known:
 * input 0 decides the class through two very important connections (m = ±5, π = Ξ = 0);
 * input 1's connections are variable (π = 0.5); inputs 2 and 3 are unimportant (π = 1).
 * Test data: x0 = ±1 (class 0 for +1), inputs 1..3 zero.
 */
function handBuilt(): { e: Ensemble; ev: Evaluator; test: ReturnType<typeof toDevice> } {
  const e = new Ensemble([4, 2]);
  const set = (i: number, j: number, pi: number, m: number, xi: number): void => {
    e.pi(0)[i * 2 + j] = pi;
    e.m(0)[i * 2 + j] = m;
    e.xi(0)[i * 2 + j] = xi;
  };
  set(0, 0, 0, 5, 0);
  set(0, 1, 0, -5, 0);
  set(1, 0, 0.5, 0.3, 0.01);
  set(1, 1, 0.5, -0.2, 0.02);
  for (const i of [2, 3]) for (const j of [0, 1]) set(i, j, 1, 0.7, 0.1);
  const rows = 20;
  const x = new Float32Array(rows * 4), y = new Float32Array(rows);
  for (let b = 0; b < rows; b++) {
    x[b * 4] = b % 2 === 0 ? 1 : -1;
    y[b] = b % 2;
  }
  return { e, ev: new Evaluator(k, [4, 2], rows), test: toDevice(k, x, y, rows, 4) };
}

test('categories of a hand-built ensemble: exact counts, codes and histograms', () => {
  const { e } = handBuilt();
  const [c] = countCategories(e);
  assert.deepEqual({ important: c!.important, unimportant: c!.unimportant, variable: c!.variable }, { important: 2, unimportant: 4, variable: 2 });
  assert.equal(c!.importantFraction, 0.25);
  assert.deepEqual([...layerCodes(e, 0)], [IMPORTANT, IMPORTANT, VARIABLE, VARIABLE, UNIMPORTANT, UNIMPORTANT, UNIMPORTANT, UNIMPORTANT]);
  // π = 0 with Ξ > 0 is variable, not important
  const f = new Ensemble([1, 1]);
  f.xiAll[0] = 1e-9;
  assert.equal(countCategories(f)[0]!.variable, 1);
  for (const h of histograms(e, 10)) assert.equal(h.counts.reduce((a, b) => a + b, 0), 8);
  const hp = histograms(e, 10).find((h) => h.quantity === 'pi')!;
  assert.deepEqual([hp.counts[0], hp.counts[5], hp.counts[9]], [2, 2, 4]);
});

test('perturbations of a hand-built ensemble: which connections, how many, and the accuracies known in advance', () => {
  const { e, ev, test: data } = handBuilt();
  const cats = categoryIndices(e);
  assert.deepEqual([...cats.important], [0, 1]);
  assert.deepEqual([...cats.variable], [2, 3]);
  assert.deepEqual([...cats.unimportant], [4, 5, 6, 7]);
  const rng = new Rng(1);
  const pick = chooseSubset(cats.unimportant, 3, rng);
  assert.equal(new Set(pick).size, 3);
  for (const i of pick) assert.ok(cats.unimportant.includes(i));
  assert.equal(chooseSubset(cats.variable, 5, rng).length, 2, 'capped at the set');

  const before = Float32Array.from(e.flat);
  const rows = perturbationTable(e, ev, data, [0, 0.5, 1], 6, 42);
  assert.deepEqual(e.flat, before, 'the ensemble is left as it was');
  assert.deepEqual(rows.map((r) => [r.importantRemoved, r.variableRemoved, r.unimportantReplaced]), [[0, 0, 0], [1, 1, 2], [2, 2, 4]]);
  // intact: input 0 alone decides every example
  assert.deepEqual([rows[0]!.importantAccuracy, rows[0]!.variableAccuracy, rows[0]!.unimportantAccuracy], [1, 1, 1]);
  // one of the two important connections still separates the classes; both gone: every logit is 0,
  // every example gets the same class, half of them right
  assert.equal(rows[1]!.importantAccuracy, 1);
  assert.equal(rows[2]!.importantAccuracy, 0.5);
  // variable and unimportant connections read inputs that are 0 here: no effect at all
  assert.deepEqual(rows.map((r) => r.variableAccuracy), [1, 1, 1]);
  assert.deepEqual(rows.map((r) => r.unimportantAccuracy), [1, 1, 1]);
  assert.throws(() => checkFractions([0, 1.5]), (err: unknown) => err instanceof RegpathError && /--fractions: every fraction must be in \[0, 1\], got 1.5/.test(err.message));
});

test('sampled weights: π = 1 gives 0, π = 0 and Ξ = 0 gives m, scaled by 1/√N', () => {
  const { e } = handBuilt();
  const w = [new Float32Array(8)];
  sampleWeights(e, new Rng(2), w);
  assert.equal(w[0]![0], 5 / 2);
  assert.equal(w[0]![1], -5 / 2);
  for (const i of [4, 5, 6, 7]) assert.equal(w[0]![i], 0);
  const c = new Ensemble([1, 1]);
  c.piAll[0] = 1.5;
  c.xiAll[0] = -1;
  clipEnsemble(c);
  assert.deepEqual([c.piAll[0], c.xiAll[0]], [1, 0]);
});

test('an ensemble survives the safetensors round trip; a file with the wrong shapes is refused', () => {
  const e = new Ensemble([3, 5, 2]);
  initEnsemble(e, 8);
  e.piAll[3] = 1;
  const dir = tempDir('ens');
  const file = path.join(dir, 'e.safetensors');
  writeSafetensors(file, ensembleToTensors(e));
  const back = tensorsToEnsemble(readSafetensors(file).tensors, file);
  assert.deepEqual(back.layers, [3, 5, 2]);
  assert.deepEqual(back.flat, e.flat);
  const t = ensembleToTensors(e);
  t['layer1.m'] = { dtype: 'F32', shape: [4, 2], data: new Float32Array(8) };
  assert.throws(() => tensorsToEnsemble(t, 'bad.safetensors'), /bad\.safetensors: tensor layer1\.m is F32 \[4, 2\], expected F32 \[5, 2\]/);
  assert.ok(encodeSafetensors(ensembleToTensors(e)).length > 0);
  fs.rmSync(dir, { recursive: true });
});

test('regpath ensemble run folder: reports, saved ensemble equal to the result, and a resumed run equal to an uninterrupted one', () => {
  const dir = tempDir('ens-run');
  // 12 epochs: with Adam's moments kept (the default) iris needs more than 6 to leave chance level
  const opts = { data: 'iris', hidden: [6], epochs: 12, batch: 30, samples: 3, checkpointEvery: 2, evalEvery: 3, kernels: k };
  const full = runEnsemble({ ...opts, out: path.join(dir, 'a'), perturbFractions: [0, 1] });
  for (const f of ['settings.json', 'ensemble.json', ENSEMBLE_FILE, 'categories.csv', 'histograms.json', 'histograms.csv', 'epochs.csv', 'perturb.json', 'perturb.csv', 'checkpoint.safetensors']) {
    assert.ok(fs.existsSync(path.join(dir, 'a', f)), f);
  }
  const saved = tensorsToEnsemble(readSafetensors(path.join(dir, 'a', ENSEMBLE_FILE)).tensors, 'a');
  assert.deepEqual(saved.flat, full.ensemble.flat);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'a', 'ensemble.json'), 'utf8'));
  assert.equal(summary.format, ENSEMBLE_FORMAT);
  assert.deepEqual(summary.model.layers, [4, 6, 3]);
  assert.equal(summary.categories.length, 2);
  const cats = summary.categories[0];
  assert.equal(cats.important + cats.unimportant + cats.variable, 24);
  assert.equal(full.history.length, 12);
  assert.ok(full.meanField.testAccuracy > 0.5, `accuracy ${full.meanField.testAccuracy}`);

  // interrupted after epoch 3 (the last checkpoint is epoch 2), then resumed
  assert.throws(() => runEnsemble({ ...opts, out: path.join(dir, 'b'), stopAfterEpoch: 3 }), /stopped after epoch 3/);
  assert.ok(!fs.existsSync(path.join(dir, 'b', ENSEMBLE_FILE)));
  const resumed = runEnsemble({ out: path.join(dir, 'b'), resume: true, kernels: k });
  assert.deepEqual(resumed.ensemble.flat, full.ensemble.flat, 'same result as the uninterrupted run');
  assert.deepEqual(resumed.history.map((h) => h.trainLoss), full.history.map((h) => h.trainLoss));
  fs.rmSync(dir, { recursive: true });
});
