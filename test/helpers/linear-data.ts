import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from './tmp.js';

/**
 * A small seeded linear problem as a CSV file (120 rows, 6 features of which 3 matter): the
 * fixture every linear-model front is checked on against the exact lasso path. Features are
 * correlated (x_j = 0.7 x_{j-1} + noise), which makes the path harder to follow.
 */
export function writeLinearCsv(kind: 'regression' | 'binary' | 'softmax', seed: number): string {
  const rng = new Rng(seed);
  const n = 120, p = 6;
  const w = Array.from({ length: p }, (_, j) => (j < 3 ? 1.5 * rng.normal() : 0));
  const lines = [[...Array.from({ length: p }, (_, j) => `x${j}`), 'y'].join(',')];
  for (let i = 0; i < n; i++) {
    const x: number[] = [];
    for (let j = 0; j < p; j++) x.push((j ? 0.7 * x[j - 1]! : 0) + rng.normal());
    const z = x.reduce((s, v, j) => s + v * w[j]!, 0);
    let y: string;
    if (kind === 'regression') y = (z + 0.5 * rng.normal()).toFixed(4);
    else if (kind === 'binary') y = z + rng.normal() > 0 ? '1' : '0';
    else y = String(Math.min(2, Math.max(0, Math.round(z / 2 + 1 + 0.7 * rng.normal()))));
    lines.push([...x.map((v) => v.toFixed(4)), y].join(','));
  }
  const file = path.join(tempDir('linear'), `${kind}.csv`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
