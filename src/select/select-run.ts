import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { Fields } from '../io/fields.js';
import { PATH_FILE, insideRun, readSummary } from '../io/run.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { applyRule, parseRule, ruleText, type SelectablePath, type SelectionRule } from './rules.js';

export const SELECTION_FORMAT = 'regpath.selection/1';
export const SELECTED_JSON = 'selected.json';
export const SELECTED_WEIGHTS = 'selected.safetensors';

/** RUN/selected.json. */
export interface SelectedPoint {
  format: typeof SELECTION_FORMAT;
  rule: string;
  /** What the point was chosen by, in words. */
  basis: string;
  /** Position in path.json `points`. */
  point: number;
  /** Raw index (points/NNN.safetensors). */
  index: number;
  l1: number;
  nonzeros: number;
  lambda: number | null;
  trainLoss: number;
  trainAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
  validationLoss?: number;
  validationLossSE?: number;
  validationAccuracy?: number;
  /** Copy of the point's weights, relative to the run folder. */
  weights: typeof SELECTED_WEIGHTS;
  /** The weights file it was copied from. */
  source: string;
}

/**
 * Picks a point of the front in run folder `dir` by `rule` (text as on the command line, or a
 * parsed rule) and writes `selected.safetensors` (a copy of its weights) and then `selected.json`,
 * each atomically. Everything is checked before anything is written.
 */
export function selectFromRun(dir: string, rule: string | SelectionRule): SelectedPoint {
  const r = typeof rule === 'string' ? parseRule(rule) : rule;
  const run = readRun(dir);
  const { point, basis } = applyRule(run, r, dir);
  const p = run.points[point]!;
  const source = weightsPath(dir, p.weights, point);
  const weights = readSafetensors(source);
  const row = run.selection?.points[point];
  const selected: SelectedPoint = {
    format: SELECTION_FORMAT, rule: ruleText(r), basis, point, index: p.index, l1: p.l1, nonzeros: p.nonzeros,
    lambda: p.lambda, trainLoss: p.trainLoss,
    ...(p.trainAccuracy !== undefined && { trainAccuracy: p.trainAccuracy }),
    ...(p.testLoss !== undefined && { testLoss: p.testLoss }),
    ...(p.testAccuracy !== undefined && { testAccuracy: p.testAccuracy }),
    ...(p.validationLoss !== undefined && { validationLoss: p.validationLoss }),
    ...(row && { validationLossSE: row.validationLossSE }),
    ...(p.validationAccuracy !== undefined && { validationAccuracy: p.validationAccuracy }),
    weights: SELECTED_WEIGHTS, source: p.weights,
  };
  // weights first, then the json that refers to them
  writeSafetensors(path.join(dir, SELECTED_WEIGHTS), weights.tensors, {
    ...weights.metadata, rule: selected.rule, point: String(point), index: String(p.index), l1: String(p.l1),
  });
  writeJsonAtomic(path.join(dir, SELECTED_JSON), selected);
  return selected;
}

/** path.json of a finished run, with every problem named. */
export function readRun(dir: string): SelectablePath {
  return readSummary(dir, { finished: true }) as unknown as SelectablePath;
}

function weightsPath(dir: string, rel: string, position: number): string {
  const file = insideRun(dir, rel, new Fields(path.join(dir, PATH_FILE)), `points[${position}].weights`);
  if (!fs.existsSync(file)) fail('FILE_NOT_FOUND', `${file} is missing (the weights of the selected point)`);
  return file;
}
