/**
 * Perturbation checks of the ensemble's first layer (Li & Huang): for each fraction f,
 *  (a) important: π ← 1 on a random fraction f of the very important connections (removes them);
 *  (b) variable:  π ← 1 on as many variable connections as (a) removed (capped at all of them);
 *  (c) unimportant: in each sampled network, a random fraction f of the unimportant connections
 *      (which are always 0) get N(0,1) values instead, on the scale of m (the network divides by √N).
 * Each cell is the test accuracy averaged over `samples` sampled networks; every sampled network
 * draws its own random subset, so the average is over subsets as well as over networks.
 */
import type { DeviceData } from '../nn/problem.js';
import { Rng } from '../util/rng.js';
import { IMPORTANT, UNIMPORTANT, VARIABLE, layerCodes } from './categories.js';
import type { Evaluator } from './evaluate.js';
import { meanStd } from './evaluate.js';
import { sampleWeights, type Ensemble } from './model.js';

export interface PerturbRow {
  fraction: number;
  /** Connections removed in (a) and (b), replaced in (c). */
  importantRemoved: number;
  variableRemoved: number;
  unimportantReplaced: number;
  importantAccuracy: number;
  importantStd: number;
  variableAccuracy: number;
  variableStd: number;
  unimportantAccuracy: number;
  unimportantStd: number;
}

/** Indices (into layer 0) of each category. */
export function categoryIndices(e: Ensemble, layer = 0): { important: Int32Array; unimportant: Int32Array; variable: Int32Array } {
  const codes = layerCodes(e, layer);
  const pick = (c: number): Int32Array => Int32Array.from(codes.reduce<number[]>((a, v, i) => (v === c && a.push(i), a), []));
  return { important: pick(IMPORTANT), unimportant: pick(UNIMPORTANT), variable: pick(VARIABLE) };
}

/** `count` distinct entries of `from`, uniformly at random (partial Fisher-Yates on a copy). */
export function chooseSubset(from: Int32Array, count: number, rng: Rng): Int32Array {
  const a = Int32Array.from(from);
  const c = Math.min(count, a.length);
  for (let i = 0; i < c; i++) {
    const j = i + rng.int(a.length - i);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.subarray(0, c);
}

/** How many connections fraction f of n means (rounded to nearest). */
export function countFor(f: number, n: number): number {
  return Math.round(f * n);
}

export function perturbationTable(
  e: Ensemble, ev: Evaluator, test: DeviceData, fractions: number[], samples: number, seed: number,
): PerturbRow[] {
  const cats = categoryIndices(e, 0);
  const pi0 = e.pi(0);
  const saved = Float32Array.from(pi0);
  const w0 = ev.weights[0]!;
  const scale0 = 1 / Math.sqrt(e.fanIn(0));
  const rows: PerturbRow[] = [];
  fractions.forEach((f, fi) => {
    const nImp = countFor(f, cats.important.length);
    const nVar = Math.min(nImp, cats.variable.length);
    const nUnimp = countFor(f, cats.unimportant.length);
    const acc = { important: [] as number[], variable: [] as number[], unimportant: [] as number[] };
    // one generator per (fraction, kind): the three columns are reproducible independently
    for (const kind of ['important', 'variable', 'unimportant'] as const) {
      const rng = new Rng((seed ^ Math.imul(fi + 1, 0x9e3779b1) ^ (kind.length << 20)) >>> 0);
      for (let s = 0; s < samples; s++) {
        if (kind === 'unimportant') {
          sampleWeights(e, rng, ev.weights);
          for (const i of chooseSubset(cats.unimportant, nUnimp, rng)) w0[i] = scale0 * rng.normal();
        } else {
          const chosen = chooseSubset(kind === 'important' ? cats.important : cats.variable, kind === 'important' ? nImp : nVar, rng);
          for (const i of chosen) pi0[i] = 1;
          sampleWeights(e, rng, ev.weights);
          pi0.set(saved);
        }
        acc[kind].push(ev.evaluate(test).accuracy);
      }
    }
    const a = meanStd(acc.important), v = meanStd(acc.variable), u = meanStd(acc.unimportant);
    rows.push({
      fraction: f, importantRemoved: nImp, variableRemoved: nVar, unimportantReplaced: nUnimp,
      importantAccuracy: a.mean, importantStd: a.std, variableAccuracy: v.mean, variableStd: v.std,
      unimportantAccuracy: u.mean, unimportantStd: u.std,
    });
  });
  return rows;
}

export const PERTURB_COLUMNS = [
  'fraction', 'importantRemoved', 'importantAccuracy', 'importantStd', 'variableRemoved', 'variableAccuracy', 'variableStd',
  'unimportantReplaced', 'unimportantAccuracy', 'unimportantStd',
] as const;

export function formatPerturbTable(rows: PerturbRow[]): string {
  const pct = (x: number): string => (100 * x).toFixed(2).padStart(6);
  const lines = [
    'perturbation of layer 0 (test accuracy %, mean over sampled networks)',
    '     f | important removed      | variable removed       | unimportant → N(0,1)',
  ];
  for (const r of rows) {
    lines.push(
      `${r.fraction.toFixed(2).padStart(6)} | ${String(r.importantRemoved).padStart(6)}  ${pct(r.importantAccuracy)} ±${(100 * r.importantStd).toFixed(2)} ` +
        `| ${String(r.variableRemoved).padStart(6)}  ${pct(r.variableAccuracy)} ±${(100 * r.variableStd).toFixed(2)} ` +
        `| ${String(r.unimportantReplaced).padStart(6)}  ${pct(r.unimportantAccuracy)} ±${(100 * r.unimportantStd).toFixed(2)}`,
    );
  }
  return lines.join('\n') + '\n';
}
