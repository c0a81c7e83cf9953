import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { checkFormat } from '../io/format.js';
import { readJsonFile } from '../io/json.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { PATH_FORMAT } from '../path/result.js';
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
  const source = weightsPath(dir, p.weights);
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
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return fail('BAD_RUN', `${dir}: no such run folder`);
  }
  if (!stat.isDirectory()) fail('BAD_RUN', `${dir} is not a folder; expected a run folder written by regpath path`);
  const file = path.join(dir, 'path.json');
  if (!fs.existsSync(file)) fail('BAD_RUN', `${dir} is not a regpath run folder (it has no path.json)`);
  const run = readJsonFile(file);
  checkFormat(run, PATH_FORMAT, file);
  const s = run as SelectablePath;
  if (!Array.isArray(s.points)) fail('BAD_FILE', `${file} has no list of points`);
  if (s.status !== 'complete') {
    fail('BAD_RUN', `${dir}: the run is not finished (status ${String(s.status)}); finish it with regpath path --out ${dir} --resume`);
  }
  return s;
}

function weightsPath(dir: string, rel: unknown): string {
  if (typeof rel !== 'string') fail('BAD_FILE', `${path.join(dir, 'path.json')}: a point has no weights file name`);
  const file = path.resolve(dir, rel);
  const inside = path.relative(path.resolve(dir), file);
  if (inside.startsWith('..') || path.isAbsolute(inside)) fail('BAD_FILE', `${path.join(dir, 'path.json')}: weights file '${rel}' is outside the run folder`);
  if (!fs.existsSync(file)) fail('FILE_NOT_FOUND', `${path.join(dir, rel)} is missing (the weights of the selected point)`);
  return file;
}
