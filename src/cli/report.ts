import type { PathSummary } from '../path/result.js';
import type { PathSelection } from '../select/selection.js';

const pct = (x: number | undefined): string => (x === undefined ? '' : `${(100 * x).toFixed(1)}%`);

/**
 * The human-readable end of a path run: the front as a table and its measures. Points are
 * numbered by their place on the front (sorted by l1, 0 = sparsest), the index `--point` takes.
 */
export function formatSummary(r: PathSummary & { out?: string | null; selection?: PathSelection }): string {
  const l2 = r.objective.penalty === 'l2';
  const rows = r.points.map((p, i) => [
    String(i), ...(l2 ? [(p.l2squared ?? 0).toPrecision(5)] : []), p.l1.toPrecision(5), String(p.nonzeros), String(p.effectiveNonzeros ?? ''), p.trainLoss.toPrecision(4),
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
    const point = b.point ?? r.points.findIndex((p) => p.index === b.index);
    s += `best test accuracy (oracle: the maximum over the front, chosen on the test set) ${pct(b.accuracy)} at point ${point}, l1 ${b.l1.toPrecision(4)}, ${b.nonzeros} non-zeros\n`;
    const sel = r.selection?.['1se'];
    if (sel && sel.testAccuracy !== undefined) {
      const by = r.selection!.kind === 'cross-validation' ? `${r.selection!.folds}-fold cross-validation` : 'validation';
      s += `selected by ${by} (1-SE rule): test accuracy ${pct(sel.testAccuracy)} at point ${sel.point}, l1 ${sel.l1.toPrecision(4)}, ${sel.nonzeros} non-zeros\n`;
    }
  }
  if (r.branchEnds) s += `branches ended: ${Object.entries(r.branchEnds).map(([b, why]) => `${b} ${why}`).join(', ')}\n`;
  for (const w of r.warnings ?? []) s += `warning: ${w}\n`;
  if (r.out) s += `saved in ${r.out}\n`;
  return s;
}
