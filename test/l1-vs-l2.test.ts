import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickWithinBudget } from '../src/experiments/l1-vs-l2.js';

// A front sorted by l1, as path.json holds it: points 1 and 2 share 9 non-zeros, and the one with
// the smaller l1 (point 1) has the higher loss — the pattern of the Iris front where picking by
// count alone reported 33.3 % test accuracy next to a point with 86.7 %.
const front = [
  { l1: 0, nonzeros: 0, trainLoss: 1.0986 },
  { l1: 0.4, nonzeros: 9, trainLoss: 1.02 },
  { l1: 2.1, nonzeros: 9, trainLoss: 0.41 },
  { l1: 3.0, nonzeros: 11, trainLoss: 0.3 },
  { l1: 5.2, nonzeros: 14, trainLoss: 0.12 },
];

test('l1-vs-l2 picks, within the non-zero budget, the l1 point with the lowest training loss (a tie on non-zeros goes to the lower loss)', () => {
  assert.equal(pickWithinBudget(front, 9), 2);
  assert.equal(pickWithinBudget(front, 10), 2);
  assert.equal(pickWithinBudget(front, 13), 3);
  assert.equal(pickWithinBudget(front, 100), 4);
  assert.equal(pickWithinBudget(front, 0), 0);
  assert.equal(pickWithinBudget(front.slice(1), 5), -1);
});

test('l1-vs-l2: a denser point within the budget does not beat a sparser one with a lower loss, and equal losses go to the sparser', () => {
  const f = [{ nonzeros: 4, trainLoss: 0.2 }, { nonzeros: 6, trainLoss: 0.3 }, { nonzeros: 5, trainLoss: 0.2 }];
  assert.equal(pickWithinBudget(f, 6), 0);
  assert.equal(pickWithinBudget([f[2]!, f[0]!], 6), 1);
});
