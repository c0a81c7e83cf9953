/**
 * Reduction to the few-neuron minimum (Jacot, Golikov, Hongler & Gabriel, NeurIPS 2022). Trained wide networks keep
 * almost all their neurons alive; this finds a much smaller one with about the same regularised
 * objective J = CE + λ Σ‖W‖²:
 *
 *   1. remove the dead and merge the aligned neurons (analyse.ts; exact on the training set);
 *   2. remove the k weakest hidden neurons (smallest ‖in‖·‖out‖, over all hidden layers: at an l2
 *      critical point ‖in‖ = ‖out‖, so this is each neuron's share of the penalty), then retrain
 *      with full-batch Adam on J for `retrainSteps`;
 *   3. keep the result if J ≤ (1 + tolerance)·J_0 (J_0 the unreduced network's), otherwise go
 *      back and halve k; stop when even one neuron cannot go (or after maxRounds).
 *
 * k starts at `removeFraction` of the live neurons, so a width-100 net loses tens per round while
 * far from the limit and one at a time near it (the back-off).
 */
import type { Kernels } from '../kernels/kernels.js';
import { fullBatchProblem, measured, objective, trainL2, type DeviceSplit, type Measured } from '../experiments/train.js';
import { analyseNeurons, type NeuronAnalysis } from './analyse.js';
import { hiddenLayers, keepNeurons, neuronNorms, type Net } from './network.js';

export interface ReduceOptions {
  lambda: number;
  /** Relative slack on J over the unreduced network's. @default 0.05 */
  tolerance: number;
  /** Dead / merge tolerance of step 1 (analyse.ts). @default 1e-6 */
  tol: number;
  /** Adam steps after each removal. @default 300 */
  retrainSteps: number;
  /** Adam learning rate. @default 1e-3 */
  lr: number;
  /** First k as a fraction of the live hidden neurons. @default 0.1 */
  removeFraction: number;
  /** @default 60 */
  maxRounds: number;
}

export interface NetState extends Measured {
  layers: number[];
}

export interface ReduceRound {
  round: number;
  /** Neurons the round tried to remove. */
  removed: number;
  layers: number[];
  objective: number;
  accepted: boolean;
  seconds: number;
}

export interface ReduceReport {
  lambda: number;
  tolerance: number;
  /** (1 + tolerance)·J_0. */
  limit: number;
  before: NetState;
  /** After step 1 only (dead removed, aligned merged, no retraining). */
  pruned: NetState;
  after: NetState;
  analysis: NeuronAnalysis['layers'];
  rounds: ReduceRound[];
  seconds: number;
}

export type ReduceEvent = { type: 'round'; round: ReduceRound; limit: number } | { type: 'start'; before: NetState; pruned: NetState; limit: number };

export function reduceNetwork(
  k: Kernels, net: Net, data: DeviceSplit, o: ReduceOptions, onEvent?: (e: ReduceEvent) => void,
): { report: ReduceReport; reduced: Net } {
  const started = performance.now();
  const x = data.train.x;
  const rows = data.train.rows;
  const measure = (n: Net, withTest: boolean): NetState => {
    const p = fullBatchProblem(k, n.layers, withTest ? data : { train: data.train, test: null });
    const theta = k.alloc(n.theta.length);
    theta.set(n.theta);
    const state = { layers: [...n.layers], ...measured(p, theta, objective(p, theta, o.lambda)) };
    k.free(theta);
    return state;
  };
  const retrain = (n: Net): Net => {
    const p = fullBatchProblem(k, n.layers, { train: data.train, test: null });
    const theta = k.alloc(n.theta.length);
    theta.set(n.theta);
    trainL2(p, theta, o.lambda, o.retrainSteps, o.lr);
    const out = { ...n, theta: Float32Array.from(theta) };
    k.free(theta);
    return out;
  };

  const before = measure(net, true);
  const limit = (1 + o.tolerance) * before.objective;
  const analysis = analyseNeurons(net, x, rows, o.tol);
  let cur = analysis.reduced;
  const pruned = measure(cur, true);
  onEvent?.({ type: 'start', before, pruned, limit });
  const live = (n: Net): number => n.layers.slice(1, -1).reduce((a, b) => a + b, 0);
  let kRemove = Math.max(1, Math.round(o.removeFraction * live(cur)));
  const rounds: ReduceRound[] = [];
  for (let r = 1; r <= o.maxRounds && kRemove >= 1; r++) {
    const t0 = performance.now();
    const trial = removeWeakest(cur, kRemove);
    if (!trial) break;
    const trained = retrain(trial);
    const j = measure(trained, false).objective;
    const accepted = Number.isFinite(j) && j <= limit;
    const round: ReduceRound = { round: r, removed: kRemove, layers: [...trained.layers], objective: j, accepted, seconds: (performance.now() - t0) / 1000 };
    rounds.push(round);
    onEvent?.({ type: 'round', round, limit });
    if (accepted) cur = trained;
    else kRemove = Math.floor(kRemove / 2);
  }
  // retraining can leave new dead or aligned neurons: one more exact pass
  cur = analyseNeurons(cur, x, rows, o.tol).reduced;
  const after = measure(cur, true);
  return {
    report: { lambda: o.lambda, tolerance: o.tolerance, limit, before, pruned, after, analysis: analysis.layers, rounds, seconds: (performance.now() - started) / 1000 },
    reduced: cur,
  };
}

/** The network without its k weakest hidden neurons (every layer keeps one); null if none can go. */
export function removeWeakest(net: Net, k: number): Net | null {
  const all: Array<{ h: number; j: number; s: number }> = [];
  for (let h = 0; h < hiddenLayers(net); h++) {
    const { inNorm, outNorm } = neuronNorms(net, h);
    inNorm.forEach((v, j) => all.push({ h, j, s: v * outNorm[j]! }));
  }
  all.sort((a, b) => a.s - b.s || a.h - b.h || a.j - b.j);
  const left = net.layers.slice(1, -1);
  const drop = net.layers.slice(1, -1).map(() => new Set<number>());
  let n = 0;
  for (const c of all) {
    if (n >= k) break;
    if (left[c.h]! <= 1) continue;
    drop[c.h]!.add(c.j);
    left[c.h]!--;
    n++;
  }
  if (n === 0) return null;
  let out = net;
  for (let h = 0; h < hiddenLayers(net); h++) {
    const keep = Array.from({ length: net.layers[h + 1]! }, (_, j) => j).filter((j) => !drop[h]!.has(j));
    if (keep.length !== net.layers[h + 1]) out = keepNeurons(out, h, keep);
  }
  return out;
}
