import type { Ensemble } from './model.js';

/**
 * The three kinds of connection (Li & Huang 2020: very important π = 0 and Ξ = 0, unimportant π = 1, variable otherwise), decided on exact values, since π is clipped to
 * [0, 1] and Ξ to ≥ 0 after each step and so reaches the bounds exactly:
 * very important: π = 0 and Ξ = 0 (always present, always the same weight m);
 * unimportant: π = 1 (never present); variable: everything else.
 */
export const IMPORTANT = 0;
export const UNIMPORTANT = 1;
export const VARIABLE = 2;

export function categoryOf(pi: number, xi: number): number {
  if (pi === 1) return UNIMPORTANT;
  if (pi === 0 && xi === 0) return IMPORTANT;
  return VARIABLE;
}

export interface LayerCategories {
  layer: number;
  connections: number;
  important: number;
  unimportant: number;
  variable: number;
  importantFraction: number;
  unimportantFraction: number;
  variableFraction: number;
}

/** Category codes of layer l's connections (same order as its π). */
export function layerCodes(e: Ensemble, l: number): Uint8Array {
  const pi = e.pi(l), xi = e.xi(l);
  const out = new Uint8Array(pi.length);
  for (let i = 0; i < pi.length; i++) out[i] = categoryOf(pi[i]!, xi[i]!);
  return out;
}

/** Category codes of every connection, layers in order (the order of Ensemble.piAll). */
export function allCodes(e: Ensemble): Uint8Array {
  const out = new Uint8Array(e.size);
  for (let l = 0; l < e.depth; l++) out.set(layerCodes(e, l), e.offsets[l]!);
  return out;
}

export function countCategories(e: Ensemble): LayerCategories[] {
  const out: LayerCategories[] = [];
  for (let l = 0; l < e.depth; l++) {
    const codes = layerCodes(e, l);
    const c = [0, 0, 0];
    for (const k of codes) c[k]!++;
    const n = codes.length;
    out.push({
      layer: l, connections: n, important: c[IMPORTANT]!, unimportant: c[UNIMPORTANT]!, variable: c[VARIABLE]!,
      importantFraction: c[IMPORTANT]! / n, unimportantFraction: c[UNIMPORTANT]! / n, variableFraction: c[VARIABLE]! / n,
    });
  }
  return out;
}

export interface Histogram {
  layer: number;
  quantity: 'pi' | 'm' | 'xi';
  /** bins + 1 edges, ascending. */
  edges: number[];
  counts: number[];
}

/** Histograms of π (on [0, 1]), m and Ξ (on each layer's own [min, max]) with `bins` equal bins. */
export function histograms(e: Ensemble, bins = 40): Histogram[] {
  const out: Histogram[] = [];
  for (let l = 0; l < e.depth; l++) {
    for (const [quantity, v] of [['pi', e.pi(l)], ['m', e.m(l)], ['xi', e.xi(l)]] as const) {
      let lo = Infinity, hi = -Infinity;
      for (const x of v) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      if (quantity === 'pi') {
        lo = 0;
        hi = 1;
      }
      if (!(hi > lo)) hi = lo + 1;
      const counts = new Array<number>(bins).fill(0);
      const w = (hi - lo) / bins;
      for (const x of v) counts[Math.min(bins - 1, Math.max(0, Math.floor((x - lo) / w)))]!++;
      out.push({ layer: l, quantity, edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * w), counts });
    }
  }
  return out;
}
