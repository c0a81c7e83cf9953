/**
 * Small helpers shared by the chart specs: axis scales that follow the data (log where a range
 * spans decades) and the network measures drawn along a path.
 */
import type { LayerWeights } from './load.js';

/**
 * A Vega-Lite scale for these values: log when all are positive and span over two decades;
 * symlog when zeros come with over three decades (non-zero counts 0..16,000); else linear.
 * `linearOnly` keeps an axis linear that readers expect so (the l1 norm, as glmnet plots it).
 */
export function scaleFor(values: Array<number | null | undefined>, linearOnly = false): Record<string, unknown> {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const linear = { zero: false, nice: true };
  if (!xs.length || linearOnly) return linear;
  const pos = xs.filter((v) => v > 0);
  const min = Math.min(...pos), max = Math.max(...xs);
  if (pos.length === xs.length && max / min > 100) return { type: 'log', nice: false, padding: 8 };
  if (pos.length && xs.every((v) => v >= 0) && max / min > 1000) return { type: 'symlog', constant: Math.max(1, min) };
  return linear;
}

/**
 * scaleFor with the domain fixed to the data's extent. Charts whose marked point moves (the
 * explorer's ring) need it: with a data-driven domain every move would re-encode every mark,
 * which takes seconds at 10,000 points; with a fixed one Vega redraws only the ring.
 */
export function fixedScale(values: Array<number | null | undefined>, linearOnly = false): Record<string, unknown> {
  const s = scaleFor(values, linearOnly);
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && (s.type !== 'log' || v > 0));
  if (!xs.length) return s;
  let lo = Math.min(...xs), hi = Math.max(...xs);
  if (lo === hi) [lo, hi] = lo === 0 ? [0, 1] : [lo - Math.abs(lo) / 2, hi + Math.abs(hi) / 2];
  return { ...s, domain: [lo, hi] };
}

/** Per layer: weights that are not exactly zero, and live units (units of layer l+1 with a non-zero weight in and out; inputs with one out). */
export function networkCounts(net: LayerWeights[]): { nonzeros: number[]; live: number[] } {
  const nonzeros = net.map((L) => L.kernel.reduce((n, w) => n + (w !== 0 ? 1 : 0), 0));
  const live: number[] = [];
  for (let l = 0; l < net.length - 1; l++) {
    const a = net[l]!, b = net[l + 1]!;
    let n = 0;
    for (let j = 0; j < a.outputs; j++) {
      let into = a.bias !== null && a.bias[j] !== 0;
      for (let i = 0; i < a.inputs && !into; i++) into = a.kernel[i * a.outputs + j] !== 0;
      let out = false;
      for (let k = 0; k < b.outputs && !out; k++) out = b.kernel[j * b.outputs + k] !== 0;
      if (into && out) n++;
    }
    live.push(n);
  }
  return { nonzeros, live };
}

/** Which inputs feed the network: a non-zero weight out of input i. */
export function liveInputs(first: LayerWeights): boolean[] {
  const out = new Array<boolean>(first.inputs).fill(false);
  for (let i = 0; i < first.inputs; i++) {
    for (let j = 0; j < first.outputs; j++) if (first.kernel[i * first.outputs + j] !== 0) { out[i] = true; break; }
  }
  return out;
}

/** Side of a square image with this many pixels, for image data (at least 8×8); null otherwise. */
export function imageSide(features: number, featureNames: string[] | undefined): number | null {
  const s = Math.round(Math.sqrt(features));
  if (s < 8 || s * s !== features) return null;
  // CSV columns that happen to be a square count are not images unless named as pixels
  const names = featureNames ?? [];
  return names.length === 0 || /pixel|^px|^\d+$/i.test(names[0]!) ? s : null;
}
