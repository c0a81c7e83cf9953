import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computePath } from '../src/path/compute-path.js';
import { loadDataset } from '../src/data/index.js';
import { applyStandardizer, fitStandardizer } from '../src/data/standardize.js';
import { exactFront, lambdaMax, solveLasso, type Task } from './reference/lasso.js';

/**
 * Linear models on scikit-learn's bundled data sets (bench/data): the continuation's front
 * against the exact lasso path (test/reference/lasso.ts), over the whole path from w = 0 to
 * glmnet's end λ = 1e-4·λ_max. Diabetes is used with its raw target (in the hundreds) and its
 * raw features (unit column norms, std ≈ 0.048), the case where spacing by the l1 seen so far
 * stopped at 0.1 % of the way with 3 points.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const data = (f: string): string => path.join(here, '..', '..', 'bench', 'data', f);

const cases = [
  { name: 'diabetes, unscaled regression', file: 'diabetes.csv', task: 'regression' as const, standardize: false, points: 60 },
  { name: 'breast cancer, binary', file: 'breast-cancer.csv', task: 'classification' as const, standardize: true, points: 40 },
  { name: 'wine, 3 classes', file: 'wine.csv', task: 'classification' as const, standardize: true, points: 40 },
];

for (const c of cases) {
  test(`linear ${c.name}: the whole exact lasso path to 0.1 % of the loss range, ±25 % of the points asked`, async () => {
    const r = await computePath({ data: data(c.file), hidden: [], testFraction: 0, standardize: c.standardize, points: c.points });
    let ds = loadDataset(data(c.file), { task: c.task });
    if (c.standardize) ds = applyStandardizer(ds, fitStandardizer(ds));
    const X = Float64Array.from(ds.x);
    const y = Float64Array.from(ds.y);
    const task: Task = c.task === 'regression' ? 'regression' : { classes: ds.classes };
    const end = solveLasso(X, y, ds.rows, ds.features, task, 1e-4 * lambdaMax(X, y, ds.rows, ds.features, task));
    const range = r.metrics.nullLoss - end.loss;
    const l1s = r.points.map((p) => p.l1);
    const exact = exactFront(X, y, ds.rows, ds.features, task, l1s);
    const excess = r.points.map((p, i) => (p.trainLoss - exact[i]!) / range);
    const worst = Math.max(...excess);
    assert.ok(worst <= 1e-3, `worst loss excess ${(100 * worst).toFixed(3)} % of the loss range at l1 ${l1s[excess.indexOf(worst)]}`);
    assert.ok(Math.min(...excess) >= -1e-5, 'a point below the exact front');
    // the whole path: from the all-zero model to glmnet's end
    assert.equal(l1s[0], 0);
    const last = r.points[r.points.length - 1]!;
    assert.ok((last.trainLoss - end.loss) / range <= 1e-3, `dense end ${last.trainLoss} vs glmnet's end ${end.loss}`);
    assert.deepEqual(r.branchEnds, { denser: 'unregularised', sparser: 'all-zero' });
    assert.equal(r.warnings, undefined);
    // ±25 % of the points asked, no gap beyond 2.5 spacings (spacing: the front's length / (points - 1))
    const n = r.points.length;
    assert.ok(n >= 0.75 * c.points && n <= 1.25 * c.points, `${n} points for ${c.points}`);
    let length = 0;
    for (let i = 1; i < n; i++) {
      length += Math.hypot((l1s[i]! - l1s[i - 1]!) / r.metrics.l1Ref!, (r.points[i]!.trainLoss - r.points[i - 1]!.trainLoss) / r.metrics.nullLoss);
    }
    assert.ok(r.metrics.largestGap <= 2.5 * length / (c.points - 1), `largest gap ${r.metrics.largestGap} vs spacing ${length / (c.points - 1)}`);
  });
}
