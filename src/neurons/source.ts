/**
 * Where `regpath neurons` finds a network and its training data:
 * - a path run (settings.json command "path"): front point --point i, data prepared as the run did;
 * - a widths run (command "widths"): the best network of --width w (default the widest);
 * - --network FILE (any regpath weights file: layer<i>.kernel / layer<i>.bias) with --data options.
 * Everything a user can get wrong is one RegpathError line naming the folder or file.
 */
import { refuseImageLayers } from '../path/model.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Dataset } from '../data/index.js';
import { fail } from '../errors.js';
import { Fields } from '../io/fields.js';
import { PATH_FILE, SETTINGS_FILE, checkFinite, givenOptions, openPathRun, readPointWeights, readSettings } from '../io/run.js';
import { readSafetensors, type Tensors } from '../io/safetensors.js';
import type { ActName } from '../kernels/kernels.js';
import { checkPathOptions, type PathOptions } from '../path/options.js';
import { prepareData } from '../path/prepare.js';
import { loadExperimentData, type ExperimentDataOptions } from '../experiments/data.js';
import type { WidthsOptions } from '../experiments/widths.js';
import { tensorsToNet, type Net } from './network.js';

export interface NeuronSource {
  net: Net;
  train: Dataset;
  test: Dataset | null;
  /** The l2 strength the network was trained with, when the source knows it. */
  lambda: number | null;
  /** e.g. "runs/x, width 100" — for reports. */
  label: string;
  /** What settings.json of a reduce run records, to find the source again. */
  source: Record<string, unknown>;
}

export const widthsNetworkFile = (w: number): string => `networks/width-${w}.safetensors`;

export function loadFromRun(dir: string, sel: { point?: number; width?: number }): NeuronSource {
  const settings = readSettings(dir);
  if (settings.command === 'widths') {
    if (sel.point !== undefined) fail('BAD_OPTION', `--point: ${dir} is a widths run; choose its network with --width`);
    const f = new Fields(path.join(dir, SETTINGS_FILE));
    const o = settings.options as unknown as WidthsOptions;
    f.array(o.widths, 'options.widths').forEach((w, i) => f.int(w, `options.widths[${i}]`, 1));
    const have = o.widths.filter((w) => fs.existsSync(path.join(dir, widthsNetworkFile(w))));
    if (have.length === 0) fail('BAD_RUN', `${dir} has no network yet (no ${widthsNetworkFile(o.widths[o.widths.length - 1]!)}; the widths run did not finish a width)`);
    const w = sel.width ?? Math.max(...have);
    if (!have.includes(w)) fail('BAD_OPTION', `--width ${w}: ${dir} has networks for widths ${have.join(', ')}`);
    const file = path.join(dir, widthsNetworkFile(w));
    const net = tensorsToNet(readChecked(file), 'relu', file);
    const data = loadExperimentData(o);
    return { net, train: data.train, test: data.test, lambda: o.lambda, label: `${dir}, width ${w}`, source: { run: dir, width: w } };
  }
  if (sel.width !== undefined) fail('BAD_OPTION', `--width: ${dir} is not a widths run`);
  if (settings.command !== 'path') fail('BAD_RUN', `${dir} is a ${settings.command} run; neurons reads path and widths runs`);
  if (!fs.existsSync(path.join(dir, PATH_FILE))) fail('BAD_RUN', `${dir} has no network (no path.json: the run has not computed a point yet)`);
  const run = openPathRun(dir);
  const summary = run.summary;
  const n = summary.points.length;
  if (n === 0) fail('BAD_RUN', `${dir} has no network (its front has no points yet)`);
  const i = sel.point ?? n - 1;
  if (!Number.isSafeInteger(i) || i < 0 || i >= n) fail('BAD_OPTION', `--point ${i} is out of range: the front of ${dir} has ${n} point${n === 1 ? '' : 's'}, 0..${n - 1}`);
  const point = summary.points[i]!;
  const { file, content } = readPointWeights(run, i);
  refuseImageLayers(summary.model, dir, 'neurons');
  const net = tensorsToNet(content.tensors, summary.model.activation as ActName, file);
  if (net.layers.join(',') !== summary.model.layers.join(',')) fail('BAD_RUN', `${file}: layers ${net.layers.join('-')} differ from path.json's ${summary.model.layers.join('-')}`);
  const data = prepareData(checkPathOptions(givenOptions<PathOptions>(settings.options)), settings.explicitTestFraction);
  const objective = summary.objective as { penalty?: unknown } | undefined;
  const lambda = objective?.penalty === 'l2' ? point.lambda : null;
  return { net, train: data.train, test: data.test, lambda, label: `${dir}, point ${i}`, source: { run: dir, point: i } };
}

/** The tensors of a weights file, refused when they hold NaN or infinite values. */
function readChecked(file: string): Tensors {
  const { tensors } = readSafetensors(file);
  checkFinite(tensors, file);
  return tensors;
}

export function loadFromFile(file: string, data: ExperimentDataOptions): NeuronSource {
  if (!fs.existsSync(file)) fail('FILE_NOT_FOUND', `--network ${file}: no such file`);
  const content = readSafetensors(file);
  checkFinite(content.tensors, file);
  const activation = (content.metadata['activation'] ?? 'relu') as ActName;
  const net = tensorsToNet(content.tensors, activation, file);
  const d = loadExperimentData(data);
  if (d.train.features !== net.layers[0]) fail('BAD_DATA', `--network ${file} takes ${net.layers[0]} inputs, but ${d.name} has ${d.train.features} features`);
  if (d.classes !== net.layers[net.layers.length - 1]) fail('BAD_DATA', `--network ${file} has ${net.layers[net.layers.length - 1]} outputs, but ${d.name} has ${d.classes} classes`);
  const lambda = content.metadata['lambda'] !== undefined ? Number(content.metadata['lambda']) : null;
  return { net, train: d.train, test: d.test, lambda: Number.isFinite(lambda) ? lambda : null, label: file, source: { network: file, data } };
}
