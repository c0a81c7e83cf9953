// Small runs for the export and predict tests (iris classification, a CSV regression), made once
// per test file in a temp folder, and regpath's own dense forward pass as the reference.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { computePath } from '../../src/path/compute-path.js';
import { loadDataset } from '../../src/data/load.js';
import { applyStandardizer } from '../../src/data/standardize.js';
import type { Dataset } from '../../src/data/types.js';
import { createJsKernels } from '../../src/kernels/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { Mlp } from '../../src/nn/mlp.js';
import { tensorsToParameters } from '../../src/nn/serialize.js';
import { Rng } from '../../src/util/rng.js';

export interface TestRun {
  dir: string;
  /** All rows of the training data, raw (unstandardised). */
  data: Dataset;
  summary: { points: Array<{ index: number; l1: number; nonzeros: number; weights: string }>; model: { layers: number[]; activation: string }; dataset: { task: string } };
}


/** A regression CSV with features on very different scales (so the folded standardisation matters). */
export function writeRegressionCsv(file: string, rows = 80): void {
  const rng = new Rng(7);
  const lines = ['size,age,rate,price'];
  for (let r = 0; r < rows; r++) {
    const size = 50 + 150 * rng.uniform();
    const age = 40 * rng.uniform();
    const rate = 0.01 + 0.05 * rng.uniform();
    const price = 2 * size - 3 * age + 500 * rate + 5 * rng.normal();
    lines.push([size, age, rate, price].map((v) => v.toFixed(4)).join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export async function makeRuns(root: string): Promise<{ iris: TestRun; reg: TestRun }> {
  const irisDir = path.join(root, 'iris');
  await computePath({ data: 'iris', hidden: [4], activation: 'tanh', points: 6, seed: 2, out: irisDir });
  const csv = path.join(root, 'houses.csv');
  writeRegressionCsv(csv);
  const regDir = path.join(root, 'reg');
  await computePath({ data: csv, hidden: [3], activation: 'relu', points: 5, seed: 2, out: regDir });
  const read = (dir: string): TestRun['summary'] => JSON.parse(fs.readFileSync(path.join(dir, 'path.json'), 'utf8'));
  return {
    iris: { dir: irisDir, data: loadDataset('iris'), summary: read(irisDir) },
    reg: { dir: regDir, data: loadDataset(csv), summary: read(regDir) },
  };
}

/**
 * A front point in the middle of the front: a sparse network (some zero weights) that still does
 * something. (Not "sparser than the densest point": on a small net the whole front can be sparse.)
 */
export function sparsePoint(run: TestRun): number {
  const pts = run.summary.points;
  const mid = Math.floor(pts.length / 2);
  const layers = run.summary.model.layers;
  let weights = 0;
  for (let l = 0; l + 1 < layers.length; l++) weights += layers[l]! * layers[l + 1]!;
  if (!(pts[mid]!.nonzeros > 0 && pts[mid]!.nonzeros < weights)) throw new Error(`test run: front point ${mid} is not sparse`);
  return mid;
}

/**
 * regpath's forward pass (js kernels) of front point `position` on raw rows: standardise, then
 * Mlp, then (a network fitted to a standardised target) mean + std · output.
 */
export function referenceOutputs(run: TestRun, position: number, x: Float32Array, rows: number): Float32Array {
  const { layers, activation } = run.summary.model;
  const k = createJsKernels();
  const mlp = new Mlp(k, { layers, activation: activation as 'tanh', loss: run.summary.dataset.task === 'classification' ? 'cross-entropy' : 'mse' }, rows);
  const theta = new Float32Array(mlp.layout.size);
  const file = path.join(run.dir, run.summary.points[position]!.weights);
  tensorsToParameters(mlp.layout, readSafetensors(file).tensors, theta, file);
  const pre = readSafetensors(path.join(run.dir, 'preprocess.safetensors')).tensors;
  const ds: Dataset = { ...run.data, rows, x };
  const std = applyStandardizer(ds, { mean: pre['mean']!.data as Float32Array, std: pre['std']!.data as Float32Array });
  const out = Float32Array.from(mlp.forward(theta, std.x, rows));
  const mean = pre['target.mean']?.data[0];
  const sd = pre['target.std']?.data[0];
  if (mean !== undefined && sd !== undefined) for (let i = 0; i < out.length; i++) out[i] = mean + sd * out[i]!;
  return out;
}

export function softmax(logits: ArrayLike<number>, rows: number, n: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: n }, (_, j) => logits[r * n + j]!);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    out.push(...e.map((v) => v / s));
  }
  return out;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  if (!(worst <= tol)) throw new Error(`${what}: differs by ${worst} at ${at} (${actual[at]} vs ${expected[at]}), tolerance ${tol}`);
}

/** Every file under dir (relative paths), for "nothing written" checks. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) walk(path.join(d, e.name), r);
    }
  };
  walk(dir, '');
  return out.sort();
}
