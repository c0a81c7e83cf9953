/**
 * A .csv file as a Dataset: header row required, the target column picked by name (default: the
 * last column), every other column a numeric feature. Errors name the file, the line as an editor
 * shows it, and the column.
 */
import { basename } from 'node:path';
import { fail } from '../errors.js';
import { MiB, readFileBounded } from '../io/limits.js';
import { fieldLine, forEachCsvRecord } from './csv-read.js';
import { encodeTarget, type TargetCell } from './csv-target.js';
import { badNumber, parseCell, quoteCell } from './numbers.js';
import type { Dataset, LoadOptions } from './types.js';

/**
 * Parsing holds the text and its cells in memory, about ten times the file's size, so larger
 * files are refused with a message rather than exhausting memory part-way.
 */
export const MAX_CSV_BYTES = 256 * MiB;

export function loadCsv(file: string, opts: LoadOptions = {}): Dataset {
  return parseCsvDataset(readFileBounded(file, MAX_CSV_BYTES, 'CSV file'), file, opts);
}

/** The same from text already in memory; `file` names it in errors and becomes the dataset name. */
export function parseCsvDataset(text: string | Buffer, file: string, opts: LoadOptions = {}): Dataset {
  let header: string[] = [];
  let names: string[] = [];
  let targetCol = -1;
  let featureCols: number[] = [];
  let x = new Float32Array(0);
  let rows = 0;
  const cells: TargetCell[] = [];
  // features go straight into floats as records arrive; only the target cells are kept as text
  forEachCsvRecord(text, file, (h) => (header = h), (rec) => {
    const width = header.length;
    if (rows === 0) {
      if (width < 2) {
        fail('BAD_DATA', `${file}: only one column (${quoteCell(header[0] ?? '')}); need features and a target, separated by commas`);
      }
      names = header.map((h, i) => (h === '' ? `column${i + 1}` : h));
      checkUniqueNames(names, file);
      targetCol = findTarget(names, opts.target, file);
      featureCols = names.map((_, i) => i).filter((i) => i !== targetCol);
      x = new Float32Array(64 * featureCols.length);
    }
    if (rec.fields.length !== width) {
      fail('BAD_DATA', `${file} line ${rec.line}: expected ${width} fields (as in the header), got ${rec.fields.length}`);
    }
    const features = featureCols.length;
    if ((rows + 1) * features > x.length) {
      const grown = new Float32Array(2 * x.length);
      grown.set(x);
      x = grown;
    }
    for (let j = 0; j < features; j++) {
      const col = featureCols[j]!;
      const cell = rec.fields[col]!;
      const p = parseCell(cell);
      if (p.kind === 'number') {
        x[rows * features + j] = p.value;
        continue;
      }
      fail('BAD_DATA', `${file} line ${fieldLine(rec, col)}, column ${quoteCell(names[col]!)}: ${badNumber(cell, p)}`);
    }
    cells.push({ text: rec.fields[targetCol]!, line: fieldLine(rec, targetCol) });
    rows++;
  });
  if (rows === 0) fail('BAD_DATA', `${file}: has a header but no data rows`);

  const features = featureCols.length;
  const target = encodeTarget(cells, names[targetCol]!, file, opts.task ?? 'auto');
  return {
    name: basename(file),
    task: target.task,
    rows,
    features,
    classes: target.classNames.length,
    featureNames: featureCols.map((i) => names[i]!),
    classNames: target.classNames,
    targetName: names[targetCol]!,
    x: x.slice(0, rows * features),
    y: target.y,
  };
}

function findTarget(names: string[], target: string | undefined, file: string): number {
  if (target === undefined) return names.length - 1;
  const hits = names.flatMap((n, i) => (n === target.trim() ? [i] : []));
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1) fail('BAD_DATA', `${file}: several columns are named ${quoteCell(target)} (columns ${hits.map((i) => i + 1).join(', ')})`);
  const shown = names.length > 30 ? [...names.slice(0, 30).map(quoteCell), `… ${names.length - 30} more`] : names.map(quoteCell);
  return fail('BAD_DATA', `${file}: no target column ${quoteCell(target)}; the columns are: ${shown.join(', ')}`);
}

/** Two columns of one name would make one name stand for two features (or a feature and the target). */
function checkUniqueNames(names: string[], file: string): void {
  const first = new Map<string, number>();
  names.forEach((n, i) => {
    const j = first.get(n);
    if (j !== undefined) fail('BAD_DATA', `${file}: columns ${j + 1} and ${i + 1} are both named ${quoteCell(n)}; column names must be unique`);
    first.set(n, i);
  });
}
