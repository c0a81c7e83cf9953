import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernels } from '../src/kernels/index.js';
import { plateauStart, runWidths, type WidthsOptions } from '../src/experiments/widths.js';
import { reduceNetwork, removeWeakest } from '../src/neurons/reduce.js';
import { toDeviceSplit } from '../src/experiments/train.js';
import { loadExperimentData } from '../src/experiments/data.js';
import type { Net } from '../src/neurons/network.js';
import { parseLambda, parseWidths } from '../src/experiments/parse.js';

test('plateau: the first width within the fraction of the widest objective', () => {
  const rows = [{ width: 2, objective: 0.7 }, { width: 8, objective: 0.103 }, { width: 10, objective: 0.0995 }, { width: 24, objective: 0.0952 }, { width: 100, objective: 0.0922 }];
  assert.equal(plateauStart(rows, 0.10), 10); // 0.0995 ≤ 1.1 · 0.0922 = 0.1014 < 0.103
  assert.equal(plateauStart(rows, 0.05), 24);
  assert.equal(plateauStart(rows, 0.2), 8);
  assert.equal(plateauStart([...rows].reverse(), 0.10), 10, 'order of the rows does not matter');
});

test('width and λ lists parse strictly', () => {
  assert.deepEqual(parseWidths('8, 2,4,8'), [2, 4, 8]);
  for (const bad of ['', '2,,4', '2.5', 'x', '-1', '0']) assert.throws(() => parseWidths(bad), /--widths: expected comma-separated positive integer widths/);
  assert.equal(parseLambda('1e-3'), 1e-3);
  for (const bad of ['', 'abc', '-1', 'Infinity']) assert.throws(() => parseLambda(bad), /--lambda: expected a number ≥ 0/);
});

const small: WidthsOptions = {
  widths: [1, 12], hidden: 2, lambda: 1e-3, steps: 300, seeds: 2, plateau: 0.1, lr: 1e-2, init: 'torch',
  data: 'iris', n: 100, seed: 1, testFraction: null, standardize: true,
};

test('widths on a tiny problem: best of the seeds, a wider net reaches a lower objective, one network per width, reproducible', () => {
  const nets: Array<[number, Net]> = [];
  const r = runWidths(small, undefined, (w, net) => nets.push([w, net]));
  assert.equal(r.trainRows, 100);
  assert.deepEqual(r.rows.map((x) => x.width), [1, 12]);
  for (const x of r.rows) {
    assert.equal(x.seedObjectives.length, 2);
    assert.equal(x.objective, Math.min(...x.seedObjectives));
    assert.ok(Math.abs(x.objective - (x.loss + 1e-3 * x.penalty)) < 1e-9);
  }
  assert.ok(r.rows[1]!.objective < r.rows[0]!.objective, `width 12 (${r.rows[1]!.objective}) beats width 1 (${r.rows[0]!.objective})`);
  assert.equal(r.plateauWidth, 12);
  assert.deepEqual(nets.map(([w, n]) => [w, n.layers.join('-')]), [[1, '4-1-1-3'], [12, '4-12-12-3']]);
  const again = runWidths({ ...small, widths: [12] });
  assert.equal(again.rows[0]!.objective, r.rows[1]!.objective, 'same seed, same result');
});

test('--reduce on a tiny problem: fewer neurons, objective within the tolerance of the unreduced network', () => {
  let net: Net | null = null;
  runWidths({ ...small, widths: [16], seeds: 1, steps: 400 }, undefined, (_w, n) => (net = n));
  const k = kernels();
  const d = loadExperimentData(small);
  const { report, reduced } = reduceNetwork(k, net!, toDeviceSplit(k, d.train, d.test), {
    lambda: 1e-3, tolerance: 0.05, tol: 1e-6, retrainSteps: 100, lr: 1e-2, removeFraction: 0.2, maxRounds: 12,
  });
  const hidden = (layers: number[]): number => layers.slice(1, -1).reduce((a, b) => a + b, 0);
  assert.ok(hidden(reduced.layers) < 32, `reduced to ${reduced.layers.join('-')}`);
  assert.deepEqual(report.after.layers, reduced.layers);
  assert.ok(report.after.objective <= report.limit, `J ${report.after.objective} within ${report.limit}`);
  assert.ok(Math.abs(report.limit - 1.05 * report.before.objective) < 1e-12);
  // every kept round respected the limit; a refused one was undone
  for (const r of report.rounds) assert.equal(r.accepted, r.objective <= report.limit);
});

test('removeWeakest drops the neurons with the smallest ‖in‖·‖out‖ and keeps one per layer', () => {
  // 1-3-1-1: hidden layer 1 neurons with in-weights 1, 0.1, 2 (out 1 each) → neuron 1 is the weakest
  const theta = new Float32Array([1, 0.1, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  const net: Net = { layers: [1, 3, 1, 1], activation: 'relu', theta };
  const one = removeWeakest(net, 1)!;
  assert.deepEqual(one.layers, [1, 2, 1, 1]);
  assert.deepEqual(Array.from(one.theta.subarray(0, 2)), [1, 2]);
  const all = removeWeakest(net, 10)!;
  assert.deepEqual(all.layers, [1, 1, 1, 1], 'each layer keeps a neuron');
  assert.equal(removeWeakest(all, 1), null);
});
