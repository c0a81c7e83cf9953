/**
 * l1 or l2? Accuracy and live neurons at matched numbers of non-zero weights. On one data set and architecture: the l1 path (any l1 path method, or
 * an existing run) and the l2 (weight-decay) path, compared at matched numbers of non-zero weights.
 *
 * For each target share f of the weights (50 %, 20 %, … 1 %), T = round(f · weights):
 * - l1: of the front points with at most T non-zeros (the path makes its own zeros; no pruning),
 *   the one with the lowest training loss — not the densest: several points can share a count,
 *   and the one with the smallest l1 among them has the highest loss;
 * - l2: every point of the l2 front magnitude-pruned to its T largest |w| (weights of all layers
 *   together, biases untouched, no retraining); of these the one with the lowest TRAINING loss is
 *   taken — chosen without looking at the test set, like the l1 point.
 * Reported for both: non-zeros, training loss, test accuracy and live neurons per hidden layer
 * (a neuron is live when it has a non-zero in-weight and a non-zero out-weight).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import type { Kernels } from '../kernels/kernels.js';
import { openPathRun, readPointWeights } from '../io/run.js';
import type { Architecture } from '../nn/mlp.js';
import { Problem, toDevice } from '../nn/problem.js';
import { tensorsToParameters } from '../nn/serialize.js';
import { computePath, type ComputePathOptions, type PathResult } from '../path/compute-path.js';
import { checkPathOptions } from '../path/options.js';
import { prepareData } from '../path/prepare.js';
import type { PathSummary } from '../path/result.js';
import { ParameterLayout } from '../nn/layout.js';

export const DEFAULT_TARGETS = [0.5, 0.2, 0.1, 0.05, 0.02, 0.01];

export interface L1VsL2Options {
  data: string;
  hidden: number[];
  seed: number;
  targets: number[];
  /** An existing l1 path run to use instead of computing one. */
  l1Run: string | null;
  /** Method of the l1 path when it is computed. @default 'continuation' */
  l1Method: string;
  /** Points of the l1 path (continuation), λ values of the l2 sweep. */
  points: number;
  nlambda: number;
  /** Sweep fit epochs (l1 sweep and l2). @default 50 */
  fitEpochs: number | null;
}

export interface Pick {
  /** Index into the path's front (path.json points). */
  point: number;
  lambda: number | null;
  nonzeros: number;
  trainLoss: number;
  testAccuracy: number;
  liveNeurons: number[];
}

export interface TargetRow {
  fraction: number;
  target: number;
  l1: Pick | null;
  l2: Pick | null;
  /** 'l1', 'l2', 'tie' (within 0.1 percentage points) or '' when a side has no point. */
  better: string;
}

export interface L1VsL2Summary {
  format: 'regpath.l1-vs-l2/1';
  layers: number[];
  weights: number;
  rows: TargetRow[];
  l1: { method: string; points: number; seconds: number; run: string | null };
  l2: { points: number; seconds: number; run: string | null };
  seconds: number;
}

export type L1VsL2Event = { type: 'stage'; text: string } | { type: 'path'; which: 'l1' | 'l2'; e: Parameters<NonNullable<ComputePathOptions['onProgress']>>[0] };

/** `outFor(which)`: the run folder of that path (asked only once the data has loaded), or none. */
export async function l1VsL2(
  o: L1VsL2Options, k: Kernels, onEvent?: (e: L1VsL2Event) => void, outFor?: (which: 'l1' | 'l2') => string,
): Promise<L1VsL2Summary> {
  const started = performance.now();
  const common = { data: o.data, hidden: o.hidden, seed: o.seed, kernels: k };
  let l1: { front: PathSummary['points']; params: Float32Array[]; method: string; seconds: number; run: string | null };
  const prepared = prepareData(checkPathOptions({ data: o.data, hidden: o.hidden, seed: o.seed }), false);
  const arch: Architecture = { layers: [prepared.info.features, ...o.hidden, prepared.info.classes], activation: 'relu', loss: 'cross-entropy' };
  if (prepared.info.task !== 'classification') fail('BAD_DATA', `${prepared.info.name}: l1-vs-l2 compares test accuracy and needs a classification data set`);
  if (o.l1Run) {
    l1 = { ...readL1Run(o.l1Run, arch, prepared.info.name, prepared.info.train), seconds: 0, run: o.l1Run };
  } else {
    onEvent?.({ type: 'stage', text: `l1 path (${o.l1Method})` });
    const r = await computePath({
      ...common, method: o.l1Method, points: o.points, nlambda: o.nlambda, ...(o.fitEpochs !== null && { fitEpochs: o.fitEpochs }),
      ...(outFor && { out: outFor('l1') }), onProgress: (e) => onEvent?.({ type: 'path', which: 'l1', e }),
    });
    l1 = { front: r.points, params: r.parameters, method: r.method, seconds: r.seconds, run: r.out };
  }
  onEvent?.({ type: 'stage', text: 'l2 path (sweep)' });
  const l2: PathResult = await computePath({
    ...common, penalty: 'l2', nlambda: o.nlambda, ...(o.fitEpochs !== null && { fitEpochs: o.fitEpochs }),
    ...(outFor && { out: outFor('l2') }), onProgress: (e) => onEvent?.({ type: 'path', which: 'l2', e }),
  });

  onEvent?.({ type: 'stage', text: 'pruning and evaluating' });
  const train = toDevice(k, prepared.train.x, prepared.train.y, prepared.train.rows, prepared.train.features);
  const test = toDevice(k, prepared.test!.x, prepared.test!.y, prepared.test!.rows, prepared.test!.features);
  const problem = new Problem(k, arch, train, test, train.rows, o.seed);
  const layout = problem.mlp.layout;
  const weights = layout.weightCount;
  const theta = k.alloc(layout.size);
  const evaluate = (p: Float32Array, point: number, lambda: number | null): Pick => {
    theta.set(p);
    const tr = problem.evaluate(theta);
    const te = problem.evaluate(theta, problem.test!);
    return { point, lambda, nonzeros: k.countNonzero(weights, theta), trainLoss: tr.loss, testAccuracy: te.accuracy ?? 0, liveNeurons: liveNeurons(layout, theta) };
  };
  const rows: TargetRow[] = o.targets.map((fraction) => {
    const target = Math.round(fraction * weights);
    const i1 = pickWithinBudget(l1.front, target);
    const a = i1 >= 0 ? evaluate(l1.params[i1]!, i1, l1.front[i1]!.lambda) : null;
    // l2: each front point pruned to the budget; the lowest training loss wins
    let b: Pick | null = null;
    l2.points.forEach((p, i) => {
      if (p.nonzeros === 0) return;
      const pick = evaluate(magnitudePrune(l2.parameters[i]!, weights, target), i, p.lambda);
      if (!b || pick.trainLoss < b.trainLoss) b = pick;
    });
    const bb = b as Pick | null;
    const better = !a || !bb ? '' : Math.abs(a.testAccuracy - bb.testAccuracy) < 0.001 ? 'tie' : a.testAccuracy > bb.testAccuracy ? 'l1' : 'l2';
    return { fraction, target, l1: a, l2: bb, better };
  });
  k.free(theta);
  return {
    format: 'regpath.l1-vs-l2/1', layers: arch.layers, weights, rows,
    l1: { method: l1.method, points: l1.front.length, seconds: l1.seconds, run: l1.run },
    l2: { points: l2.points.length, seconds: l2.seconds, run: l2.out },
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Index of the point with the lowest training loss among those with at most `budget` non-zeros
 * (ties on the loss: the fewer non-zeros), or -1 when none fits.
 */
export function pickWithinBudget(front: ReadonlyArray<{ nonzeros: number; trainLoss: number }>, budget: number): number {
  let best = -1;
  front.forEach((p, i) => {
    if (p.nonzeros > budget) return;
    const b = front[best];
    if (!b || p.trainLoss < b.trainLoss || (p.trainLoss === b.trainLoss && p.nonzeros < b.nonzeros)) best = i;
  });
  return best;
}

/** θ with all but the `keep` largest |w| of the first `n` entries (the weights) set to 0. */
export function magnitudePrune(theta: Float32Array, n: number, keep: number): Float32Array {
  const out = Float32Array.from(theta);
  if (keep >= n) return out;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => Math.abs(theta[b]!) - Math.abs(theta[a]!) || a - b);
  for (let r = keep; r < n; r++) out[order[r]!] = 0;
  return out;
}

/** Hidden neurons with at least one non-zero in-weight and one non-zero out-weight, per layer. */
export function liveNeurons(layout: ParameterLayout, theta: Float32Array): number[] {
  const live: number[] = [];
  for (let h = 0; h + 1 < layout.depth; h++) {
    const w = layout.weights(theta, h), v = layout.weights(theta, h + 1);
    const width = layout.fanOut(h), next = layout.fanOut(h + 1);
    let n = 0;
    for (let j = 0; j < width; j++) {
      let hasIn = false, hasOut = false;
      for (let i = 0; i < layout.fanIn(h) && !hasIn; i++) hasIn = w[i * width + j] !== 0;
      for (let o = 0; o < next && !hasOut; o++) hasOut = v[j * next + o] !== 0;
      if (hasIn && hasOut) n++;
    }
    live.push(n);
  }
  return live;
}

function readL1Run(dir: string, arch: Architecture, dataName: string, trainRows: number): { front: PathSummary['points']; params: Float32Array[]; method: string } {
  const file = path.join(dir, 'path.json');
  if (!fs.existsSync(path.join(dir, 'settings.json')) || !fs.existsSync(file)) fail('BAD_RUN', `--l1 ${dir} is not a regpath path run (no settings.json or path.json)`);
  const opened = openPathRun(dir);
  const s = opened.summary as unknown as PathSummary;
  if ((s.objective?.penalty ?? 'l1') !== 'l1') fail('BAD_RUN', `--l1 ${dir} is an ${s.objective.penalty} path, not an l1 path`);
  if (s.model.layers.join(',') !== arch.layers.join(',') || s.model.activation !== 'relu') {
    fail('BAD_RUN', `--l1 ${dir} has layers ${s.model.layers.join('-')} (${s.model.activation}), expected ${arch.layers.join('-')} (relu): pass the same --hidden`);
  }
  if (s.dataset.name !== dataName || s.dataset.train !== trainRows) fail('BAD_RUN', `--l1 ${dir} was run on ${s.dataset.name} (${s.dataset.train} training rows), not ${dataName} (${trainRows})`);
  if (s.points.length === 0) fail('BAD_RUN', `--l1 ${dir} has no network (its front has no points yet)`);
  const layout = new ParameterLayout(arch.layers);
  const params = s.points.map((_, i) => {
    const { file: wf, content } = readPointWeights(opened, i);
    const t = new Float32Array(layout.size);
    tensorsToParameters(layout, content.tensors, t, wf);
    return t;
  });
  return { front: s.points, params, method: s.method };
}
