import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MpgSolver, tradeoff } from '../src/optim/mpg.js';
import { secantPredictor, thresholdForL1 } from '../src/path/predictors.js';
import { Rng } from '../src/util/rng.js';
import { backends } from './helpers/backends.js';

const soft = (z: number, t: number): number => (z > t ? z - t : z < -t ? z + t : 0);

/** ω1(α) - ω2(α) in double precision, straight from the definition of the MPG step (src/optim/mpg.ts). */
function slope(theta: Float32Array, g: Float32Array, p: number, h: number, a: number): number {
  let w1 = 0, l1y = 0, l1t = 0;
  for (let i = 0; i < theta.length; i++) {
    const y = i < p ? soft(theta[i]! - h * a * g[i]!, h * (1 - a)) : theta[i]! - h * a * g[i]!;
    w1 += g[i]! * (y - theta[i]!);
    if (i < p) {
      l1y += Math.abs(y);
      l1t += Math.abs(theta[i]!);
    }
  }
  return w1 - (l1y - l1t);
}

for (const k of backends()) {
  test(`[${k.name}] MPG finds α* to 1e-6 and y(α*) solves the primal subproblem`, () => {
    const rng = new Rng(3);
    let interior = 0;
    for (let trial = 0; trial < 40; trial++) {
      const n = 5 + rng.int(300);
      const p = Math.max(1, n - rng.int(20));
      const theta = k.alloc(n), g = k.alloc(n), y = k.alloc(n);
      const sparsity = rng.uniform();
      for (let i = 0; i < n; i++) {
        theta[i] = rng.uniform() < sparsity ? 0 : rng.normal();
        g[i] = rng.normal() * 10 ** (rng.uniform() * 2 - 1);
      }
      const h = 10 ** (rng.uniform() * 3 - 2);
      const r = new MpgSolver(k).step(theta, g, p, h, y);
      if (r.alpha > 0 && r.alpha < 1) {
        interior++;
        assert.ok(slope(theta, g, p, h, Math.max(0, r.alpha - 1e-6)) >= -1e-9 * n, `slope left of α*=${r.alpha} must be ≥ 0`);
        assert.ok(slope(theta, g, p, h, Math.min(1, r.alpha + 1e-6)) <= 1e-9 * n, `slope right of α*=${r.alpha} must be ≤ 0`);
      } else if (r.alpha === 0) {
        assert.ok(slope(theta, g, p, h, 0) <= 1e-9 * n);
      } else {
        assert.ok(slope(theta, g, p, h, 1) >= -1e-9 * n);
      }
      // at α* = 0 the unpenalised part takes an extra descent step (tested below), so y(0) is
      // then deliberately not the subproblem's solution
      if (r.alpha === 0 && p < n) continue;
      // primal value of y(α*) is no worse than that of random nearby candidates
      const primal = (cand: Float64Array): number => {
        let w1 = 0, l1y = 0, l1t = 0, sq = 0;
        for (let i = 0; i < n; i++) {
          w1 += g[i]! * (cand[i]! - theta[i]!);
          sq += (cand[i]! - theta[i]!) ** 2;
          if (i < p) {
            l1y += Math.abs(cand[i]!);
            l1t += Math.abs(theta[i]!);
          }
        }
        return Math.max(w1, l1y - l1t) + sq / (2 * h);
      };
      const best = primal(Float64Array.from(y));
      for (let t = 0; t < 20; t++) {
        const cand = Float64Array.from(y, (v) => v + 1e-3 * rng.normal() * (Math.abs(v) + h));
        assert.ok(primal(cand) >= best - 1e-6 * (1 + Math.abs(best)), 'a perturbed y must not beat y(α*)');
      }
      assert.ok(best <= 1e-9, 'the optimal subproblem value is ≤ 0 (θ itself gives 0)');
    }
    assert.ok(interior > 10, 'most random cases have an interior α*');
  });

  test(`[${k.name}] a hint of α* gives the same step with fewer passes, and a wrong hint does no harm`, () => {
    const rng = new Rng(8);
    let interior = 0, withHint = 0, without = 0;
    for (let trial = 0; trial < 40; trial++) {
      const n = 50 + rng.int(300);
      const p = n - rng.int(10);
      const theta = k.alloc(n), g = k.alloc(n), y0 = k.alloc(n), y1 = k.alloc(n), y2 = k.alloc(n);
      for (let i = 0; i < n; i++) {
        theta[i] = rng.uniform() < 0.3 ? 0 : rng.normal();
        g[i] = rng.normal() * 10 ** (rng.uniform() * 2 - 1);
      }
      const h = 10 ** (rng.uniform() * 3 - 2);
      const plain = new MpgSolver(k);
      const r0 = plain.step(theta, g, p, h, y0);
      if (!(r0.alpha > 0 && r0.alpha < 1)) continue;
      interior++;
      without += plain.evaluations;
      // a guess off by 1 % of the distance to the nearer end, as successive corrector steps are
      const near = new MpgSolver(k);
      const r1 = near.step(theta, g, p, h, y1, undefined, r0.alpha + 0.01 * Math.min(r0.alpha, 1 - r0.alpha));
      withHint += near.evaluations;
      const far = new MpgSolver(k);
      const r2 = far.step(theta, g, p, h, y2, undefined, r0.alpha > 0.5 ? 0.01 : 0.99);
      for (const [r, y, what] of [[r1, y1, 'near hint'], [r2, y2, 'wrong hint']] as const) {
        assert.ok(Math.abs(r.alpha - r0.alpha) <= 1e-6, `${what}: α ${r.alpha} vs ${r0.alpha}`);
        for (let i = 0; i < n; i++) assert.ok(Math.abs(y[i]! - y0[i]!) <= 1e-5 * (1 + Math.abs(y0[i]!)), `${what}: y[${i}]`);
      }
    }
    assert.ok(interior >= 10, `enough interior cases (${interior})`);
    assert.ok(withHint < 0.8 * without, `fewer passes with a hint: ${withHint} vs ${without}`);
  });

  test(`[${k.name}] at a lasso minimiser the MPG step is zero and (1-α)/α recovers λ`, () => {
    // L(θ) = ½‖θ - c‖²; the minimiser of L + λ‖θ‖₁ is S_λ(c), with gradient θ* - c there.
    const rng = new Rng(5);
    const n = 50;
    for (const lambda of [0.05, 0.3, 1.5]) {
      const theta = k.alloc(n), g = k.alloc(n), y = k.alloc(n);
      for (let i = 0; i < n; i++) {
        const c = 2 * rng.normal();
        theta[i] = soft(c, lambda);
        g[i] = theta[i]! - c;
      }
      const r = new MpgSolver(k).step(theta, g, n, 0.5, y);
      assert.ok(r.stationarity < 1e-4, `stationarity ${r.stationarity}`);
      assert.ok(Math.abs(tradeoff(r.alpha) - lambda) < 1e-4 * (1 + lambda), `λ ${tradeoff(r.alpha)} vs ${lambda}`);
    }
  });

  test(`[${k.name}] MPG at the all-zero network still fits the unpenalised biases`, () => {
    const theta = k.alloc(6), g = k.alloc(6), y = k.alloc(6);
    g.set([0.1, -0.2, 0.05, 0, 1, -2]); // weights first (4 penalised), then two biases
    const r = new MpgSolver(k).step(theta, g, 4, 0.5, y);
    assert.equal(r.alpha, 0);
    assert.deepEqual(Array.from(y.subarray(0, 4)), [0, 0, 0, 0]);
    assert.deepEqual(Array.from(y.subarray(4)), [-0.5, 1]);
  });
}

for (const k of backends()) {
  test(`[${k.name}] the secant predictor extrapolates the last two points, zeroes weights it carries through 0, and lands on the target l1`, () => {
    // four weights and a bias: ‖w‖₁ 3.6, before 4.6 (fell 1.0); Δ = 0.55, so t = 0.55
    const theta = k.alloc(5);
    const before = k.alloc(5);
    theta.set([1, -2, 0.5, 0.1, 3]);
    before.set([1.5, -2.5, 0.2, 0.4, 2]);
    const l1 = secantPredictor(k, theta, before, 4, 0.55, 2);
    // secant: [0.725, -1.725, 0.665, -0.065 → 0 (crossed zero), bias 3.55], l1 3.115 > 3.05: threshold 0.065/3
    const tau = 0.065 / 3;
    const want = [0.725 - tau, -1.725 + tau, 0.665 - tau, 0, 3.55];
    want.forEach((w, i) => assert.ok(Math.abs(theta[i]! - w) < 1e-6, `θ[${i}] ${theta[i]} vs ${w}`));
    assert.ok(Math.abs(l1! - 3.05) < 1e-5, `l1 ${l1}`);
    // Δ 1.3 against a last step of 0.6: t capped at 2 (secant [0.6, 0, 0.3, 0.1], the 0 stays 0),
    // then thresholded by 0.3 down to l1 0.3 (uncapped, t 2.17, it would keep 0.29 and 0.008)
    theta.set([1, 0, 0.5, 0.1, 3]);
    before.set([1.2, 0.3, 0.6, 0.1, 3]);
    const capped = secantPredictor(k, theta, before, 4, 1.3, 2);
    const got = Array.from(theta);
    [0.3, 0, 0, 0, 3].forEach((w, i) => assert.ok(Math.abs(got[i]! - w) < 1e-6, `capped θ[${i}] ${got[i]} vs ${w}`));
    assert.ok(Math.abs(capped! - 0.3) < 1e-6, `capped l1 ${capped}`);
    // the last step did not lower ‖w‖₁: no secant, θ untouched
    theta.set([1, -2, 0.5, 0.1, 3]);
    before.set([0.5, -1, 0.5, 0.1, 3]);
    assert.equal(secantPredictor(k, theta, before, 4, 0.5, 2), null);
    assert.deepEqual(Array.from(theta), Array.from(Float32Array.from([1, -2, 0.5, 0.1, 3])));
  });
}

test('thresholdForL1 hits the requested l1 exactly', () => {
  const rng = new Rng(9);
  for (let t = 0; t < 50; t++) {
    const n = 1 + rng.int(200);
    const w = Float32Array.from({ length: n }, () => (rng.uniform() < 0.3 ? 0 : rng.normal()));
    const l1 = w.reduce((s, v) => s + Math.abs(v), 0);
    const target = l1 * rng.uniform();
    const tau = thresholdForL1(w, target);
    const after = w.reduce((s, v) => s + Math.abs(soft(v, tau)), 0);
    assert.ok(Math.abs(after - target) <= 1e-9 * (1 + l1), `l1 after ${after} vs target ${target}`);
  }
  assert.equal(thresholdForL1(Float32Array.from([1, -3, 2]), 0), 3);
});
