/**
 * The width experiment (Jacot, Golikov, Hongler & Gabriel, NeurIPS 2022, figure 1): how wide must an l2-regularised ReLU network be before
 * the regularised objective stops improving? For each width w, depth-3 nets (hidden layers
 * w, w) are trained by full-batch Adam on J = CE + λ Σ‖W‖² from `seeds` initialisations; the best
 * seed's final J is reported against w. The plateau starts at the first width whose J is within
 * `plateau` (relative) of the widest's. Theory allows N(N+1) neurons per layer; in practice the
 * plateau starts far lower (about width 10 for N = 1,000 MNIST digits).
 */
import { kernels as defaultKernels, type Kernels } from '../kernels/index.js';
import { loadExperimentData, type ExperimentDataOptions } from './data.js';
import { fullBatchProblem, initNetwork, measured, objective, toDeviceSplit, trainL2, type InitName, type Measured } from './train.js';
import type { Net } from '../neurons/network.js';

export const WIDTHS_FORMAT = 'regpath.widths/1';

export interface WidthsOptions extends ExperimentDataOptions {
  widths: number[];
  /** Hidden layers of width w (depth = hidden + 1). @default 2 */
  hidden: number;
  lambda: number;
  steps: number;
  seeds: number;
  /** The plateau starts at the first width within this fraction of the widest's objective. @default 0.10 */
  plateau: number;
  /** Adam learning rate. @default 1e-3 */
  lr: number;
  init: InitName;
}

/** One width: the measures (J = CE + λ Σ‖W‖² on the N training rows, its parts, accuracies) of its best seed. */
export interface WidthRow extends Measured {
  width: number;
  bestSeed: number;
  /** J of every seed, in seed order. */
  seedObjectives: number[];
  seconds: number;
}

export interface WidthsSummary {
  format: typeof WIDTHS_FORMAT;
  data: string;
  trainRows: number;
  testRows: number;
  rows: WidthRow[];
  /** First width within `plateau` of the widest's objective. */
  plateauWidth: number;
  /** N(N+1), the theorem's bound on the neurons needed per layer. */
  bound: number;
  seconds: number;
}

export type WidthsEvent =
  | { type: 'start'; widths: number[]; seeds: number; trainRows: number; testRows: number; totalWork: number }
  | { type: 'step'; width: number; seed: number; step: number; steps: number; work: number }
  | { type: 'seed'; width: number; seed: number; objective: number; work: number };

/** Init seed of (width, seed number s = 1..seeds): fixed, so any width can be re-run alone. */
export function initSeed(seed: number, width: number, s: number): number {
  return (seed * 7919 + width * 101 + s) >>> 0;
}

export function runWidths(
  o: WidthsOptions, onProgress?: (e: WidthsEvent) => void, onNetwork?: (width: number, net: Net, row: WidthRow) => void,
  k: Kernels = defaultKernels(),
): WidthsSummary {
  const started = performance.now();
  const data = loadExperimentData(o);
  const dev = toDeviceSplit(k, data.train, data.test);
  const features = data.train.features;
  // work ∝ parameters × steps (the cost of a full-batch step is proportional to the parameters)
  const params = (w: number): number => features * w + (o.hidden - 1) * w * w + w * data.classes;
  const totalWork = o.widths.reduce((s, w) => s + params(w) * o.steps * o.seeds, 0);
  onProgress?.({ type: 'start', widths: o.widths, seeds: o.seeds, trainRows: data.train.rows, testRows: data.test?.rows ?? 0, totalWork });
  let work = 0;
  const rows: WidthRow[] = [];
  for (const w of o.widths) {
    const t0 = performance.now();
    const layers = [features, ...Array<number>(o.hidden).fill(w), data.classes];
    const problem = fullBatchProblem(k, layers, dev);
    const theta = k.alloc(problem.mlp.layout.size);
    let best: { j: ReturnType<typeof objective>; theta: Float32Array; s: number } | null = null;
    const seedObjectives: number[] = [];
    for (let s = 1; s <= o.seeds; s++) {
      initNetwork(problem.mlp.layout, o.init, initSeed(o.seed, w, s), theta);
      const base = work;
      trainL2(problem, theta, o.lambda, o.steps, o.lr, (step) => {
        onProgress?.({ type: 'step', width: w, seed: s, step, steps: o.steps, work: base + params(w) * step });
      }, 200);
      work = base + params(w) * o.steps;
      const j = objective(problem, theta, o.lambda);
      seedObjectives.push(j.objective);
      onProgress?.({ type: 'seed', width: w, seed: s, objective: j.objective, work });
      // a diverged seed (NaN) never wins
      if (Number.isFinite(j.objective) && (!best || j.objective < best.j.objective)) best = { j, theta: Float32Array.from(theta), s };
    }
    if (!best) best = { j: objective(problem, theta, o.lambda), theta: Float32Array.from(theta), s: 1 };
    theta.set(best.theta); // kernels work on their own buffers
    const row: WidthRow = {
      width: w, ...measured(problem, theta, best.j), bestSeed: best.s, seedObjectives,
      seconds: (performance.now() - t0) / 1000,
    };
    rows.push(row);
    onNetwork?.(w, { layers, activation: 'relu', theta: best.theta }, row);
    k.free(theta);
  }
  return {
    format: WIDTHS_FORMAT, data: data.name, trainRows: data.train.rows, testRows: data.test?.rows ?? 0,
    rows, plateauWidth: plateauStart(rows, o.plateau), bound: data.train.rows * (data.train.rows + 1),
    seconds: (performance.now() - started) / 1000,
  };
}

/** The first width (ascending) whose objective is within `plateau` (relative) of the widest's. */
export function plateauStart(rows: readonly { width: number; objective: number }[], plateau: number): number {
  const sorted = [...rows].sort((a, b) => a.width - b.width);
  const widest = sorted[sorted.length - 1]!.objective;
  return sorted.find((r) => r.objective <= (1 + plateau) * widest)!.width;
}
