/**
 * The front explorer's data: per front point its numbers and, for drawing, its network with every
 * weight in one signed byte. Byte 0 is kept for exact zeros only (a non-zero weight never rounds
 * to 0), so the live connections drawn are exactly the run's; magnitudes are to 1/127 of the
 * layer's largest |w|, which is all a line width or a pixel shade can show.
 */
import type { PathRun } from './load.js';
import { pointNumbers, selectedPoints } from './charts.js';
import { imageSide } from './scales.js';

/** Networks beyond this many points are left out (numbers stay); ~16k weights each is ~22 kB of base64. */
export const MAX_EXPLORER_NETWORKS = 200;

export interface ExplorerLayer { inputs: number; outputs: number; scale: number; q: string }
export interface ExplorerData {
  points: Array<{ point: number; raw: number; numbers: Record<string, number | null>; layers: ExplorerLayer[] | null }>;
  /** Side of the square input images (first-layer weights drawn as pictures), or null. */
  imageSide: number | null;
  penalty: string;
  selected: Array<{ point: number; label: string }>;
  /** Front point the slider starts at: the selected one, else the densest. */
  start: number;
}

export function explorerData(run: PathRun): ExplorerData {
  const n = run.summary.points.length;
  const every = Math.max(1, Math.ceil(n / MAX_EXPLORER_NETWORKS));
  const ds = run.summary.dataset;
  const selected = selectedPoints(run);
  const points = run.summary.points.map((p, i) => {
    const net = run.networks[i];
    const keep = net && (i % every === 0 || i === n - 1 || selected.some((s) => s.point === i));
    return { point: i, raw: p.index, numbers: pointNumbers(p), layers: keep ? net.map((L) => quantise(L.kernel, L.inputs, L.outputs)) : null };
  });
  return {
    points, imageSide: imageSide(ds?.features ?? run.networks.find((x) => x)?.[0]?.inputs ?? 0, ds?.featureNames),
    penalty: run.summary.objective?.penalty ?? 'l1', selected, start: selected[0]?.point ?? Math.max(0, n - 1),
  };
}

function quantise(w: Float32Array, inputs: number, outputs: number): ExplorerLayer {
  let max = 0;
  for (const x of w) max = Math.max(max, Math.abs(x));
  const bytes = new Int8Array(w.length);
  if (max > 0) {
    for (let i = 0; i < w.length; i++) {
      const x = w[i]!;
      if (x !== 0) bytes[i] = Math.sign(x) * Math.max(1, Math.round((Math.abs(x) / max) * 127));
    }
  }
  return { inputs, outputs, scale: max / 127, q: Buffer.from(bytes.buffer).toString('base64') };
}
