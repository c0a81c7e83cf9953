// The mini-batch sampler: batches of at least 2·BLOCKS_PER_BATCH rows are gathered as blocks of
// consecutive rows of a training set put in a seeded random order once (in place); smaller
// batches are gathered row by row from the set as given. Each row's features and target stay
// together, an epoch hands out every row at most once, and over epochs every row comes up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCKS_PER_BATCH, Problem, toDevice } from '../src/nn/problem.js';
import type { Architecture } from '../src/nn/mlp.js';
import { backends } from './helpers/backends.js';

const ROWS = 1000;
const FEATURES = 3;

/** Row i: features (i, i + 0.5, -i), class i mod 5: a row's first feature names it. */
function problem(batch: number, seed = 1): Problem {
  const k = backends()[0]!;
  const x = new Float32Array(ROWS * FEATURES);
  const y = new Float32Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    x.set([i, i + 0.5, -i], i * FEATURES);
    y[i] = i % 5;
  }
  const arch: Architecture = { layers: [FEATURES, 5], activation: 'relu', loss: 'cross-entropy' };
  return new Problem(k, arch, toDevice(k, x, y, ROWS, FEATURES), null, batch, seed);
}

/** The names (first features) of a batch's rows, checking each row's features and target. */
function rowsOf(p: Problem, x: Float32Array, y: Float32Array, rows: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const i = x[r * FEATURES]!;
    assert.deepEqual(Array.from(x.subarray(r * FEATURES, (r + 1) * FEATURES)), [i, i + 0.5, -i]);
    assert.equal(y[r], i % 5, `row ${i} kept its class`);
    out.push(i);
  }
  return out;
}

test('large batches come in blocks of consecutive rows of a once-shuffled set; every row once per epoch', () => {
  const batch = 200;
  const p = problem(batch);
  const L = Math.floor(batch / BLOCKS_PER_BATCH);
  assert.equal(p.blockRows, L);
  // the set itself was shuffled in place, rows intact
  const stored = rowsOf(p, p.train.x, p.train.y, ROWS);
  assert.deepEqual([...stored].sort((a, b) => a - b), Array.from({ length: ROWS }, (_, i) => i));
  assert.notDeepEqual(stored, Array.from({ length: ROWS }, (_, i) => i), 'a shuffled order');
  const position = new Map(stored.map((name, at) => [name, at]));
  const seen = new Map<number, number>();
  const perEpoch = Math.floor(ROWS / batch);
  for (let epoch = 0; epoch < 3; epoch++) {
    const drawn = new Set<number>();
    for (let b = 0; b < perEpoch; b++) {
      const batchRows = p.nextBatch();
      assert.equal(batchRows.rows, batch);
      const names = rowsOf(p, batchRows.x, batchRows.y, batch);
      for (const n of names) {
        assert.ok(!drawn.has(n), `row ${n} twice in epoch ${epoch}`);
        drawn.add(n);
        seen.set(n, (seen.get(n) ?? 0) + 1);
      }
      // runs of consecutive stored rows, each within one block of L
      const at = names.map((n) => position.get(n)!);
      let runs = 1;
      for (let r = 1; r < at.length; r++) {
        if (at[r] === at[r - 1]! + 1 && at[r]! % L !== 0) continue;
        runs++;
      }
      assert.ok(runs <= Math.ceil(batch / L) + 1, `${runs} runs of consecutive rows in a batch of ${batch} (blocks of ${L})`);
    }
    assert.equal(drawn.size, perEpoch * batch);
  }
  assert.equal(seen.size, ROWS, 'over three epochs every row was drawn');
});

test('the block order follows the batch seed, and a reseed repeats the stream', () => {
  const p = problem(200);
  const stream = (seed: number): number[] => {
    p.reseed(seed);
    const out: number[] = [];
    for (let b = 0; b < 7; b++) {
      const batch = p.nextBatch();
      out.push(...rowsOf(p, batch.x, batch.y, batch.rows));
    }
    return out;
  };
  const a = stream(3);
  assert.deepEqual(stream(3), a);
  assert.notDeepEqual(stream(4), a);
  // the stored order depends on the problem's seed only
  assert.deepEqual(rowsOf(p, problem(200).train.x, problem(200).train.y, ROWS), rowsOf(p, p.train.x, p.train.y, ROWS));
});

test('batches under 2·BLOCKS_PER_BATCH rows are gathered row by row and leave the set in its order', () => {
  const p = problem(2 * BLOCKS_PER_BATCH - 1);
  assert.equal(p.blockRows, 1);
  assert.deepEqual(rowsOf(p, p.train.x, p.train.y, ROWS), Array.from({ length: ROWS }, (_, i) => i));
  const batch = p.nextBatch();
  const at = rowsOf(p, batch.x, batch.y, batch.rows);
  let consecutive = 0;
  for (let r = 1; r < at.length; r++) if (at[r] === at[r - 1]! + 1) consecutive++;
  assert.ok(consecutive < 10, `${consecutive} consecutive pairs among ${at.length} rows drawn one by one`);
  // full batch: the data as given
  const full = problem(ROWS);
  assert.equal(full.nextBatch().x, full.train.x);
});
