import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { exportModel, MODEL_INFO_FILE, type ModelInfo } from '../src/export/export.js';
import { foldStandardizer } from '../src/export/fold.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { denseForward, type DenseLayer } from '../src/nn/sparse.js';
import { assertClose, makeRuns, referenceOutputs, softmax, sparsePoint, type TestRun } from './helpers/export-fixtures.js';
import { tempDir } from './helpers/tmp.js';

let root: string;
let runs: { iris: TestRun; reg: TestRun };

before(async () => {
  tf.enableProdMode(); // also silences tfjs's "install tfjs-node" banner
  await tf.setBackend('cpu');
  root = tempDir('export');
  runs = await makeRuns(root);
});

const TOL = 1e-5;

async function tfjsPredict(dir: string, x: Float32Array, rows: number, d: number): Promise<Float32Array> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  const bin = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
  const out = model.predict(tf.tensor2d(x, [rows, d])) as tf.Tensor;
  const data = Float32Array.from(out.dataSync());
  out.dispose();
  model.dispose();
  return data;
}

async function onnxRun(dir: string, x: Float32Array, rows: number, d: number): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, 'model.onnx')));
  const r = await session.run({ features: new ort.Tensor('float32', x, [rows, d]) });
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(r)) out[k] = v.data as Float32Array;
  await session.release();
  return out;
}

for (const which of ['iris', 'reg'] as const) {
  test(`${which}: tfjs, onnx and safetensors exports reproduce regpath's forward on raw features to 1e-5`, async () => {
    const run = runs[which];
    const position = sparsePoint(run);
    const { rows, features: d } = run.data;
    const x = run.data.x;
    const logits = referenceOutputs(run, position, x, rows);
    const classify = which === 'iris';
    const k = run.summary.model.layers.at(-1)!;
    const probs = classify ? softmax(logits, rows, k) : null;

    const tfjsDir = exportModel(run.dir, { point: position, format: 'tfjs', out: path.join(root, `${which}-tfjs`) }).dir;
    assertClose(await tfjsPredict(tfjsDir, x, rows, d), classify ? probs! : logits, TOL, `${which} tfjs`);

    const onnxDir = exportModel(run.dir, { point: position, format: 'onnx', out: path.join(root, `${which}-onnx`) }).dir;
    const o = await onnxRun(onnxDir, x, rows, d);
    if (classify) {
      assertClose(o['probabilities']!, probs!, TOL, 'onnx probabilities');
      assertClose(o['logits']!, logits, TOL, 'onnx logits');
    } else {
      assertClose(o['value']!, logits, TOL, 'onnx value');
    }

    const stDir = exportModel(run.dir, { point: position, format: 'safetensors', out: path.join(root, `${which}-st`) }).dir;
    const st = readSafetensors(path.join(stDir, 'model.safetensors'));
    const widths = run.summary.model.layers;
    const layers: DenseLayer[] = widths.slice(1).map((fanOut, l) => ({
      fanIn: widths[l]!, fanOut,
      kernel: st.tensors[`layer${l}.kernel`]!.data as Float32Array,
      bias: st.tensors[`layer${l}.bias`]!.data as Float32Array,
    }));
    assertClose(denseForward(layers, run.summary.model.activation as 'tanh', x, rows), logits, TOL, 'safetensors (folded) forward');
    assert.equal(st.metadata['format'], 'regpath.export/1');
    assert.equal(st.metadata['output'], classify ? 'logits' : 'value');
    assert.deepEqual(JSON.parse(st.metadata['layers']!), widths);
    // folding keeps the zero pattern: same non-zeros as the front point
    const nz = layers.reduce((s, l) => s + l.kernel.filter((v) => v !== 0).length, 0);
    assert.equal(nz, run.summary.points[position]!.nonzeros);
    const src = readSafetensors(path.join(run.dir, run.summary.points[position]!.weights)).tensors;
    layers.forEach((l, i) => {
      const orig = src[`layer${i}.kernel`]!.data as Float32Array;
      assert.ok(l.kernel.every((v, j) => (v === 0) === (orig[j] === 0)), `layer ${i} zero pattern`);
    });

    for (const dir of [tfjsDir, onnxDir, stDir]) {
      const info = JSON.parse(fs.readFileSync(path.join(dir, MODEL_INFO_FILE), 'utf8')) as ModelInfo;
      assert.equal(info.format, 'regpath.export/1');
      assert.equal(info.task, classify ? 'classification' : 'regression');
      assert.equal(info.features, d);
      assert.deepEqual(info.featureNames, run.data.featureNames);
      assert.deepEqual(info.classNames, run.data.classNames);
      assert.equal(info.source.point, position);
      assert.equal(info.source.run, path.resolve(run.dir));
      assert.equal(info.l1, run.summary.points[position]!.l1);
      assert.equal(info.nonzeros, run.summary.points[position]!.nonzeros);
      assert.equal(info.standardizationFolded, true);
      assert.deepEqual([...info.files].sort(), fs.readdirSync(dir).sort(), 'files lists what the folder holds');
    }
  });
}

test('the densest point exports too; the default folder is RUN/export-<i>-<format> and a re-export replaces it', async () => {
  const run = runs.iris;
  const last = run.summary.points.length - 1;
  const r1 = exportModel(run.dir, { point: last, format: 'onnx' });
  assert.equal(r1.dir, path.join(run.dir, `export-${last}-onnx`));
  fs.writeFileSync(path.join(r1.dir, 'stale.txt'), 'x');
  const r2 = exportModel(run.dir, { point: last, format: 'onnx' });
  assert.deepEqual(fs.readdirSync(r2.dir).sort(), ['model-info.json', 'model.onnx']);
  const logits = referenceOutputs(run, last, run.data.x, run.data.rows);
  const o = await onnxRun(r2.dir, run.data.x, run.data.rows, run.data.features);
  assertClose(o['logits']!, logits, TOL, 'densest point onnx logits');
  assert.ok(!fs.readdirSync(run.dir).some((f) => f.endsWith('.tmp')), 'no temp folders left');
  fs.rmSync(r2.dir, { recursive: true });
});

test('--point selected reads RUN/selected.json', () => {
  const run = runs.iris;
  const copy = path.join(root, 'iris-selected');
  fs.cpSync(run.dir, copy, { recursive: true });
  const p = sparsePoint(run);
  fs.writeFileSync(path.join(copy, 'selected.json'), JSON.stringify({ format: 'regpath.selection/1', point: p, index: run.summary.points[p]!.index }));
  const r = exportModel(copy, { point: 'selected', format: 'safetensors' });
  assert.equal(r.dir, path.join(copy, `export-${p}-safetensors`));
  assert.equal(r.info.source.point, p);
  assert.equal(r.info.source.selected, true);
});

test('folding the standardisation is exact algebra and keeps zeros', () => {
  const layers: DenseLayer[] = [
    { fanIn: 3, fanOut: 2, kernel: Float32Array.from([1, 0, -2, 0.5, 0, 0]), bias: Float32Array.from([0.1, -0.2]) },
    { fanIn: 2, fanOut: 1, kernel: Float32Array.from([1, -1]), bias: Float32Array.from([0]) },
  ];
  const s = { mean: Float32Array.from([10, -5, 3]), std: Float32Array.from([2, 0.5, 4]) };
  const folded = foldStandardizer(layers, s);
  const x = Float32Array.from([12, -4, 7, 8, -6, 3]);
  const xs = x.map((v, i) => (v - s.mean[i % 3]!) / s.std[i % 3]!);
  assertClose(denseForward(folded, 'relu', x, 2), denseForward(layers, 'relu', xs, 2), 1e-6, 'folded vs standardised');
  assert.deepEqual(Array.from(folded[0]!.kernel, (v) => v === 0), [false, true, false, false, true, true]);
  assert.deepEqual(folded[1], layers[1], 'later layers unchanged');
  assert.deepEqual(Array.from(layers[0]!.kernel), [1, 0, -2, 0.5, 0, 0], 'input not modified');
});
