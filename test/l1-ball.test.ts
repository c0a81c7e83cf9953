// Projection onto the l1 ball (the corrector's 'project' rule): the same threshold as the exact
// sort-based one, the requested radius, the unpenalised tail untouched, nothing done inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { projectOntoL1Ball } from '../src/optim/l1-ball.js';
import { thresholdForL1 } from '../src/path/predictors.js';
import { Rng } from '../src/util/rng.js';
import { backends } from './helpers/backends.js';

for (const k of backends()) {
  test(`[${k.name}] projectOntoL1Ball soft-thresholds to the radius with the exact threshold`, () => {
    const rng = new Rng(12);
    for (let trial = 0; trial < 30; trial++) {
      const n = 1 + rng.int(400);
      const p = Math.max(1, n - rng.int(5));
      const w = k.alloc(n);
      for (let i = 0; i < n; i++) w[i] = rng.uniform() < 0.3 ? 0 : rng.normal();
      const before = Float32Array.from(w);
      let l1 = 0;
      for (let i = 0; i < p; i++) l1 += Math.abs(w[i]!);
      const radius = l1 * [0, 0.2, 0.9, 0.999, 1.5][trial % 5]!;
      const tau = projectOntoL1Ball(k, w, p, radius);
      let after = 0;
      for (let i = 0; i < p; i++) after += Math.abs(w[i]!);
      if (radius >= l1) {
        assert.deepEqual(w, before, 'inside the ball: unchanged');
        continue;
      }
      const exact = thresholdForL1(before.subarray(0, p), radius);
      assert.ok(Math.abs(tau - exact) <= 1e-6 * (1 + exact), `τ ${tau} vs exact ${exact}`);
      assert.ok(Math.abs(after - radius) <= 1e-4 * (1 + radius), `l1 ${after} vs radius ${radius}`);
      // the origin: exactly 0
      if (radius === 0) for (let i = 0; i < p; i++) assert.ok(w[i] === 0, `w[${i}] = ${w[i]} at radius 0`);
      for (let i = p; i < n; i++) assert.equal(w[i], before[i], 'the unpenalised tail is left alone');
    }
  });
}
