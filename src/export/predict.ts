/**
 * predict: a front point of a run applied to new rows of a CSV file. The columns are matched to
 * the training features by name (any order); the training target column may be there and is
 * ignored; any other missing or extra column is an error naming it. The features are
 * standardised as in training and the network runs with CSR kernels (src/nn/sparse.ts), so the
 * cost follows the non-zeros of the sparse network. A regression fitted to its standardised
 * target predicts in the target's units.
 */
import { readFileBounded } from '../io/limits.js';
import { MAX_CSV_BYTES } from '../data/csv.js';
import { quoteCell } from '../data/numbers.js';
import { fieldLine, readCsvText } from '../data/csv-read.js';
import { badNumber, parseCell } from '../data/numbers.js';
import { unstandardizeTarget } from '../data/standardize.js';
import { fail } from '../errors.js';
import { toCsv, type CsvCell } from '../io/csv.js';
import { SparseMlp, inferenceForward, softmaxRows } from '../nn/sparse.js';
import type { RunModel } from './run.js';
import { loadRunModel, openRun, resolvePoint, runNames, type PointSpec } from './run.js';

export interface PredictOptions {
  /** Front index into path.json `points` or 'selected' (the default). */
  point?: PointSpec;
}

export interface Predictions {
  /** Index into path.json `points` of the network used. */
  point: number;
  task: 'classification' | 'regression';
  columns: string[];
  rows: Array<Record<string, CsvCell>>;
  /** Raw outputs, rows × outputs: probabilities for classification, values for regression. */
  outputs: Float64Array;
}

export function predict(runDir: string, inputFile: string, o: PredictOptions = {}): Predictions {
  const run = openRun(runDir);
  const position = resolvePoint(run, o.point ?? 'selected');
  const model = loadRunModel(run, position);
  const names = runNames(run);

  const bytes = readFileBounded(inputFile, MAX_CSV_BYTES, 'CSV file');
  const { header: rawHeader, records } = readCsvText(bytes, inputFile);
  const header = rawHeader.map((h, i) => (h === '' ? `column${i + 1}` : h));
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) fail('BAD_DATA', `${inputFile}: column ${quoteCell(h)} appears twice in the header`);
    seen.add(h);
  }
  const features = names.featureNames;
  const featureSet = new Set(features);
  const missing = features.filter((f) => !seen.has(f));
  const extra = header.filter((h) => !featureSet.has(h) && !names.targetNames.includes(h));
  if (missing.length) {
    fail('BAD_DATA', `${inputFile}: missing feature column${missing.length > 1 ? 's' : ''} ${list(missing)}; the model needs ${features.length}: ${list(features)}`);
  }
  if (extra.length) {
    const target = names.targetNames.length ? ` (the target column ${list(names.targetNames.slice(0, 1))} may be present and is ignored)` : '';
    fail('BAD_DATA', `${inputFile}: column${extra.length > 1 ? 's' : ''} ${list(extra)} ${extra.length > 1 ? 'are' : 'is'} not among the model's features${target}`);
  }
  if (records.length === 0) fail('BAD_DATA', `${inputFile}: has a header but no data rows`);

  const d = features.length;
  const cols = features.map((f) => header.indexOf(f));
  const rows = records.length;
  const x = new Float32Array(rows * d);
  const s = model.standardizer;
  for (let r = 0; r < rows; r++) {
    const rec = records[r]!;
    if (rec.fields.length !== header.length) {
      fail('BAD_DATA', `${inputFile} line ${rec.line}: expected ${header.length} fields (as in the header), got ${rec.fields.length}`);
    }
    for (let j = 0; j < d; j++) {
      const c = cols[j]!;
      const p = parseCell(rec.fields[c]!);
      if (p.kind !== 'number') fail('BAD_DATA', `${inputFile} line ${fieldLine(rec, c)}, column "${header[c]}": ${badNumber(rec.fields[c]!, p)}`);
      // standardised the way training did it: (x - mean) / std, stored as float32
      x[r * d + j] = s ? (Math.fround(p.value) - s.mean[j]!) / s.std[j]! : p.value;
    }
  }

  const { out, outputs: k } = model.network ? layerForward(model.network, x, rows) : sparseForward(model, x, rows);
  if (model.task === 'classification') {
    const probs = softmaxRows(out, rows, k);
    const classNames = names.classNames.length === k ? names.classNames : Array.from({ length: k }, (_, i) => String(i));
    const columns = ['class_index', 'class_name', ...classNames.map((c) => `prob_${c}`)];
    const table: Array<Record<string, CsvCell>> = [];
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (out[r * k + j]! > out[r * k + best]!) best = j;
      const row: Record<string, CsvCell> = { class_index: best, class_name: classNames[best]! };
      for (let j = 0; j < k; j++) row[columns[2 + j]!] = round(probs[r * k + j]!);
      table.push(row);
    }
    return { point: position, task: model.task, columns, rows: table, outputs: probs };
  }
  const values = Float64Array.from(out);
  unstandardizeTarget(values, s);
  const table = Array.from(values, (v) => ({ prediction: round(v) }));
  return { point: position, task: model.task, columns: ['prediction'], rows: table, outputs: values };
}

export function predictionsCsv(p: Predictions): string {
  return toCsv(p.columns, p.rows);
}

/** 9 significant digits: every float32 value survives the round trip. */
function round(v: number): number {
  return Number(v.toPrecision(9));
}

function list(names: string[]): string {
  const shown = names.length > 12 ? [...names.slice(0, 12), `… ${names.length - 12} more`] : names;
  return shown.map((n) => (n.startsWith('… ') ? n : `"${n}"`)).join(', ');
}

function sparseForward(model: RunModel, x: Float32Array, rows: number): { out: Float32Array; outputs: number } {
  const net = new SparseMlp(model.layers, model.activation);
  return { out: net.forward(x, rows), outputs: net.outputs };
}

/** A network with image layers: the layers' own forward pass (plain TypeScript kernels), by blocks of rows. */
function layerForward(network: NonNullable<RunModel['network']>, x: Float32Array, rows: number): { out: Float32Array; outputs: number } {
  const arch = network.arch;
  return { out: inferenceForward(arch, network.theta, x, rows), outputs: arch.layers[arch.layers.length - 1]! };
}
