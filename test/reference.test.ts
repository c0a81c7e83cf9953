/**
 * Tests of the exact lasso reference (test/reference/lasso.ts): it must agree with scikit-learn
 * (fixtures written by test/fixtures/lasso/make_fixtures.py), satisfy the optimality conditions
 * checked with a gradient written here independently of the solver, and give a front that is
 * monotone, convex and consistent with the single solves.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Rng } from '../src/util/rng.js';
import {
  exactFront,
  kktViolation,
  lambdaMax,
  LassoFront,
  lossAt,
  minLossAtL1,
  solveLasso,
  type Task,
} from './reference/lasso.js';

// ---- fixtures -----------------------------------------------------------------------------------

interface Fixture {
  n: number;
  p: number;
  classes?: number;
  X: number[];
  y: number[];
  lambdaMax: number;
  path: { lambda: number; W?: number[]; b?: number[]; v?: number[]; c?: number; loss: number; l1: number }[];
  ols?: { W: number[]; b: number[]; loss: number; l1: number };
}

// Compiled to dist/test/, so the sources are two levels up.
function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../../test/fixtures/lasso/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

interface Data {
  X: Float64Array;
  y: Float64Array;
  n: number;
  p: number;
  task: Task;
}

function data(f: Fixture): Data {
  return { X: Float64Array.from(f.X), y: Float64Array.from(f.y), n: f.n, p: f.p, task: f.classes ? { classes: f.classes } : 'regression' };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

// ---- an independent gradient for the KKT checks --------------------------------------------------

/** ∂loss/∂W (p×C) and ∂loss/∂b (C), straight from the definitions. */
function gradient(d: Data, W: Float64Array, b: Float64Array): { gW: Float64Array; gb: Float64Array } {
  const { X, y, n, p } = d;
  const C = d.task === 'regression' ? 1 : d.task.classes;
  const gW = new Float64Array(p * C);
  const gb = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    const z = Array.from(b);
    for (let k = 0; k < C; k++) for (let j = 0; j < p; j++) z[k]! += X[i * p + j]! * W[j * C + k]!;
    let dz: number[];
    if (d.task === 'regression') {
      dz = [(-2 * (y[i]! - z[0]!)) / n];
    } else {
      const mx = Math.max(...z);
      const e = z.map((v) => Math.exp(v - mx));
      const s = e.reduce((u, v) => u + v, 0);
      dz = e.map((v, k) => (v / s - (k === y[i] ? 1 : 0)) / n);
    }
    for (let k = 0; k < C; k++) {
      gb[k]! += dz[k]!;
      for (let j = 0; j < p; j++) gW[j * C + k]! += X[i * p + j]! * dz[k]!;
    }
  }
  return { gW, gb };
}

/** Asserts the lasso optimality conditions at (W, b) for λ, to `rel`·λ (+ a rounding floor). */
function assertKkt(d: Data, W: Float64Array, b: Float64Array, lambda: number, rel = 1e-9, abs = 1e-13): void {
  const { gW, gb } = gradient(d, W, b);
  const tol = rel * lambda + abs;
  for (let k = 0; k < gb.length; k++) assert.ok(Math.abs(gb[k]!) <= tol, `intercept gradient ${gb[k]} at λ=${lambda}`);
  for (let t = 0; t < gW.length; t++) {
    const w = W[t]!;
    const g = gW[t]!;
    if (w === 0) assert.ok(Math.abs(g) <= lambda + tol, `|g|=${Math.abs(g)} > λ=${lambda} at a zero weight ${t}`);
    else assert.ok(Math.abs(g + lambda * Math.sign(w)) <= tol, `g=${g} ≠ −λ·sign(w)=${-lambda * Math.sign(w)} at weight ${t}`);
  }
}

/** A seeded 3-class problem: class means differ on the first features. */
function softmaxProblem(seed: number, n: number, p: number, C: number, sep: number, noise = 1): Data {
  const r = new Rng(seed);
  const X = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % C;
    y[i] = k;
    for (let j = 0; j < p; j++) X[i * p + j] = noise * r.normal() + (j % C === k && j < 2 * C ? sep : 0);
  }
  return { X, y, n, p, task: { classes: C } };
}

function regressionProblem(seed: number, n: number, p: number): Data {
  const r = new Rng(seed);
  const X = new Float64Array(n * p);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = 0.5 + r.normal();
    for (let j = 0; j < p; j++) {
      X[i * p + j] = r.normal() + 0.3 * j;
      if (j < 4) y[i]! += X[i * p + j]! * (j % 2 ? -1 : 1) * (1 + j);
    }
  }
  return { X, y, n, p, task: 'regression' };
}

// ---- agreement with scikit-learn ---------------------------------------------------------------

test('regression: matches sklearn lasso_path (λ = 2α) and least squares', () => {
  const f = fixture('regression');
  const d = data(f);
  assert.ok(Math.abs(lambdaMax(d.X, d.y, d.n, d.p, d.task) / f.lambdaMax - 1) < 1e-12);
  let worstW = 0;
  for (const pt of f.path) {
    const s = solveLasso(d.X, d.y, d.n, d.p, d.task, pt.lambda);
    assert.ok(s.converged);
    worstW = Math.max(worstW, maxAbsDiff(s.W, pt.W!));
    assert.ok(maxAbsDiff(s.W, pt.W!) < 1e-10, `W off by ${maxAbsDiff(s.W, pt.W!)} at λ=${pt.lambda}`);
    assert.ok(maxAbsDiff(s.b, pt.b!) < 1e-10);
    assert.ok(Math.abs(s.loss - pt.loss) < 1e-12 * pt.loss);
    assert.ok(Math.abs(s.l1 - pt.l1) < 1e-10);
    // The reference's objective is never worse than sklearn's.
    assert.ok(s.loss + pt.lambda * s.l1 <= pt.loss + pt.lambda * pt.l1 + 1e-14);
  }
  const ols = solveLasso(d.X, d.y, d.n, d.p, d.task, 0);
  assert.ok(ols.converged);
  assert.ok(maxAbsDiff(ols.W, f.ols!.W) < 1e-10);
  assert.ok(Math.abs(ols.loss - f.ols!.loss) < 1e-13);
});

test('softmax, 3 classes: matches sklearn saga multinomial (λ = 1/(C·n))', () => {
  const f = fixture('softmax3');
  const d = data(f);
  assert.ok(Math.abs(lambdaMax(d.X, d.y, d.n, d.p, d.task) / f.lambdaMax - 1) < 1e-12);
  for (const pt of f.path) {
    const s = solveLasso(d.X, d.y, d.n, d.p, d.task, pt.lambda);
    assert.ok(s.converged);
    // saga stops on a relative step of 1e-12; it lands within ~2e-11 of the optimum here.
    assert.ok(maxAbsDiff(s.W, pt.W!) < 1e-9, `W off by ${maxAbsDiff(s.W, pt.W!)} at λ=${pt.lambda}`);
    assert.ok(maxAbsDiff(s.b, pt.b!) < 1e-9);
    assert.ok(Math.abs(s.loss - pt.loss) < 1e-12);
    assert.ok(Math.abs(s.l1 - pt.l1) < 1e-9);
    assert.ok(s.loss + pt.lambda * s.l1 <= pt.loss + pt.lambda * pt.l1 + 1e-15);
  }
});

test('softmax, 2 classes: matches sklearn binary logistic, canonical W[:,0] = −W[:,1]', () => {
  const f = fixture('binary');
  const d = data(f);
  assert.ok(Math.abs(lambdaMax(d.X, d.y, d.n, d.p, d.task) / f.lambdaMax - 1) < 1e-12);
  for (const pt of f.path) {
    const s = solveLasso(d.X, d.y, d.n, d.p, d.task, pt.lambda);
    assert.ok(s.converged);
    const v = Array.from({ length: d.p }, (_, j) => s.W[2 * j + 1]! - s.W[2 * j]!);
    assert.ok(maxAbsDiff(v, pt.v!) < 1e-9, `v off by ${maxAbsDiff(v, pt.v!)}`);
    assert.ok(Math.abs(s.b[1]! - s.b[0]! - pt.c!) < 1e-9);
    assert.ok(Math.abs(s.loss - pt.loss) < 1e-12);
    assert.ok(Math.abs(s.l1 - pt.l1) < 1e-9);
    for (let j = 0; j < d.p; j++) assert.ok(Math.abs(s.W[2 * j]! + s.W[2 * j + 1]!) <= 1e-15);
    assert.ok(Math.abs(s.b[0]! + s.b[1]!) <= 1e-15);
  }
});

// ---- optimality conditions -------------------------------------------------------------------------

test('KKT conditions hold at the returned solutions', () => {
  const problems: Data[] = [data(fixture('regression')), data(fixture('softmax3')), data(fixture('binary')), regressionProblem(1, 200, 12), softmaxProblem(2, 150, 6, 3, 1)];
  for (const d of problems) {
    const lmax = lambdaMax(d.X, d.y, d.n, d.p, d.task);
    for (const frac of [0.9, 0.5, 0.2, 0.05, 0.01, 1e-3]) {
      const lambda = lmax * frac;
      const s = solveLasso(d.X, d.y, d.n, d.p, d.task, lambda);
      assert.ok(s.converged, `not converged at λ=${lambda}`);
      assertKkt(d, s.W, s.b, lambda);
      // The exported checker agrees with the one here.
      assert.ok(kktViolation(d.X, d.y, d.n, d.p, d.task, s.W, s.b, lambda) <= 1e-12 * lambda + 1e-14);
      assert.ok(Math.abs(lossAt(d.X, d.y, d.n, d.p, d.task, s.W, s.b) - s.loss) <= 1e-15 * s.loss);
    }
  }
});

test('duplicated feature: W is not unique, but loss, l1, KKT and the front are', () => {
  const d = regressionProblem(8, 100, 6);
  for (let i = 0; i < d.n; i++) d.X[i * d.p + 1] = d.X[i * d.p]!;
  const lmax = lambdaMax(d.X, d.y, d.n, d.p, d.task);
  const s = solveLasso(d.X, d.y, d.n, d.p, d.task, 0.05 * lmax);
  assert.ok(s.converged);
  assertKkt(d, s.W, s.b, 0.05 * lmax);
  // The two copies never carry opposite signs (that would waste l1).
  assert.ok(s.W[0]! * s.W[1]! >= 0);
  const F = minLossAtL1(d.X, d.y, d.n, d.p, d.task, s.l1);
  assert.ok(Math.abs(F - s.loss) <= 1e-12 * s.loss);
});

test('warm starts reach the same solution as cold starts', () => {
  for (const d of [regressionProblem(3, 80, 10), softmaxProblem(4, 90, 5, 3, 1.2)]) {
    const lmax = lambdaMax(d.X, d.y, d.n, d.p, d.task);
    const far = solveLasso(d.X, d.y, d.n, d.p, d.task, lmax * 0.01);
    const cold = solveLasso(d.X, d.y, d.n, d.p, d.task, lmax * 0.3);
    const warm = solveLasso(d.X, d.y, d.n, d.p, d.task, lmax * 0.3, far);
    assert.ok(maxAbsDiff(cold.W, warm.W) < 1e-11);
    assert.ok(maxAbsDiff(cold.b, warm.b) < 1e-11);
  }
});

// ---- λmax ---------------------------------------------------------------------------------------------

test('lambdaMax: all-zero W at λmax, non-zero just below', () => {
  for (const d of [data(fixture('regression')), data(fixture('softmax3')), data(fixture('binary')), softmaxProblem(5, 120, 4, 3, 0.7)]) {
    const lmax = lambdaMax(d.X, d.y, d.n, d.p, d.task);
    assert.ok(lmax > 0);
    const at = solveLasso(d.X, d.y, d.n, d.p, d.task, lmax);
    assert.ok(at.W.every((w) => w === 0), 'W must be exactly zero at λmax');
    assert.equal(at.l1, 0);
    assertKkt(d, at.W, at.b, lmax);
    const below = solveLasso(d.X, d.y, d.n, d.p, d.task, lmax * (1 - 1e-6));
    assert.ok(below.l1 > 0, 'W must be non-zero just below λmax');
    assert.ok(below.loss < at.loss);
  }
});

// ---- the exact front ------------------------------------------------------------------------------------

test('minLossAtL1 agrees with solveLasso at the l1 of a solution', () => {
  for (const name of ['regression', 'softmax3', 'binary']) {
    const f = fixture(name);
    const d = data(f);
    const front = new LassoFront(d.X, d.y, d.n, d.p, d.task);
    for (const pt of f.path) {
      if (pt.l1 === 0) continue;
      const s = solveLasso(d.X, d.y, d.n, d.p, d.task, pt.lambda);
      const q = front.point(s.l1);
      assert.ok(Math.abs(q.loss - s.loss) <= 1e-12 * s.loss, `${name}: F(${s.l1}) = ${q.loss} vs ${s.loss}`);
      assert.ok(Math.abs(q.lambda / pt.lambda - 1) < 1e-6, `${name}: λ found ${q.lambda} vs ${pt.lambda}`);
      assert.equal(q.beyondFloor, false);
    }
    // The one-shot function agrees with the cached front.
    const t = f.path[1]!.l1;
    assert.ok(Math.abs(minLossAtL1(d.X, d.y, d.n, d.p, d.task, t) - front.point(t).loss) <= 1e-13 * front.point(t).loss);
  }
});

test('front: monotone, convex, above every tangent, below feasible points, correct ends', () => {
  for (const name of ['regression', 'softmax3', 'binary']) {
    const f = fixture(name);
    const d = data(f);
    const C = d.task === 'regression' ? 1 : d.task.classes;
    const top = f.ols ? f.ols.l1 : f.path[f.path.length - 1]!.l1;
    const ts = Array.from({ length: 41 }, (_, i) => (1.3 * top * i) / 40);
    const F = exactFront(d.X, d.y, d.n, d.p, d.task, ts);
    // F(0): the intercept-only model.
    const at0 = solveLasso(d.X, d.y, d.n, d.p, d.task, lambdaMax(d.X, d.y, d.n, d.p, d.task));
    assert.ok(Math.abs(F[0]! - at0.loss) <= 1e-15 * at0.loss);
    const slack = 1e-13 * F[0]!;
    for (let i = 1; i < ts.length; i++) assert.ok(F[i]! <= F[i - 1]! + slack, `${name}: not monotone at t=${ts[i]}`);
    for (let i = 1; i + 1 < ts.length; i++) assert.ok(F[i - 1]! + F[i + 1]! - 2 * F[i]! >= -slack, `${name}: not convex at t=${ts[i]}`);
    for (const pt of f.path) {
      const s = solveLasso(d.X, d.y, d.n, d.p, d.task, pt.lambda);
      // Lagrange duality: loss ≥ loss(λ) − λ·(t − l1(λ)) for every t (supporting line of slope −λ).
      for (let i = 0; i < ts.length; i++) assert.ok(F[i]! >= s.loss - pt.lambda * (ts[i]! - s.l1) - slack, `${name}: below a tangent at t=${ts[i]}`);
      // Shrinking a solution keeps it feasible for a smaller budget, so it bounds F from above.
      for (const shrink of [0.3, 0.7]) {
        const W = s.W.map((w) => w * shrink);
        const t = s.l1 * shrink;
        const fr = minLossAtL1(d.X, d.y, d.n, d.p, d.task, t);
        assert.ok(fr <= lossAt(d.X, d.y, d.n, d.p, d.task, W, s.b) + slack);
      }
    }
    // Beyond the unregularised solution's l1 the front is flat at the unregularised minimum.
    const last = F[F.length - 1]!;
    if (f.ols) assert.ok(Math.abs(last - f.ols.loss) <= 1e-13 * f.ols.loss);
    const unreg = solveLasso(d.X, d.y, d.n, d.p, d.task, 0);
    assert.ok(unreg.converged, `${name}: unregularised problem has a minimum`);
    assert.ok(Math.abs(last - unreg.loss) <= 1e-13 * unreg.loss);
    const beyond = new LassoFront(d.X, d.y, d.n, d.p, d.task).point(2 * unreg.l1);
    assert.ok(beyond.beyondFloor);
    assert.ok(beyond.errorBound < 1e-10 * unreg.loss);
    // λ = 0 selects the least-l1 minimiser (softmax rows shifted to median 0), i.e. the end of the path.
    assert.ok(Math.abs(beyond.l1 - unreg.l1) <= 1e-8 * unreg.l1, `${name}: l1 at the floor ${beyond.l1} vs λ=0 ${unreg.l1}`);
    assert.ok(C >= 1);
  }
});

test('front on separable softmax data: no unregularised minimum, front still exact for finite l1', () => {
  const d = softmaxProblem(3, 60, 3, 3, 2, 0.3);
  const unreg = solveLasso(d.X, d.y, d.n, d.p, d.task, 0, undefined, { maxOuter: 40 });
  assert.equal(unreg.converged, false);
  const ts = [1, 5, 10, 20, 40];
  const front = new LassoFront(d.X, d.y, d.n, d.p, d.task);
  let prev = Infinity;
  for (const t of ts) {
    const q = front.point(t);
    assert.equal(q.beyondFloor, false);
    assert.ok(Math.abs(q.l1 / t - 1) < 1e-10);
    assert.ok(q.loss < prev);
    prev = q.loss;
    // At the λ found, the single solve is optimal and lies on the front.
    const s = solveLasso(d.X, d.y, d.n, d.p, d.task, q.lambda);
    assert.ok(s.converged);
    assertKkt(d, s.W, s.b, q.lambda);
    assert.ok(Math.abs(s.loss - q.loss) <= 1e-9 * q.loss, `t=${t}: ${s.loss} vs ${q.loss}`);
  }
  assert.ok(prev < 1e-6, 'the loss tends to 0 as the l1 budget grows');
  // Far beyond: clamped at the λ floor, flagged, with a certified bound.
  const far = front.point(1e4);
  assert.equal(far.beyondFloor, true);
  assert.ok(far.loss < 1e-10 && far.errorBound <= 1e-8);
});

test('input validation', () => {
  const d = softmaxProblem(6, 30, 2, 3, 1);
  const y = Float64Array.from(d.y, (v) => (v === 2 ? 0 : v)); // class 2 absent
  assert.throws(() => solveLasso(d.X, y, d.n, d.p, d.task, 0.1), RangeError);
  assert.throws(() => lambdaMax(d.X, Float64Array.from(d.y, (v) => v + 0.5), d.n, d.p, d.task), RangeError);
  assert.throws(() => solveLasso(d.X, d.y, d.n, d.p + 1, d.task, 0.1), RangeError);
  assert.throws(() => solveLasso(d.X, d.y, d.n, d.p, d.task, -1), RangeError);
  assert.throws(() => minLossAtL1(d.X, d.y, d.n, d.p, d.task, -1), RangeError);
});

test('timing: one softmax solve at n=500, p=20, C=3 stays well under a second', () => {
  const d = softmaxProblem(7, 500, 20, 3, 0.8);
  const lmax = lambdaMax(d.X, d.y, d.n, d.p, d.task);
  for (const frac of [0.3, 0.01, 0]) {
    const t0 = performance.now();
    const s = solveLasso(d.X, d.y, d.n, d.p, d.task, lmax * frac);
    const ms = performance.now() - t0;
    assert.ok(s.converged);
    // Generous bound for slow CI machines; typically ~50 ms.
    assert.ok(ms < 3000, `solve took ${ms.toFixed(0)} ms`);
  }
});
