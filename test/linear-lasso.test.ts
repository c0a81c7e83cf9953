import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computePath } from '../src/path/compute-path.js';
import { loadDataset } from '../src/data/index.js';
import { exactFront, type Task } from './reference/lasso.js';
import { writeLinearCsv } from './helpers/linear-data.js';

/**
 * For a linear model the front must be the exact lasso path: at every reported l1 the training
 * loss is within 0.1 % of the minimum loss any model with that l1 can reach, computed by an
 * independent double-precision solver (test/reference/lasso.ts, itself checked against
 * scikit-learn in reference.test.ts).
 */

for (const kind of ['regression', 'binary', 'softmax'] as const) {
  test(`linear ${kind}: the front is the exact lasso path to 0.1 %`, async () => {
    const file = writeLinearCsv(kind, kind.length);
    const r = await computePath({ data: file, hidden: [], testFraction: 0, standardize: false, points: 25, task: kind === 'regression' ? 'regress' : 'classify' });
    const ds = loadDataset(file, { task: kind === 'regression' ? 'regression' : 'classification' });
    // the path trains on a seeded shuffle of the rows; the lasso problem does not depend on order
    const X = Float64Array.from(ds.x);
    const y = Float64Array.from(ds.y);
    const task: Task = kind === 'regression' ? 'regression' : { classes: ds.classes };
    const l1s = r.points.map((p) => p.l1);
    const exact = exactFront(X, y, ds.rows, ds.features, task, l1s);
    assert.ok(r.points.length >= 10, `front has ${r.points.length} points`);
    assert.equal(l1s[0], 0, 'starts at the all-zero model');
    let worst = 0;
    r.points.forEach((p, i) => {
      const rel = (p.trainLoss - exact[i]!) / exact[i]!;
      worst = Math.max(worst, rel);
      assert.ok(rel <= 1e-3, `l1 ${p.l1}: loss ${p.trainLoss} vs exact ${exact[i]} (+${(100 * rel).toFixed(3)} %)`);
      assert.ok(rel >= -1e-5, `l1 ${p.l1}: loss ${p.trainLoss} below the exact minimum ${exact[i]}`);
    });
    // evenly spaced: no neighbour gap beyond the overshoot bound (2.5 target spacings) with margin
    const spacing = 1.6 / (25 - 1);
    assert.ok(r.metrics.largestGap <= 3 * spacing, `largest gap ${r.metrics.largestGap} vs spacing ${spacing}`);
    // the front reaches (close to) the unregularised end
    const last = r.points[r.points.length - 1]!;
    const beyond = exactFront(X, y, ds.rows, ds.features, task, [last.l1 * 10])[0]!;
    assert.ok((last.trainLoss - beyond) / Math.max(beyond, 1e-12) < 0.05 || last.trainLoss < 1e-3 * r.metrics.nullLoss,
      `dense end loss ${last.trainLoss} is far from the unregularised ${beyond}`);
  });
}
