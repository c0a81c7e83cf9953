/**
 * Training the spike-and-slab ensemble of subnetworks (Li & Huang's published code; its recipes
 * in options.ts RECIPES):
 *
 *     for each epoch e:  lr_e = lr · ½^⌊e / halveEvery⌋  (lr with halveEvery 0)
 *       for each mini-batch:  g = ∂L/∂(π, m, Ξ) through one noisy mean-field pass (net.ts)
 *                             Adam step on (π, m, Ξ);  m, Ξ ← (1 − lr_e·decay)·(m, Ξ)  (decoupled, AdamW;
 *                             π too with decayPi)
 *                             π ← clip(π, 0, 1);  Ξ ← max(Ξ, 0)
 *
 * Adam keeps its moments across epochs unless adamRestart, which zeroes them (and restarts the
 * bias correction) at each epoch.
 *
 * Each epoch's shuffle and noise come from a generator seeded by (seed, epoch), so a run resumed
 * from a checkpoint repeats exactly what the uninterrupted run would have done.
 */
import { fail } from '../errors.js';
import { kernels as defaultKernels, type Kernels } from '../kernels/index.js';
import type { RunFolder } from '../io/run-folder.js';
import { toDevice, type DeviceData } from '../nn/problem.js';
import { prepareData, type PreparedData } from '../path/prepare.js';
import { Rng } from '../util/rng.js';
import { Evaluator } from './evaluate.js';
import { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from './io.js';
import { clipEnsemble, Ensemble, initEnsemble } from './model.js';
import { EnsembleNet } from './net.js';
import { GaussianNoise } from './noise.js';
import { EnsembleBatches } from './batches.js';
import { dataOptions, type ResolvedEnsembleOptions } from './options.js';

export interface EpochRecord {
  epoch: number;
  lr: number;
  /** Mean loss of the noisy training passes of the epoch. */
  trainLoss: number;
  /** Share of training examples right in those noisy passes. */
  trainAccuracy: number;
  /** Mean-field test accuracy, on the epochs it was measured. */
  testAccuracy?: number;
  seconds: number;
}

export type EnsembleEvent =
  | { type: 'start'; dataset: PreparedData['info']; layers: number[]; epochs: number; resumedEpochs: number; droppedInputs: number }
  | { type: 'epoch'; record: EpochRecord };

export interface TrainedEnsemble {
  ensemble: Ensemble;
  data: PreparedData;
  train: DeviceData;
  test: DeviceData | null;
  history: EpochRecord[];
  /** Wall seconds of training, over resumed sessions. */
  seconds: number;
}

export interface TrainContext {
  k?: Kernels;
  /** Run folder for checkpoints (resume reads its checkpoint). */
  folder?: RunFolder | null;
  resume?: boolean;
  explicitTestFraction: boolean;
  /** Already prepared data (the caller checked it). */
  prepared?: PreparedData;
  onEvent?: (e: EnsembleEvent) => void;
  /** Internal (tests): stop with an INTERRUPTED error after this epoch, as a kill would. */
  stopAfterEpoch?: number;
}

export function prepareEnsembleData(o: ResolvedEnsembleOptions, explicitTestFraction: boolean): PreparedData {
  const data = prepareData(dataOptions(o), explicitTestFraction);
  if (data.info.task !== 'classification') {
    fail('BAD_DATA', `ensemble: ${data.info.name} has a regression target; the ensemble is a classifier (softmax cross-entropy)`);
  }
  return data;
}

export function trainEnsemble(o: ResolvedEnsembleOptions, ctx: TrainContext): TrainedEnsemble {
  const k = ctx.k ?? defaultKernels();
  const started = performance.now();
  const data = ctx.prepared ?? prepareEnsembleData(o, ctx.explicitTestFraction);
  const layers = [data.info.features, ...o.hidden, data.info.classes];
  const e = new Ensemble(layers, k.alloc(3 * countConnections(layers)));
  const grad = new Ensemble(layers, k.alloc(e.flat.length));
  const adamM = k.alloc(e.flat.length), adamV = k.alloc(e.flat.length);
  let history: EpochRecord[] = [];
  let startEpoch = 0;
  let t = 0;
  let priorSeconds = 0;
  if (ctx.resume && ctx.folder?.has(CHECKPOINT_FILE)) {
    const ck = readCheckpoint(ctx.folder, layers, [e.flat, adamM, adamV]);
    ({ epoch: startEpoch, step: t, seconds: priorSeconds } = ck);
    history = ck.history as EpochRecord[];
  } else {
    initEnsemble(e, o.seed);
  }

  const batches = new EnsembleBatches(k, data.train, o.batch);
  const n = data.train.rows;
  const net = new EnsembleNet(k, layers, batches.rows, batches.active);
  const train = toDevice(k, data.train.x, data.train.y, n, data.train.features);
  const test = data.test ? toDevice(k, data.test.x, data.test.y, data.test.rows, data.test.features) : null;
  const evaluator = new Evaluator(k, layers, Math.min(2048, Math.max(test?.rows ?? 0, 1)));
  const noise = new GaussianNoise(0);
  const order = new Int32Array(n);
  const b1 = 0.9, b2 = 0.999, adamEps = 1e-8;
  // the decayed part: m and Ξ, or π, m and Ξ (recipe code2022)
  const mx = e.flat.subarray(o.decayPi ? 0 : e.size, 3 * e.size);

  ctx.onEvent?.({ type: 'start', dataset: data.info, layers, epochs: o.epochs, resumedEpochs: startEpoch, droppedInputs: batches.droppedInputs });
  const elapsed = (): number => priorSeconds + (performance.now() - started) / 1000;
  for (let epoch = startEpoch; epoch < o.epochs; epoch++) {
    const lr = o.lrHalveEvery > 0 ? o.learningRate * Math.pow(0.5, Math.floor(epoch / o.lrHalveEvery)) : o.learningRate;
    const rng = new Rng(epochSeed(o.seed, epoch));
    for (let i = 0; i < n; i++) order[i] = i;
    rng.shuffle(order);
    noise.reseed(rng.nextU32());
    if (o.adamRestart) {
      adamM.fill(0);
      adamV.fill(0);
      t = 0;
    }
    let lossSum = 0, correct = 0;
    for (let s = 0; s < batches.stepsPerEpoch; s++) {
      const b = batches.get(order, s);
      // the clip after the previous step, fused into the pass that derives μ' and v' for this one
      net.prepare(e, true);
      const res = net.lossAndGradient(e, b.x, b.x2, b.y, b.rows, noise, grad, null, b.sparse);
      if (!Number.isFinite(res.loss)) fail('DIVERGED', `ensemble: the training loss became ${res.loss} in epoch ${epoch + 1}; try a smaller --lr`);
      lossSum += res.loss;
      correct += res.correct;
      t++;
      k.adamStep(e.flat.length, e.flat, grad.flat, adamM, adamV, lr, b1, b2, adamEps, 1 - Math.pow(b1, t), 1 - Math.pow(b2, t));
      if (o.decay > 0) k.scale(mx.length, 1 - lr * o.decay, mx);
    }
    clipEnsemble(e);
    const record: EpochRecord = {
      epoch: epoch + 1, lr, trainLoss: lossSum / batches.stepsPerEpoch, trainAccuracy: correct / (batches.stepsPerEpoch * batches.rows), seconds: round(elapsed(), 3),
    };
    if ((epoch + 1) % o.evalEvery === 0 || epoch + 1 === o.epochs) record.testAccuracy = evaluator.meanField(e, test ?? train).accuracy;
    history.push(record);
    ctx.onEvent?.({ type: 'epoch', record });
    if (ctx.folder && ((epoch + 1) % o.checkpointEvery === 0 || epoch + 1 === o.epochs)) {
      writeCheckpoint(ctx.folder, [e.flat, adamM, adamV], { epoch: epoch + 1, step: t, seconds: round(elapsed(), 3), history });
    }
    if (ctx.stopAfterEpoch === epoch + 1) fail('INTERRUPTED', `ensemble: stopped after epoch ${epoch + 1}`);
  }
  const copy = e.clone();
  return { ensemble: copy, data, train, test, history, seconds: round(elapsed(), 3) };
}

export function countConnections(layers: readonly number[]): number {
  let s = 0;
  for (let l = 0; l + 1 < layers.length; l++) s += layers[l]! * layers[l + 1]!;
  return s;
}

/** The generator seed of one epoch (splitmix inside Rng decorrelates neighbours). */
function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed ^ 0x2545f491, 0x9e3779b1) + epoch * 0x6d2b79f5) >>> 0;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
