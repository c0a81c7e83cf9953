import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { predict, predictionsCsv } from '../src/export/predict.js';
import { createJsKernels } from '../src/kernels/index.js';
import { Mlp } from '../src/nn/mlp.js';
import { SparseMlp, csrFromDense, denseForward, type DenseLayer } from '../src/nn/sparse.js';
import { Rng } from '../src/util/rng.js';
import { assertClose, makeRuns, referenceOutputs, softmax, sparsePoint, type TestRun } from './helpers/export-fixtures.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');

let root: string;
let runs: { iris: TestRun; reg: TestRun };

before(async () => {
  root = tempDir('predict');
  runs = await makeRuns(root);
});

/** The run's raw rows as CSV, columns in the given order (names from the data; 'target' for y). */
function writeInput(run: TestRun, file: string, order: string[], targetName: string): void {
  const { featureNames: names, features: d, rows, x, y, classNames } = run.data;
  const lines = [order.join(',')];
  for (let r = 0; r < rows; r++) {
    lines.push(order.map((c) => {
      if (c === targetName) return classNames.length ? classNames[y[r]!]! : String(y[r]);
      return String(x[r * d + names.indexOf(c)]);
    }).join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

test('predict (iris): columns in any order, target column ignored; class, name and probabilities match the dense forward', () => {
  const run = runs.iris;
  const p = sparsePoint(run);
  const file = path.join(root, 'iris-in.csv');
  const order = ['species', ...[...run.data.featureNames].reverse()];
  writeInput(run, file, order, 'species');
  const out = predict(run.dir, file, { point: p });
  const { rows } = run.data;
  const k = run.data.classes;
  const probs = softmax(referenceOutputs(run, p, run.data.x, rows), rows, k);
  assertClose(out.outputs, probs, 1e-5, 'probabilities');
  assert.deepEqual(out.columns, ['class_index', 'class_name', 'prob_setosa', 'prob_versicolor', 'prob_virginica']);
  for (let r = 0; r < rows; r++) {
    const row = probs.slice(r * k, r * k + k);
    const best = row.indexOf(Math.max(...row));
    assert.equal(out.rows[r]!['class_index'], best);
    assert.equal(out.rows[r]!['class_name'], run.data.classNames[best]);
  }
  const csv = predictionsCsv(out).trim().split('\n');
  assert.equal(csv.length, rows + 1);
  assert.equal(csv[0], 'class_index,class_name,prob_setosa,prob_versicolor,prob_virginica');
});

test('predict (regression CSV): the value matches the dense forward; the CLI writes --out atomically or prints to stdout', () => {
  const run = runs.reg;
  const p = sparsePoint(run);
  const file = path.join(root, 'reg-in.csv');
  writeInput(run, file, ['rate', 'size', 'age'], 'price');
  const out = predict(run.dir, file, { point: p });
  assert.deepEqual(out.columns, ['prediction']);
  assertClose(out.outputs, referenceOutputs(run, p, run.data.x, run.data.rows), 1e-5, 'values');

  const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  const r1 = cli(['predict', 'reg', '--point', String(p), '--input', 'reg-in.csv']);
  assert.equal(r1.status, 0, r1.stderr);
  assert.equal(r1.stdout, predictionsCsv(out));
  const r2 = cli(['predict', 'reg', '--point', String(p), '--input', 'reg-in.csv', '--out', 'preds.csv']);
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(r2.stdout, '');
  assert.equal(fs.readFileSync(path.join(root, 'preds.csv'), 'utf8'), predictionsCsv(out));
});

test('predict --point selected is the default', () => {
  const run = runs.iris;
  const copy = path.join(root, 'iris-sel');
  fs.cpSync(run.dir, copy, { recursive: true });
  fs.writeFileSync(path.join(copy, 'selected.json'), JSON.stringify({ format: 'regpath.selection/1', point: 1 }));
  const file = path.join(root, 'iris-in2.csv');
  writeInput(run, file, run.data.featureNames, 'species');
  assert.equal(predict(copy, file).point, 1);
});

function randomLayers(widths: number[], zeros: number, seed: number): DenseLayer[] {
  const rng = new Rng(seed);
  return widths.slice(1).map((fanOut, l) => {
    const fanIn = widths[l]!;
    const kernel = Float32Array.from({ length: fanIn * fanOut }, () => (rng.uniform() < zeros ? 0 : rng.normal()));
    return { fanIn, fanOut, kernel, bias: Float32Array.from({ length: fanOut }, () => rng.normal()) };
  });
}

test('CSR forward equals the dense forward (plain loop and regpath\'s Mlp) at 0, 90 and 99 % zeros', () => {
  const widths = [30, 12, 8, 5];
  const rows = 50;
  const rng = new Rng(5);
  // inputs with exact zeros too (the CSR pass skips them)
  const x = Float32Array.from({ length: rows * widths[0]! }, () => (rng.uniform() < 0.3 ? 0 : rng.normal()));
  for (const [zeros, act] of [[0, 'relu'], [0.9, 'tanh'], [0.99, 'sigmoid']] as const) {
    const layers = randomLayers(widths, zeros, 11);
    const sparse = new SparseMlp(layers, act);
    assert.equal(sparse.nonzeros, layers.reduce((s, l) => s + l.kernel.filter((v) => v !== 0).length, 0));
    const dense = denseForward(layers, act, x, rows);
    assertClose(sparse.forward(x, rows), dense, 1e-5, `zeros ${zeros} vs plain loop`);
    const mlp = new Mlp(createJsKernels(), { layers: widths, activation: act, loss: 'mse' }, rows);
    const theta = new Float32Array(mlp.layout.size);
    layers.forEach((l, i) => {
      mlp.layout.weights(theta, i).set(l.kernel);
      mlp.layout.bias(theta, i).set(l.bias);
    });
    assertClose(sparse.forward(x, rows), mlp.forward(theta, x, rows), 1e-5, `zeros ${zeros} vs Mlp`);
  }
});

test('csrFromDense keeps exactly the non-zeros, row by row', () => {
  const m = csrFromDense(Float32Array.from([0, 2, 0, -0, 0, 0, 3, 0, 4]), 3, 3);
  assert.deepEqual(Array.from(m.rowStart), [0, 1, 1, 3]);
  assert.deepEqual(Array.from(m.colIndex), [1, 0, 2]);
  assert.deepEqual(Array.from(m.values), [2, 3, 4]);
});
