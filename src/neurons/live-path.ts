/**
 * `regpath neurons RUN` on a run of --arch with image layers: the live units of every layer with
 * parameters (a Conv2D channel counts as one neuron; see nn/live-units.ts) at each front point,
 * from the sparse end to the dense end. The l2 analysis (merging, rank of K) is for MLPs.
 */
import { loadRunModel, openRun } from '../export/run.js';
import { liveUnits } from '../nn/live-units.js';
import { Mlp } from '../nn/mlp.js';
import { createJsKernels } from '../kernels/index.js';

export interface LiveAlongPath {
  format: 'regpath.live-units/1';
  run: string;
  arch: string;
  /** Units of each layer with parameters (channels for Conv2D), e.g. [6, 16, 32, 10]. */
  units: number[];
  points: Array<{ point: number; l1: number; nonzeros: number; live: number[] }>;
}

/** null when the run is not an --arch run with image layers. */
export function liveAlongPath(dir: string): LiveAlongPath | null {
  const run = openRun(dir);
  if (run.summary.model.arch === undefined) return null;
  let units: number[] = [];
  const points = run.summary.points.map((p, i) => {
    const { network } = loadRunModel(run, i);
    const layout = new Mlp(createJsKernels(), network!.arch, 1).layout;
    units = layout.kernelShapes.map((s) => s[s.length - 1]!);
    return { point: i, l1: p.l1, nonzeros: p.nonzeros, live: liveUnits(layout, network!.theta) };
  });
  return { format: 'regpath.live-units/1', run: dir, arch: run.summary.model.arch, units, points };
}

export function formatLiveAlongPath(r: LiveAlongPath): string {
  let s = `\n${r.run}: ${r.arch}, live units per layer (a channel of a convolution is one unit; of ${r.units.join(' / ')})\n\n`;
  s += '  point        l1  non-zeros  live\n';
  for (const p of r.points) s += `  ${String(p.point).padStart(5)}  ${p.l1.toFixed(3).padStart(8)}  ${String(p.nonzeros).padStart(9)}  ${p.live.join(' / ')}\n`;
  return s;
}
