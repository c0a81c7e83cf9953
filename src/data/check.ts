/**
 * What a path needs of its training part, checked before anything is written: at least two
 * rows, and something to fit (two classes, or a target that varies). Without them the null
 * loss that normalises the front is 0 and the run would fail half-way with NaN measures.
 */
import { fail } from '../errors.js';
import type { Dataset } from './types.js';

export function checkTrainingPart(train: Dataset, total: number, name: string): void {
  const held = total - train.rows;
  const whence = held > 0 ? ` (of ${total} rows, after holding out ${held} for testing)` : '';
  if (train.rows < 2) {
    fail('BAD_DATA', `${name}: the training part has ${train.rows} row${train.rows === 1 ? '' : 's'}${whence}; at least 2 are needed`);
  }
  const y = train.y;
  if (y.every((v) => v === y[0])) {
    const what = train.task === 'classification' ? `only class ${JSON.stringify(train.classNames[y[0]!] ?? String(y[0]))}` : `a constant target (${y[0]})`;
    fail('BAD_DATA', `${name}: the training part${whence} has ${what}; there is nothing to fit`);
  }
}
