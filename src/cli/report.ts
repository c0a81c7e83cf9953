import type { PathResult } from '../path/compute-path.js';

const pct = (x: number | undefined): string => (x === undefined ? '' : `${(100 * x).toFixed(1)}%`);

/** The human-readable end of a path run: the front as a table and its measures. */
export function formatSummary(r: PathResult): string {
  const l2 = r.objective.penalty === 'l2';
  const rows = r.points.map((p) => [
    String(p.index), ...(l2 ? [(p.l2squared ?? 0).toPrecision(5)] : []), p.l1.toPrecision(5), String(p.nonzeros), String(p.effectiveNonzeros ?? ''), p.trainLoss.toPrecision(4),
    p.testLoss?.toPrecision(4) ?? '', pct(p.trainAccuracy), pct(p.testAccuracy),
  ]);
  const head = ['point', ...(l2 ? ['‖θ‖²'] : []), 'l1', 'nonzeros', 'effective', 'train loss', 'test loss', 'train acc', 'test acc'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ') + '\n';
  const m = r.metrics;
  let s = '\n' + line(head) + rows.map(line).join('');
  s += `\n${r.points.length} front points (${m.dominatedDropped} dominated dropped) in ${r.seconds.toFixed(1)} s\n`;
  const ref = l2 ? `‖θ‖²/${(m.l2Ref ?? 0).toPrecision(4)}` : `l1/${(m.l1Ref ?? 0).toPrecision(4)}`;
  s += `hypervolume (loss/${m.nullLoss.toPrecision(4)}, ${ref}, ref 1.1,1.1): train ${m.hypervolumeTrain.toFixed(4)}`;
  s += m.hypervolumeTest !== undefined ? `, test ${m.hypervolumeTest.toFixed(4)}\n` : '\n';
  s += `largest gap between neighbours: ${m.largestGap.toFixed(4)}\n`;
  if (m.bestTestAccuracy) {
    const b = m.bestTestAccuracy;
    s += `best test accuracy ${pct(b.accuracy)} at l1 ${b.l1.toPrecision(4)} (${b.nonzeros} non-zeros, point ${b.index})\n`;
  }
  if (r.branchEnds) s += `branches ended: ${Object.entries(r.branchEnds).map(([b, why]) => `${b} ${why}`).join(', ')}\n`;
  for (const w of r.warnings ?? []) s += `warning: ${w}\n`;
  if (r.out) s += `saved in ${r.out}\n`;
  return s;
}
