import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hypervolume, largestGap, nonDominated } from '../src/metrics/front.js';

test('nonDominated keeps the Pareto set sorted by l1', () => {
  const pts = [
    { l1: 1, loss: 0.2 }, { l1: 0, loss: 1 }, { l1: 0.5, loss: 0.5 }, { l1: 0.7, loss: 0.6 }, { l1: 0.5, loss: 0.5 }, { l1: 2, loss: 0.2 },
  ];
  assert.deepEqual(nonDominated(pts), [1, 2, 0]);
});

test('hypervolume matches a hand computation and ignores dominated points', () => {
  const pts = [{ l1: 0, loss: 1 }, { l1: 0.5, loss: 0.5 }, { l1: 1, loss: 0.2 }];
  // strips: 1.1·0.1 + 0.6·0.5 + 0.1·0.3
  assert.ok(Math.abs(hypervolume(pts, 1, 1) - 0.44) < 1e-12);
  assert.ok(Math.abs(hypervolume([...pts, { l1: 0.8, loss: 0.9 }], 1, 1) - 0.44) < 1e-12);
  // normalisation: doubling both scales of the data and the refs changes nothing
  assert.ok(Math.abs(hypervolume(pts.map((p) => ({ l1: 2 * p.l1, loss: 3 * p.loss })), 3, 2) - 0.44) < 1e-12);
  // a point outside the reference box contributes nothing
  assert.equal(hypervolume([{ l1: 2, loss: 0 }], 1, 1), 0);
});

test('largestGap is the longest normalised neighbour distance', () => {
  const pts = [{ l1: 0, loss: 1 }, { l1: 0.3, loss: 0.6 }, { l1: 1, loss: 0.5 }];
  assert.ok(Math.abs(largestGap(pts, 1, 1) - Math.hypot(0.7, 0.1)) < 1e-12);
});
