import type { Kernels } from '../kernels/kernels.js';
import { Problem, toDevice, type DeviceData } from '../nn/problem.js';
import type { Architecture } from '../nn/mlp.js';
import { Adam } from '../optim/optimizer.js';
import type { Dataset } from '../data/index.js';
import type { ParameterLayout } from '../nn/layout.js';
import { initParameters } from '../nn/init.js';
import { Rng } from '../util/rng.js';

/**
 * The l2-regularised objective of the width and neuron experiments (Jacot, Golikov, Hongler & Gabriel, NeurIPS 2022):
 *
 *     J(θ) = L(θ) + λ Σ_ℓ ‖W_ℓ‖²_F
 *
 * L the mean cross-entropy over the training rows, the sum over every weight matrix (the output
 * layer's too), biases not penalised — the usual reading of "CE + λ‖W‖²" in the PyTorch reference.
 */
export function objective(problem: Problem, theta: Float32Array, lambda: number): { loss: number; penalty: number; objective: number } {
  const n = problem.mlp.layout.weightCount;
  const loss = problem.evaluate(theta).loss;
  const penalty = problem.k.dot(n, theta, theta);
  return { loss, penalty, objective: loss + lambda * penalty };
}

/** A trained network's numbers: J and its parts on the training rows, and its accuracies. */
export interface Measured {
  objective: number;
  loss: number;
  penalty: number;
  trainAccuracy: number;
  /** null without a test part. */
  testAccuracy: number | null;
}

/** Measured of θ, whose objective(problem, θ, λ) the caller has computed as `j`. */
export function measured(problem: Problem, theta: Float32Array, j: ReturnType<typeof objective>): Measured {
  const train = problem.evaluate(theta);
  const test = problem.test ? problem.evaluate(theta, problem.test) : null;
  return { objective: j.objective, loss: j.loss, penalty: j.penalty, trainAccuracy: train.accuracy ?? 0, testAccuracy: test?.accuracy ?? null };
}

/** Training and test rows in kernel memory, made once and shared by every network trained on them. */
export interface DeviceSplit {
  train: DeviceData;
  test: DeviceData | null;
}

export function toDeviceSplit(k: Kernels, train: Dataset, test: Dataset | null): DeviceSplit {
  return {
    train: toDevice(k, train.x, train.y, train.rows, train.features),
    test: test ? toDevice(k, test.x, test.y, test.rows, test.features) : null,
  };
}

/** A full-batch problem on the shared device data (no mini-batches: every step sees all N rows). */
export function fullBatchProblem(k: Kernels, layers: number[], data: DeviceSplit, seed = 1): Problem {
  const arch: Architecture = { layers, activation: 'relu', loss: 'cross-entropy' };
  return new Problem(k, arch, data.train, data.test, data.train.rows, seed);
}

/**
 * Full-batch Adam (lr, β = 0.9/0.999, ε = 1e-8) on J(θ) for `steps` steps, in place. The penalty
 * enters the gradient (2λW added to ∇L: PyTorch's Adam weight_decay is the same thing with λ' = 2λ),
 * not as decoupled decay. `onStep` is called every `every` steps with the step count.
 */
export function trainL2(
  problem: Problem, theta: Float32Array, lambda: number, steps: number, lr = 1e-3,
  onStep?: (step: number) => void, every = 100,
): void {
  const k = problem.k;
  const layout = problem.mlp.layout;
  const grad = k.alloc(layout.size);
  const adam = new Adam(k, layout.size, lr);
  const batch = { x: problem.train.x, y: problem.train.y, rows: problem.train.rows };
  for (let s = 1; s <= steps; s++) {
    problem.lossAndGradient(theta, batch, grad);
    k.axpy(layout.weightCount, 2 * lambda, theta, grad);
    adam.step(theta, grad);
    if (onStep && (s % every === 0 || s === steps)) onStep(s);
  }
  k.free(grad);
}

/** Initialisation of the experiments' networks. */
export type InitName = 'torch' | 'he';

/**
 * Seeded initial parameters. 'torch' is PyTorch's nn.Linear default (what the reference numbers
 * used): weights and biases uniform on ±1/√fan_in (kaiming_uniform with a = √5). 'he' is regpath's
 * own (He normal weights, zero biases; nn/init.ts).
 */
export function initNetwork(layout: ParameterLayout, init: InitName, seed: number, theta: Float32Array): void {
  if (init === 'he') {
    initParameters(layout, 'relu', seed, theta);
    return;
  }
  const rng = new Rng(seed);
  for (let l = 0; l < layout.depth; l++) {
    const bound = 1 / Math.sqrt(layout.fanIn(l));
    const w = layout.weights(theta, l);
    for (let i = 0; i < w.length; i++) w[i] = bound * (2 * rng.uniform() - 1);
    const b = layout.bias(theta, l);
    for (let i = 0; i < b.length; i++) b[i] = bound * (2 * rng.uniform() - 1);
  }
}
