import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseNeurons, numericalRank, type LayerNeurons } from '../src/neurons/analyse.js';
import { forward64, layoutOf, type Net } from '../src/neurons/network.js';
import { ParameterLayout } from '../src/nn/layout.js';
import { Rng } from '../src/util/rng.js';

/** A random ReLU net 4-6-5-3 (seeded), biases positive so that every neuron fires somewhere. */
function randomNet(seed: number): Net {
  const layers = [4, 6, 5, 3];
  const layout = new ParameterLayout(layers);
  const theta = new Float32Array(layout.size);
  const rng = new Rng(seed);
  for (let i = 0; i < layout.weightCount; i++) theta[i] = rng.normal();
  for (let i = layout.weightCount; i < layout.size; i++) theta[i] = 0.2 + 0.3 * rng.uniform();
  return { layers, activation: 'relu', theta };
}

/** Neuron j of hidden layer h becomes c × neuron i: in-weights and bias scaled by c > 0. */
function scaleCopy(net: Net, h: number, i: number, j: number, c: number): void {
  const layout = layoutOf(net);
  const w = layout.weights(net.theta, h), b = layout.bias(net.theta, h), out = layout.fanOut(h);
  for (let r = 0; r < layout.fanIn(h); r++) w[r * out + j] = c * w[r * out + i]!;
  b[j] = c * b[i]!;
}

function randomRows(rows: number, features: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * features }, () => rng.normal());
}

/** Largest |f - g| over the outputs, relative to the largest |f|. */
function relativeGap(a: Net, b: Net, x: Float32Array, rows: number): number {
  const fa = forward64(a, x, rows).output, fb = forward64(b, x, rows).output;
  let gap = 0, top = 0;
  for (let i = 0; i < fa.length; i++) {
    gap = Math.max(gap, Math.abs(fa[i]! - fb[i]!));
    top = Math.max(top, Math.abs(fa[i]!));
  }
  return gap / top;
}

test('merging is exact: proportional neurons (in-weights and bias scaled by c > 0) and dead ones are removed without changing the outputs', () => {
  const net = randomNet(3);
  scaleCopy(net, 0, 0, 4, 2.5); // layer 1: neuron 4 = 2.5 × neuron 0
  scaleCopy(net, 0, 1, 5, 0.3); // layer 1: neuron 5 = 0.3 × neuron 1
  scaleCopy(net, 1, 0, 3, 1.7); // layer 2: neuron 3 = 1.7 × neuron 0
  const layout = layoutOf(net);
  // layer 2, neuron 4: no outgoing weights → dead
  const v = layout.weights(net.theta, 2);
  for (let o = 0; o < 3; o++) v[4 * 3 + o] = 0;
  const x = randomRows(60, 4, 11);
  const a = analyseNeurons(net, x, 60);
  assert.deepEqual(a.layers.map((l) => [l.neurons, l.dead, l.merged, l.left]), [[6, 0, 2, 4], [5, 1, 1, 3]]);
  assert.deepEqual(a.reduced.layers, [4, 4, 3, 3]);
  assert.equal(a.layers[0]!.bound, 60 * 61);
  // on the training rows and on fresh inputs: the merge criterion holds for every input here
  assert.ok(relativeGap(net, a.reduced, x, 60) < 1e-5, 'training rows');
  const fresh = randomRows(200, 4, 99);
  assert.ok(relativeGap(net, a.reduced, fresh, 200) < 1e-5, 'random inputs');
  // and a net without any redundancy keeps all its neurons
  const plain = analyseNeurons(randomNet(3), x, 60);
  assert.deepEqual(plain.reduced.layers, [4, 6, 5, 3]);
});

test('merging by activations: rows proportional on the training set only are merged, exactly there (not off it)', () => {
  const net = randomNet(5);
  scaleCopy(net, 0, 2, 3, 1.9);
  // neuron 3 also reads input 0, which is zero on every training row
  const layout = layoutOf(net);
  layout.weights(net.theta, 0)[0 * 6 + 3] = 5;
  const x = randomRows(80, 4, 12);
  for (let r = 0; r < 80; r++) x[r * 4] = 0;
  const a = analyseNeurons(net, x, 80);
  assert.equal(a.layers[0]!.merged, 1);
  assert.ok(relativeGap(net, a.reduced, x, 80) < 1e-5, 'exact on the training rows');
  assert.ok(relativeGap(net, a.reduced, randomRows(100, 4, 7), 100) > 1e-3, 'not a merge of the functions');
});

test('numerical rank of K = AᵀA: columns spanning a 2-dimensional space give rank 2', () => {
  const rng = new Rng(1);
  const u = Float64Array.from({ length: 30 }, () => rng.normal());
  const v = Float64Array.from({ length: 30 }, () => rng.normal());
  const cols = [1, -2, 0.5, 3, 0.7].map((s, j) => Float64Array.from(u, (ui, r) => s * ui + (j % 2 ? 1 : -0.4) * v[r]!));
  assert.equal(numericalRank(cols, 30, 1e-6), 2);
  assert.equal(numericalRank([...cols, Float64Array.from({ length: 30 }, () => rng.normal())], 30, 1e-6), 3);
  // more neurons than rows: the smaller Gram (rows × rows) is used
  assert.equal(numericalRank(cols.map((c) => c.subarray(0, 3)), 3, 1e-6), 2);
});

test('a tolerance outside (0, 1) is refused', () => {
  const net = randomNet(1);
  const x = randomRows(5, 4, 1);
  for (const tol of [0, 1, -0.1, 2, NaN]) assert.throws(() => analyseNeurons(net, x, 5, tol), /tol: expected a tolerance strictly between 0 and 1/);
});

test('a neuron with zero in-weights and a positive bias is constant: folded into the next bias, and the rank of K never exceeds the neurons left', () => {
  const net = randomNet(7);
  const layout = layoutOf(net);
  // layer 1: neurons 2 and 5 read nothing and fire relu(b) > 0 on every row; neuron 4 = 1.3 × neuron 0
  const w = layout.weights(net.theta, 0), b = layout.bias(net.theta, 0);
  for (const j of [2, 5]) for (let i = 0; i < 4; i++) w[i * 6 + j] = 0;
  b[2] = 0.8;
  b[5] = 0.3;
  scaleCopy(net, 0, 0, 4, 1.3);
  // layer 2: neuron 1 reads nothing, has bias 0.5 and no out-weights: dead, though its activation is 0.5
  const w2 = layout.weights(net.theta, 1), v2 = layout.weights(net.theta, 2);
  for (let i = 0; i < 6; i++) w2[i * 5 + 1] = 0;
  layout.bias(net.theta, 1)[1] = 0.5;
  for (let o = 0; o < 3; o++) v2[1 * 3 + o] = 0;
  const x = randomRows(50, 4, 21);
  const a = analyseNeurons(net, x, 50);
  const [l1, l2] = a.layers as [LayerNeurons, LayerNeurons];
  assert.deepEqual([l1.dead, l1.constant, l1.merged, l1.left], [0, 2, 1, 3]);
  assert.deepEqual([l2.dead, l2.constant, l2.merged, l2.left, l2.rank], [1, 0, 0, 4, 4]);
  // before the fold the two constants were directions of K of their own: rank 4 over 3 neurons left
  for (const l of a.layers) assert.ok(l.rank <= l.left, `layer ${l.layer}: rank ${l.rank} > left ${l.left}`);
  assert.equal(l1.rank, 3);
  assert.deepEqual(a.reduced.layers, [4, 3, 4, 3]);
  // exact: the constants now sit in layer 2's bias
  assert.ok(relativeGap(net, a.reduced, x, 50) < 1e-5, 'training rows');
  assert.ok(relativeGap(net, a.reduced, randomRows(100, 4, 5), 100) < 1e-5, 'any input (the in-weights were zero)');
});
