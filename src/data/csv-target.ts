/**
 * Turns a CSV's target column into y, deciding the task when the user did not.
 *
 * Inference rule (task 'auto'):
 *  - any cell that is not a number → classification, classes = the distinct labels (trimmed),
 *    sorted by code unit so the class order does not depend on row order or locale;
 *  - all numbers, all integers, at most MAX_INFERRED_CLASSES distinct values → classification,
 *    classes = the distinct values in numeric order (so labels 0..9 map to indices 0..9);
 *  - otherwise regression.
 * 50 covers the usual label sets (digits, letters, ratings, ~50 states) while a count-like
 * integer target (ages, prices in whole units) usually has more distinct values; a user with a
 * regression target of few integers passes task 'regression'.
 */
import { fail } from '../errors.js';
import { badNumber, isMissing, parseCell, quoteCell, type Parsed } from './numbers.js';
import type { Task } from './types.js';

export const MAX_INFERRED_CLASSES = 50;

export interface TargetCell {
  text: string;
  line: number;
}

export interface EncodedTarget {
  task: Task;
  classNames: string[];
  y: Float32Array;
}

export function encodeTarget(cells: TargetCell[], column: string, file: string, task: Task | 'auto'): EncodedTarget {
  const where = (c: TargetCell): string => `${file} line ${c.line}, column ${quoteCell(column)}`;
  const values: number[] = [];
  let firstText: TargetCell | null = null;
  let firstNonFinite: { cell: TargetCell; parsed: Parsed } | null = null;
  for (const c of cells) {
    if (c.text.trim() === '') fail('BAD_DATA', `${where(c)}: missing target value`);
    const p = parseCell(c.text);
    if (p.kind === 'number') values.push(p.value);
    else if (p.kind === 'text') firstText ??= c;
    else firstNonFinite ??= { cell: c, parsed: p };
  }

  if (firstText && values.length > 0) {
    // numbers with a few "NA"s among them: missing values, not a class called NA
    const missing = cells.find((c) => isMissing(c.text));
    if (missing && cells.every((c) => isMissing(c.text) || parseCell(c.text).kind !== 'text')) {
      fail('BAD_DATA', `${where(missing)}: missing target value ${quoteCell(missing.text)}; regpath does not impute: drop or fill in the row`);
    }
  }
  if (firstText) {
    // A text column: labels, whatever their spelling (a 'NaN' among words is just a label).
    if (task === 'regression') {
      fail('BAD_DATA', `${where(firstText)}: expected a number for a regression target, got ${quoteCell(firstText.text)}`);
    }
    return byLabel(cells.map((c) => c.text.trim()), column, file, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  if (firstNonFinite) {
    fail('BAD_DATA', `${where(firstNonFinite.cell)}: ${badNumber(firstNonFinite.cell.text, firstNonFinite.parsed)}`);
  }

  let chosen: Task = task === 'auto' ? 'regression' : task;
  // safe integers only: 1e30 is an integer as a double, but no label set is spelt that way
  if (task === 'auto' && values.every(Number.isSafeInteger) && new Set(values).size <= MAX_INFERRED_CLASSES) {
    chosen = 'classification';
  }
  if (chosen === 'regression') {
    const y = Float32Array.from(values);
    if (y.every((v) => v === y[0])) {
      fail('BAD_DATA', `${file}: target column ${quoteCell(column)} is constant (every value is ${y[0]}); there is nothing to fit`);
    }
    return { task: 'regression', classNames: [], y };
  }
  // Numeric labels are named by their canonical spelling, so '1' and '1.0' are one class.
  return byLabel(values.map(String), column, file, (a, b) => Number(a) - Number(b));
}

function byLabel(labels: string[], column: string, file: string, order: (a: string, b: string) => number): EncodedTarget {
  const classNames = [...new Set(labels)].sort(order);
  if (classNames.length < 2) {
    fail('BAD_DATA', `${file}: target column ${quoteCell(column)} has only one value (${quoteCell(classNames[0] ?? '')}); classification needs at least 2 classes`);
  }
  const index = new Map(classNames.map((name, i) => [name, i]));
  return { task: 'classification', classNames, y: Float32Array.from(labels, (l) => index.get(l)!) };
}
