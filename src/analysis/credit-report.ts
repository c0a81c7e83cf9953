// The credit report: the terminal table, the CSV columns and the one-paragraph summary written
// from the numbers (measures defined in credit.ts and the README).
import type { CreditPoint, CreditResult } from './credit.js';

/** The one-paragraph answer, written from the numbers. */
export function summarizeCredit(r: CreditResult): string {
  const pc = (x: number | null): string => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
  const pts = r.points;
  const dense = pts[0]!;
  const alive = pts.filter((p) => p.nonzeros > 0);
  const sparse = alive[alive.length - 1] ?? dense;
  const s: string[] = [];
  s.push(`Along the path (${pts.length} points, l1 ${dense.l1.toPrecision(3)} → ${pts[pts.length - 1]!.l1.toPrecision(3)}, non-zeros ${dense.nonzeros} → ${pts[pts.length - 1]!.nonzeros} of ${r.connections}), ` +
    `the ensemble calls ${r.unimportant} of the ${r.compared} compared connections unimportant (${pc(r.unimportant / r.compared)}) and ${r.important} very important (${pc(r.important / r.compared)}).`);
  const mid = pts.filter((p) => p.zeroRate > 0.05 && p.zeroRate < 0.95);
  if (r.unimportant === 0) {
    s.push('With no unimportant connections in the ensemble, precision and recall are undefined.');
  } else if (!mid.length) {
    s.push('No point of the path zeros between 5% and 95% of the connections, so the order in which l1 removes them cannot be read off.');
  } else {
    const mean = (f: (p: CreditPoint) => number | null): number => mid.reduce((a, p) => a + (f(p) ?? 0), 0) / mid.length;
    const lift = mean((p) => p.precision) / r.chancePrecision;
    const ru = mean((p) => p.recall), ri = mean((p) => p.removedImportant), rz = mean((p) => p.zeroRate);
    s.push(`Over the ${mid.length} points that zero between 5% and 95% of the connections, l1 zeros on average ${pc(rz)} of all connections, ${pc(ru)} of the unimportant ones and ${pc(ri)} of the very important ones; ` +
      `the precision of its zero set for the unimportant set is ${lift.toFixed(2)}× chance. ` +
      (ru > rz * 1.2 && ri < rz * 0.8 ? 'So l1 does remove the connections the ensemble calls unimportant first and spares the very important ones.' :
        ru > rz * 1.2 ? 'So l1 prefers the unimportant connections, but does not spare the very important ones.' :
          ri < rz * 0.8 ? 'So l1 spares the very important connections, but is not drawn to the unimportant ones.' :
            'So l1 removes connections without regard to the ensemble\'s categories: it does not find them.'));
    const half = pts.find((p) => p.recall !== null && p.recall >= 0.5);
    const lostImp = pts.find((p) => p.removedImportant !== null && p.removedImportant >= 0.5);
    if (half) {
      s.push(`Half of the unimportant set is zero from l1 ${half.l1.toPrecision(3)} (${half.nonzeros} non-zeros) on, ` +
        (lostImp ? `half of the very important set from l1 ${lostImp.l1.toPrecision(3)} (${lostImp.nonzeros} non-zeros) on.` : 'while no point loses half of the very important set.'));
    }
  }
  const rho = spearman(alive.map((p) => p.l1), alive.map((p) => p.giniNonzero));
  s.push(`Credit: at the dense end (the baseline) the top 1% of connections carry ${pc(dense.top1)} of the attribution (Gini ${dense.gini.toFixed(3)}; ${dense.giniNonzero.toFixed(3)} among non-zeros), ` +
    `at the sparsest non-empty point (${sparse.nonzeros} non-zeros) ${pc(sparse.top1)} (Gini ${sparse.gini.toFixed(3)}; ${sparse.giniNonzero.toFixed(3)} among non-zeros). ` +
    `The Spearman correlation of l1 with the Gini among non-zeros is ${Number.isFinite(rho) ? rho.toFixed(2) : 'n/a'}: ` +
    (rho < -0.5 ? 'credit concentrates on fewer of the surviving connections as l1 falls, beyond what the zeros alone do.' :
      rho > 0.5 ? 'credit concentrates overall only because connections are zeroed; among the survivors it spreads more evenly as l1 falls.' :
        'no clear trend in how the surviving connections share the credit; the overall concentration comes from the zeros.'));
  return s.join(' ');
}

function spearman(x: number[], y: number[]): number {
  const rank = (v: number[]): number[] => {
    const idx = v.map((_, i) => i).sort((a, b) => v[a]! - v[b]!);
    const r = new Array<number>(v.length);
    idx.forEach((i, k) => (r[i] = k));
    return r;
  };
  const rx = rank(x), ry = rank(y), n = x.length;
  if (n < 3) return NaN;
  const mx = (n - 1) / 2;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - mx);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - mx) ** 2;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : NaN;
}

export const CREDIT_COLUMNS = [
  'index', 'l1', 'nonzeros', 'testAccuracy', 'zeros', 'zeroRate', 'zeroUnimportant', 'precision', 'recall', 'jaccard', 'keptImportant', 'removedImportant',
  'top1', 'top10', 'gini', 'giniNonzero',
] as const;

export function formatCreditTable(r: CreditResult): string {
  const pc = (x: number | null): string => (x === null ? 'n/a' : (100 * x).toFixed(1));
  const head = '   l1        nonzeros  test%  zero%  prec%  recall%  jacc%  keptI%  top1%  top10%  gini   giniNZ';
  const lines = [
    `credit: ${r.layers.join('-')}, ${r.connections} connections (${r.compared} compared); ensemble: ${r.unimportant} unimportant, ${r.important} very important (chance precision ${pc(r.chancePrecision)}%)`,
    head,
    ...r.points.map((p, i) =>
      `${p.l1.toPrecision(4).padStart(9)}${i === 0 ? '*' : ' '} ${String(p.nonzeros).padStart(9)}  ${pc(p.testAccuracy).padStart(5)}  ${pc(p.zeroRate).padStart(5)}  ${pc(p.precision).padStart(5)}  ${pc(p.recall).padStart(7)}  ` +
      `${pc(p.jaccard).padStart(5)}  ${pc(p.keptImportant).padStart(6)}  ${pc(p.top1).padStart(5)}  ${pc(p.top10).padStart(6)}  ${p.gini.toFixed(3)}  ${p.giniNonzero.toFixed(3)}`),
    '(* the densest point, the baseline)',
  ];
  return lines.join('\n') + '\n';
}
