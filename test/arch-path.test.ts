import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { computePath, type PathEvent } from '../src/path/compute-path.js';
import { crossValidatePath } from '../src/select/cross-validate.js';
import { predict } from '../src/export/predict.js';
import { exportModel } from '../src/export/export.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { createJsKernels } from '../src/kernels/index.js';
import { Mlp } from '../src/nn/mlp.js';
import { parseArch } from '../src/nn/architecture.js';
import { Rng } from '../src/util/rng.js';
import { RegpathError } from '../src/errors.js';
import { liveAlongPath } from '../src/neurons/live-path.js';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';

/**
 * A path of a small convolutional network on CSV images given as C,H,W (2 channels of 5×5; the
 * class is which channel holds a bright blob): the run folder keeps conv kernels with their
 * [kh, kw, in, out] shapes, predict reproduces the layers' forward pass on the columns permuted
 * to NHWC, the ONNX export gives the same logits in onnxruntime, and the TF.js export refuses the
 * run with one clear line.
 */
const C = 2, H = 5, W = 5;

function writeImages(file: string, rows: number): { x: number[][]; y: number[] } {
  const rng = new Rng(9);
  const names = [];
  for (let c = 0; c < C; c++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) names.push(`c${c}_${i}_${j}`);
  const lines = [[...names, 'label'].join(',')];
  const xs: number[][] = [], ys: number[] = [];
  for (let r = 0; r < rows; r++) {
    const label = r % 2;
    const cy = 1 + rng.int(3), cx = 1 + rng.int(3);
    const x = names.map((_, q) => {
      const c = Math.floor(q / (H * W)), i = Math.floor(q / W) % H, j = q % W;
      const blob = c === label && Math.abs(i - cy) <= 1 && Math.abs(j - cx) <= 1 ? 1 : 0;
      return Math.round((blob + 0.3 * rng.normal()) * 1000) / 1000;
    });
    xs.push(x);
    ys.push(label);
    lines.push([...x, label].join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return { x: xs, y: ys };
}

/** The mini-batch conv run both resume tests compute on `csv` (60 images). */
function miniBatchRun(csv: string): { data: string; arch: string; inputShape: number[]; batch: number; points: number; maxCorrectorSteps: number } {
  return { data: csv, arch: 'conv3k3p1,pool2,fc4', inputShape: [C, H, W], batch: 8, points: 5, maxCorrectorSteps: 300 };
}

/**
 * Runs `body` with a fresh temporary folder holding images.csv of `rows` images (see writeImages),
 * and removes the folder afterwards, whatever the body does.
 */
async function withImages(prefix: string, rows: number, body: (dir: string, csv: string, images: { x: number[][]; y: number[] }) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    const csv = path.join(dir, 'images.csv');
    await body(dir, csv, writeImages(csv, rows));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a run whose progress callback throws at its `n`-th point, as a kill stops it there. */
async function killedAtPoint(n: number, start: (onProgress: (e: PathEvent) => void) => Promise<unknown>): Promise<void> {
  let seen = 0;
  await assert.rejects(start((e) => {
    if (e.type === 'point' && ++seen === n) throw new Error('simulated kill');
  }), /simulated kill/);
}

test('--arch with --input-shape: conv kernels saved with their shapes, predict equals the layers\' forward, export refuses', async () => {
  await withImages('regpath-arch-', 60, async (dir, csv, { x }) => {
    const out = path.join(dir, 'run');
    const r = await computePath({ data: csv, arch: 'conv3k3p1,pool2,fc4', inputShape: [C, H, W], activation: 'tanh', points: 5, out, kernels: createJsKernels() });
    const json = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
    assert.deepEqual(json.model, { layers: [50, 2], activation: 'tanh', arch: 'conv3k3p1,pool2,fc4', inputShape: [2, 5, 5] });
    assert.ok(r.points.length >= 3, `${r.points.length} front points`);
    assert.ok(r.metrics.bestTestAccuracy!.accuracy >= 0.9, `best test accuracy ${r.metrics.bestTestAccuracy!.accuracy}`);
    const last = r.points.length - 1;
    const { tensors } = readSafetensors(path.join(out, r.points[last]!.weights));
    assert.deepEqual(tensors['layer0.kernel']!.shape, [3, 3, 2, 3]);
    assert.deepEqual(tensors['layer1.kernel']!.shape, [12, 4]);

    // neurons: live channels / units per layer along the path, none at the all-zero end
    const live = liveAlongPath(out)!;
    assert.deepEqual(live.units, [3, 4, 2]);
    assert.equal(live.points.length, r.points.length);
    for (const q of live.points) assert.ok(q.live.every((v, i) => v <= live.units[i]!), JSON.stringify(q));
    if (r.points[0]!.nonzeros === 0) assert.deepEqual(live.points[0]!.live, [0, 0, 0]);
    assert.ok(live.points[last]!.live[0]! > 0, 'the densest point has live conv channels');

    // predict: the CSV's C,H,W columns, standardised and read as H,W,C by the layers
    const p = predict(out, csv, { point: last });
    const pre = readSafetensors(path.join(out, 'preprocess.safetensors')).tensors;
    const mean = pre['mean']!.data as Float32Array, std = pre['std']!.data as Float32Array;
    const k = createJsKernels();
    const net = new Mlp(k, { layers: [50, 2], activation: 'tanh', loss: 'cross-entropy', specs: parseArch('conv3k3p1,pool2,fc4'), inputShape: { h: H, w: W, c: C } }, x.length);
    const nhwc = new Float32Array(x.length * 50), raw = new Float32Array(x.length * 50);
    x.forEach((row, n) => {
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) {
        const q = (i * W + j) * C + c;
        raw[n * 50 + q] = row[(c * H + i) * W + j]!;
        nhwc[n * 50 + q] = (raw[n * 50 + q]! - mean[q]!) / std[q]!;
      }
    });
    const logits = net.forward(r.parameters[last]!, nhwc, x.length);
    for (let n = 0; n < x.length; n++) {
      const z = [logits[2 * n]!, logits[2 * n + 1]!];
      const p1 = 1 / (1 + Math.exp(z[0]! - z[1]!));
      assert.ok(Math.abs(p.outputs[2 * n + 1]! - p1) < 1e-5, `row ${n}: predict ${p.outputs[2 * n + 1]} vs forward ${p1}`);
    }

    // ONNX (NCHW Conv/MaxPool, Transpose back before Flatten): the same logits in onnxruntime
    const onnx = exportModel(out, { point: last, format: 'onnx' });
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(onnx.dir, 'model.onnx')));
    const res = await session.run({ features: new ort.Tensor('float32', raw, [x.length, 50]) });
    const got = res['logits']!.data as Float32Array;
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - logits[i]!) <= 1e-5 * (1 + Math.abs(logits[i]!)), `logit ${i}: onnx ${got[i]} vs regpath ${logits[i]}`);

    assert.throws(() => exportModel(out, { point: last, format: 'tfjs' }),
      (e: unknown) => e instanceof RegpathError && e.message === `${out}: export --format tfjs of a network with image layers needs a run with --no-standardize (TF.js layers have no per-pixel standardisation); --format onnx keeps it in the graph`);
    assert.throws(() => exportModel(out, { point: last, format: 'safetensors' }),
      (e: unknown) => e instanceof RegpathError && e.message === `${out} is a run of --arch conv3k3p1,pool2,fc4: export --format safetensors handles networks of dense layers (--hidden) only; predict, select and export --format onnx|tfjs read it`);
  });
});

test('--arch run without standardisation: the TF.js export (ZeroPadding2D, Conv2D, AveragePooling2D, Flatten, Dense) gives regpath\'s probabilities', async () => {
  await withImages('regpath-arch-tfjs-', 40, async (dir, csv, { x }) => {
    const out = path.join(dir, 'run');
    const arch = 'conv3k3p1,avgpool2,fc4';
    const r = await computePath({ data: csv, arch, inputShape: [C, H, W], standardize: false, points: 4, out, kernels: createJsKernels() });
    const last = r.points.length - 1;
    const k = createJsKernels();
    const net = new Mlp(k, { layers: [50, 2], activation: 'relu', loss: 'cross-entropy', specs: parseArch(arch), inputShape: { h: H, w: W, c: C } }, x.length);
    const raw = new Float32Array(x.length * 50);
    x.forEach((row, n) => {
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) raw[n * 50 + (i * W + j) * C + c] = row[(c * H + i) * W + j]!;
    });
    const logits = net.forward(r.parameters[last]!, raw, x.length);
    const e = exportModel(out, { point: last, format: 'tfjs' });
    tf.enableProdMode();
    await tf.setBackend('cpu');
    const json = JSON.parse(fs.readFileSync(path.join(e.dir, 'model.json'), 'utf8'));
    const bin = fs.readFileSync(path.join(e.dir, 'weights.bin'));
    const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
    const probs = (model.predict(tf.tensor2d(raw, [x.length, 50])) as tf.Tensor).dataSync();
    for (let n = 0; n < x.length; n++) {
      const p1 = 1 / (1 + Math.exp(logits[2 * n]! - logits[2 * n + 1]!));
      assert.ok(Math.abs(probs[2 * n + 1]! - p1) < 1e-5, `row ${n}: tfjs ${probs[2 * n + 1]} vs regpath ${p1}`);
    }
  });
});

test('--arch on mini-batches: a killed run resumes to the uninterrupted one, also from settings saved with the unused default hidden', async () => {
  await withImages('regpath-arch-resume-', 60, async (dir, csv) => {
    const opts = { ...miniBatchRun(csv), kernels: createJsKernels() };
    const full = await computePath({ ...opts, out: path.join(dir, 'whole') });
    assert.ok(full.raw.length > 3);
    const settingsOf = (run: string): string => path.join(dir, run, 'settings.json');
    // the network is the layer list: the MLP default hidden, which it does not use, is not saved
    const saved = JSON.parse(fs.readFileSync(settingsOf('whole'), 'utf8'));
    assert.equal(saved.options.arch, opts.arch);
    assert.equal('hidden' in saved.options, false);
    for (const run of ['cut', 'cut-old']) await killedAtPoint(3, (onProgress) => computePath({ ...opts, out: path.join(dir, run), onProgress }));
    // settings as runs written before saved them, with the default hidden next to the --arch
    const old = JSON.parse(fs.readFileSync(settingsOf('cut-old'), 'utf8'));
    old.options.hidden = [20, 20];
    fs.writeFileSync(settingsOf('cut-old'), JSON.stringify(old));
    for (const run of ['cut', 'cut-old']) {
      const resumed = await computePath({ out: path.join(dir, run), resume: true, kernels: createJsKernels() });
      assert.deepEqual(resumed.raw.map((p) => [p.index, p.l1, p.trainLoss]), full.raw.map((p) => [p.index, p.l1, p.trainLoss]), run);
    }
  });
});

test('--arch with a validation part: the run (which resolves its options again for the fitting rows) resumes to the uninterrupted one', async () => {
  await withImages('regpath-arch-validation-', 60, async (dir, csv) => {
    const opts = { ...miniBatchRun(csv), validationFraction: 0.25, kernels: createJsKernels() };
    const full = await crossValidatePath({ ...opts, out: path.join(dir, 'whole') });
    assert.equal(full.selection?.kind, 'validation');
    assert.ok(full.raw.length > 3);
    await killedAtPoint(3, (onProgress) => crossValidatePath({ ...opts, out: path.join(dir, 'cut'), onProgress }));
    const resumed = await crossValidatePath({ out: path.join(dir, 'cut'), resume: true, kernels: createJsKernels() });
    const numbers = (r: typeof full): (number | undefined)[][] => r.points.map((p) => [p.index, p.l1, p.trainLoss, p.validationLoss]);
    assert.deepEqual(numbers(resumed), numbers(full));
    assert.ok(full.points.every((p) => Number.isFinite(p.validationLoss)));
  });
});

test('--arch regression on a target in the hundreds: predict and the ONNX export give values in the target\'s units (σ and μ folded into the output layer)', async () => {
  await withImages('regpath-arch-reg-', 60, async (dir, _csv, { x }) => {
    // the target: a multiple of the first channel's brightness, shifted into the hundreds
    const names = [];
    for (let c = 0; c < C; c++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) names.push(`c${c}_${i}_${j}`);
    const y = x.map((row) => 500 + 100 * row.slice(0, H * W).reduce((s, v) => s + v, 0));
    const csv = path.join(dir, 'values.csv');
    fs.writeFileSync(csv, [[...names, 'value'].join(','), ...x.map((row, n) => [...row, y[n]!.toFixed(3)].join(','))].join('\n') + '\n');
    const out = path.join(dir, 'run');
    const r = await computePath({ data: csv, task: 'regress', arch: 'conv3k3p1,pool2,fc4', inputShape: [C, H, W], activation: 'tanh', points: 5, out, kernels: createJsKernels() });
    const scale = r.dataset.targetScale!;
    assert.ok(scale.mean > 400 && scale.std > 10, JSON.stringify(scale));
    const last = r.points.length - 1;
    const p = predict(out, csv, { point: last });
    // the front point's training loss is a share of the target's variance; the predictions' error,
    // in the target's units, is of that size (the training rows are 80 % of these)
    let sq = 0;
    for (let n = 0; n < x.length; n++) sq += (p.outputs[n]! - y[n]!) ** 2;
    assert.ok(sq / x.length / scale.std ** 2 < 0.5, `MSE / σ² ${sq / x.length / scale.std ** 2}`);
    const raw = new Float32Array(x.length * 50);
    x.forEach((row, n) => {
      for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) raw[n * 50 + (i * W + j) * C + c] = row[(c * H + i) * W + j]!;
    });
    const onnx = exportModel(out, { point: last, format: 'onnx' });
    assert.deepEqual(onnx.info.targetScale, scale);
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(onnx.dir, 'model.onnx')));
    const got = (await session.run({ features: new ort.Tensor('float32', raw, [x.length, 50]) }))['value']!.data as Float32Array;
    for (let n = 0; n < x.length; n++) assert.ok(Math.abs(got[n]! - p.outputs[n]!) <= 1e-5 * Math.abs(p.outputs[n]!), `row ${n}: onnx ${got[n]} vs predict ${p.outputs[n]}`);
  });
});
