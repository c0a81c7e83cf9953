/**
 * exportModel: one front point of a run as a self-contained model folder in the TensorFlow.js
 * Layers, ONNX or safetensors format, with model-info.json beside it. The standardisation is
 * folded into the first layer (see fold.ts), so every exported model takes raw features.
 *
 * All files are encoded in memory first, then written into a temp folder next to the target
 * and renamed into place: on any error nothing is left, and a reader never sees half a model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegpathError, fail } from '../errors.js';
import { syncDir, tempPathFor, writeFileAtomic } from '../io/atomic.js';
import { fsFail, isErrno } from '../io/fs-error.js';
import { stringifyFinite } from '../io/json.js';
import { foldStandardizer, foldTargetIntoNetwork } from './fold.js';
import { refuseImageLayers } from '../path/model.js';
import { encodeOnnx } from './onnx.js';
import { encodeOnnxLayers } from './onnx-layers.js';
import { encodeTfjsLayers } from './tfjs-layers.js';
import { loadRunModel, openRun, resolvePoint, runNames, type PointSpec, type RunNames } from './run.js';
import { SAFETENSORS_FILE, encodeExportSafetensors } from './safetensors.js';
import { TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE, encodeTfjs } from './tfjs.js';

export const EXPORT_FORMATS = ['tfjs', 'onnx', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const MODEL_INFO_FILE = 'model-info.json';
export const MODEL_INFO_FORMAT = 'regpath.export/1';
export const ONNX_FILE = 'model.onnx';

export interface ExportOptions {
  /** Front index into path.json `points` (0-based, l1 ascending) or 'selected'. */
  point: PointSpec;
  format: string;
  /** Output folder (default RUN/export-<index>-<format>). Replaced if it holds an earlier export. */
  out?: string;
}

export interface ModelInfo {
  format: typeof MODEL_INFO_FORMAT;
  exportFormat: ExportFormat;
  files: string[];
  task: 'classification' | 'regression';
  features: number;
  /** null when the run's training data could not be read to recover them. */
  featureNames: string[] | null;
  classes: number;
  classNames: string[] | null;
  input: string;
  output: string;
  layers: number[];
  activation: string;
  standardizationFolded: boolean;
  /**
   * A regression fitted to its standardised target: that target's training mean and std, folded
   * into the output layer (the model outputs values in the target's units either way).
   */
  targetScale?: { mean: number; std: number };
  l1: number;
  nonzeros: number;
  trainLoss: number;
  testLoss?: number;
  trainAccuracy?: number;
  testAccuracy?: number;
  source: { run: string; point: number; selected: boolean; rawIndex: number; weights: string };
}

export interface ExportResult {
  dir: string;
  info: ModelInfo;
}

export function exportModel(runDir: string, o: ExportOptions): ExportResult {
  if (!(EXPORT_FORMATS as readonly string[]).includes(o.format)) {
    fail('BAD_OPTION', `unknown export format "${o.format}"; expected one of ${EXPORT_FORMATS.join(', ')}`);
  }
  const format = o.format as ExportFormat;
  const run = openRun(runDir);
  const position = resolvePoint(run, o.point);
  if (format === 'safetensors') refuseImageLayers(run.summary.model, runDir, 'export --format safetensors');
  const model = loadRunModel(run, position);
  const dir = o.out ?? path.join(runDir, `export-${position}-${format}`);
  checkTarget(dir);

  let names: RunNames | null = null;
  try {
    names = runNames(run);
  } catch (err) {
    if (!(err instanceof RegpathError)) throw err;
    // names are informative here; the model itself does not need them
  }
  const classification = model.task === 'classification';
  // image layers: the standardisation is per pixel and goes into the ONNX graph (onnx-layers.ts)
  const layers = model.network ? [] : foldStandardizer(model.layers, model.standardizer);
  const network = model.network && foldTargetIntoNetwork(model.network, model.standardizer);
  const widths = run.summary.model.layers;
  const p = model.point;
  const files: Record<string, string | Uint8Array> = {};
  const info: ModelInfo = {
    format: MODEL_INFO_FORMAT,
    exportFormat: format,
    files: [],
    task: model.task,
    features: widths[0]!,
    featureNames: names?.featureNames ?? null,
    classes: classification ? widths[widths.length - 1]! : 0,
    classNames: classification ? (names?.classNames ?? null) : [],
    input: `float32 [batch, ${widths[0]}]: raw features in the order of featureNames${model.standardizer ? (model.network ? ' (standardised inside the graph)' : ' (the standardisation is folded into layer 0)') : ''}`,
    output: outputDoc(format, classification),
    layers: widths,
    activation: model.activation,
    standardizationFolded: model.standardizer !== null,
    ...(model.standardizer?.target && { targetScale: { ...model.standardizer.target } }),
    l1: p.l1,
    nonzeros: p.nonzeros,
    trainLoss: p.trainLoss,
    ...(p.testLoss !== undefined && { testLoss: p.testLoss }),
    ...(p.trainAccuracy !== undefined && { trainAccuracy: p.trainAccuracy }),
    ...(p.testAccuracy !== undefined && { testAccuracy: p.testAccuracy }),
    source: { run: path.resolve(runDir), point: position, selected: o.point === 'selected', rawIndex: p.index, weights: p.weights },
  };
  const meta: Record<string, string> = {
    format: MODEL_INFO_FORMAT,
    task: info.task,
    activation: info.activation,
    layers: JSON.stringify(widths),
    output: classification ? 'logits' : 'value',
    featureNames: JSON.stringify(info.featureNames),
    classNames: JSON.stringify(info.classNames),
    l1: String(p.l1),
    nonzeros: String(p.nonzeros),
    // only the run folder's name inside the model file: a shipped model need not carry local paths
    source: `run ${path.basename(info.source.run)}, front point ${position} (${p.weights})`,
  };
  const producer = `regpath ${version()}`;
  if (format === 'tfjs' && network) {
    if (model.standardizer) {
      fail('BAD_RUN', `${runDir}: export --format tfjs of a network with image layers needs a run with --no-standardize (TF.js layers have no per-pixel standardisation); --format onnx keeps it in the graph`);
    }
    const { modelJson, weights } = encodeTfjsLayers({ ...network, classification, generatedBy: producer, metadata: { regpath: meta } });
    files[TFJS_MODEL_FILE] = modelJson;
    files[TFJS_WEIGHTS_FILE] = weights;
  } else if (format === 'tfjs') {
    const { modelJson, weights } = encodeTfjs({ layers, activation: model.activation, classification, generatedBy: producer, metadata: { regpath: meta } });
    files[TFJS_MODEL_FILE] = modelJson;
    files[TFJS_WEIGHTS_FILE] = weights;
  } else if (format === 'onnx' && network) {
    files[ONNX_FILE] = encodeOnnxLayers({
      ...network, standardizer: model.standardizer, classification, producerVersion: version(), metadata: meta,
      docString: `regpath network ${run.summary.model.arch} (${model.activation}), front point ${position} of run ${path.basename(info.source.run)}: l1 ${p.l1}, ${p.nonzeros} non-zeros`,
    });
  } else if (format === 'onnx') {
    files[ONNX_FILE] = encodeOnnx({
      layers, activation: model.activation, classification, producerVersion: version(), metadata: meta,
      docString: `regpath MLP ${widths.join('-')} (${model.activation}), front point ${position} of run ${path.basename(info.source.run)}: l1 ${p.l1}, ${p.nonzeros} non-zeros`,
    });
  } else {
    files[SAFETENSORS_FILE] = encodeExportSafetensors(layers, meta);
  }
  info.files = [...Object.keys(files), MODEL_INFO_FILE];
  files[MODEL_INFO_FILE] = stringifyFinite(info, 2, MODEL_INFO_FILE) + '\n';
  writeFolderAtomic(dir, files);
  return { dir, info };
}

function outputDoc(format: ExportFormat, classification: boolean): string {
  if (!classification) return 'float32 [batch, 1]: the predicted value';
  if (format === 'tfjs') return 'float32 [batch, classes]: class probabilities (softmax of the logits), classes in the order of classNames';
  if (format === 'onnx') return 'outputs "logits" and "probabilities" (softmax), float32 [batch, classes], classes in the order of classNames';
  return 'logits [batch, classes] (apply softmax for probabilities), classes in the order of classNames';
}

/** A target is fine when absent, an empty folder, or an earlier export (which it replaces). */
function checkTarget(dir: string): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) fsFail(err, 'open', dir);
    return;
  }
  if (!stat.isDirectory()) fail('BAD_OPTION', `${dir} exists and is not a folder; choose another --out`);
  const entries = fs.readdirSync(dir);
  if (entries.length === 0) return;
  const infoFile = path.join(dir, MODEL_INFO_FILE);
  let earlier = false;
  try {
    earlier = (JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { format?: unknown }).format === MODEL_INFO_FORMAT;
  } catch {
    earlier = false;
  }
  if (!earlier) fail('BAD_OPTION', `${dir} already exists and is not an earlier regpath export; choose another --out`);
}

/** Writes all files into a temp folder beside `dir`, then swaps it into place. */
function writeFolderAtomic(dir: string, files: Record<string, string | Uint8Array>): void {
  const parent = path.dirname(path.resolve(dir));
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (err) {
    fsFail(err, 'create folder', parent);
  }
  const tmp = tempPathFor(path.resolve(dir));
  let old: string | null = null;
  try {
    try {
      fs.mkdirSync(tmp);
    } catch (err) {
      fsFail(err, 'create folder', tmp);
    }
    for (const [name, data] of Object.entries(files)) writeFileAtomic(path.join(tmp, name), data);
    if (fs.existsSync(dir)) {
      old = tempPathFor(path.resolve(dir));
      try {
        fs.renameSync(dir, old);
      } catch (err) {
        old = null;
        fsFail(err, 'replace', dir);
      }
    }
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      if (old) fs.renameSync(old, dir);
      old = null;
      fsFail(err, 'write', dir);
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  if (old) fs.rmSync(old, { recursive: true, force: true });
  syncDir(parent);
}

let cachedVersion: string | null = null;
/** regpath's version from package.json (two folders above src/ or dist/src/). */
export function version(): string {
  if (cachedVersion !== null) return cachedVersion;
  cachedVersion = 'unknown';
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'regpath' && typeof pkg.version === 'string') {
        cachedVersion = pkg.version;
        break;
      }
    } catch {
      // keep looking upwards
    }
  }
  return cachedVersion;
}
