import { fail } from '../errors.js';
import { kernels as defaultKernels, type Kernels } from '../kernels/index.js';
import { RunFolder, SETTINGS_FILE, defaultRunDir } from '../io/run-folder.js';
import { toCsv } from '../io/csv.js';
import type { Architecture } from '../nn/mlp.js';
import { Problem, toDevice, type DeviceData } from '../nn/problem.js';
import { parametersToTensors, tensorsToParameters } from '../nn/serialize.js';
import { getMethod } from './methods.js';
import { checkPathOptions, type PathOptions, type ResolvedPathOptions } from './options.js';
import { prepareData, type PreparedData } from './prepare.js';
import { CSV_COLUMNS, L2_CSV_COLUMNS, PATH_FORMAT, branchEndsOf, summarise, weightsFile, type PathSummary } from './result.js';
import type { RawPoint } from './types.js';

export const SETTINGS_FORMAT = 'regpath.settings/1';
const LOG_FILE = 'log.jsonl';

export type PathEvent =
  | { type: 'start'; dataset: PreparedData['info']; layers: number[]; points: number; resumedPoints: number; out: string | null }
  | { type: 'point'; point: RawPoint; state: unknown; frontSize: number };

export interface ComputePathOptions extends PathOptions {
  /** Progress callback (the CLI draws its progress bar from it). */
  onProgress?: (e: PathEvent) => void;
  /** Kernel backend; the process default (wasm) otherwise. */
  kernels?: Kernels;
  /**
   * Without `out`: write a fresh `<outParent>/<YYYYMMDD-HHMMSS>` run folder (the CLI passes
   * 'runs'). It is created only once the data has loaded, so bad input leaves nothing behind.
   */
  outParent?: string;
  /**
   * Internal (cross-validation, src/select): the data already split and standardised, used
   * instead of loading `data`; with `resume` the caller must prepare the same data again.
   */
  prepared?: PreparedData;
  /** Internal: extra fields for settings.json (the cross-validation settings of the run). */
  settingsExtra?: Record<string, unknown>;
}

export interface PathResult extends PathSummary {
  /** Parameters of each front point (same order as `points`), flat layout of ParameterLayout. */
  parameters: Float32Array[];
  /** Run folder written, if any. */
  out: string | null;
}

interface LogRecord {
  point: RawPoint;
  /** The method's state after this point (what --resume continues from). */
  state: unknown;
  /** Wall seconds since the run started, summed over resumed sessions. */
  elapsed: number;
}

/**
 *     min over θ of ( L(θ), ‖θ_pen‖₁ )      (penalty 'l2': ( L(θ), ‖θ_pen‖₂² ), the weight-decay path)
 *
 * Computes the regularization path (the Pareto front of training loss against the l1 norm of
 * the weights) of an MLP by the predictor-corrector continuation method, and returns the front
 * sorted by l1 ascending with each point's losses, accuracies, non-zeros and parameters. With
 * `out` every point is saved as soon as it is computed, and `resume` finishes a run that was
 * interrupted.
 */
export async function computePath(options: ComputePathOptions = {}): Promise<PathResult> {
  const k = options.kernels ?? defaultKernels();
  const started = performance.now();
  let folder: RunFolder | null = null;
  let resolved: ResolvedPathOptions;
  let explicitTestFraction = options.testFraction !== undefined;
  let log: LogRecord[] = [];
  if (options.resume) {
    if (!options.out) fail('BAD_OPTION', 'resume needs the run folder (--out) of the run to finish');
    folder = RunFolder.create(options.out, { resume: true });
    const settings = folder.readJson(SETTINGS_FILE, SETTINGS_FORMAT) as { options: ResolvedPathOptions; explicitTestFraction: boolean; selection?: unknown };
    if (settings.selection !== undefined && !options.prepared) {
      fail('BAD_RUN', `${options.out} is a run with validation or cross-validation; resume it with regpath path --out <folder> --resume (crossValidatePath)`);
    }
    // null marks an option left at its data-dependent default (batch, target)
    const saved = Object.fromEntries(Object.entries(settings.options).filter(([, v]) => v !== null));
    resolved = checkPathOptions(saved as PathOptions);
    explicitTestFraction = settings.explicitTestFraction;
    log = folder.has(LOG_FILE) ? (folder.readLog(LOG_FILE) as LogRecord[]) : [];
  } else {
    resolved = checkPathOptions(options);
  }
  const data = onDevice(k, options.prepared ?? prepareData(resolved, explicitTestFraction));
  const arch: Architecture = {
    layers: [data.info.features, ...resolved.hidden, data.info.task === 'classification' ? data.info.classes : 1],
    activation: resolved.activation,
    loss: data.info.task === 'classification' ? 'cross-entropy' : 'mse',
  };
  getMethod(resolved.method).check?.(resolved, arch.layers, data.train.rows);
  if (!folder && (options.out || options.outParent)) {
    folder = RunFolder.create(options.out ?? defaultRunDir(new Date(), options.outParent), { resume: false });
    folder.writeJson(SETTINGS_FILE, { format: SETTINGS_FORMAT, command: 'path', options: resolved, explicitTestFraction, ...options.settingsExtra });
    if (data.standardizer) {
      folder.writeTensors('preprocess.safetensors', {
        mean: { dtype: 'F32', shape: [data.info.features], data: data.standardizer.mean },
        std: { dtype: 'F32', shape: [data.info.features], data: data.standardizer.std },
      });
    }
  }

  const { train, test } = data;
  const batch = resolved.batch ?? (train.rows <= 10000 ? train.rows : 5600);
  const problem = new Problem(k, arch, train, test, batch, resolved.seed);
  const layout = problem.mlp.layout;
  const method = getMethod(resolved.method);
  const penalised = layout.penalised(resolved.penalizeBias);
  const raw: RawPoint[] = log.map((r) => r.point);
  const thetas = new Map<number, Float32Array>();
  const load = (i: number): Float32Array => {
    let t = thetas.get(i);
    if (!t) {
      if (!folder) fail('INTERNAL', `point ${i} is not in memory`);
      t = new Float32Array(layout.size);
      const file = weightsFile(i);
      tensorsToParameters(layout, folder.readTensors(file).tensors, t, `${folder.path(file)}`);
      thetas.set(i, t);
    }
    return t;
  };
  const priorElapsed = log.length ? log[log.length - 1]!.elapsed : 0;
  const elapsed = (): number => priorElapsed + (performance.now() - started) / 1000;
  let lastState: unknown = log.length ? log[log.length - 1]!.state : null;
  const summary = (status: PathSummary['status']): PathSummary => {
    const { points, metrics } = summarise(raw, problem.nullLoss, resolved.l1Ref, resolved.penalty ?? 'l1');
    return {
      format: PATH_FORMAT, method: resolved.method, status, seed: resolved.seed, seconds: round(elapsed(), 3),
      dataset: data.info, model: { layers: arch.layers, activation: resolved.activation },
      objective: { loss: arch.loss, penalty: resolved.penalty ?? 'l1', penalizeBias: resolved.penalizeBias },
      metrics, points, raw, ...branchEndsOf(lastState),
    };
  };
  const writeSummary = (s: PathSummary): void => {
    if (!folder) return;
    folder.writeJson('path.json', s);
    folder.writeText('path.csv', toCsv([...(resolved.penalty === 'l2' ? L2_CSV_COLUMNS : CSV_COLUMNS)], s.points.map((p) => ({ ...p }))));
  };

  options.onProgress?.({ type: 'start', dataset: data.info, layers: arch.layers, points: resolved.points, resumedPoints: raw.length, out: folder?.dir ?? null });
  const sink = (point: RawPoint, theta: Float32Array, state: unknown): void => {
    const copy = Float32Array.from(theta);
    thetas.set(point.index, copy);
    raw.push(point);
    lastState = state;
    const running = summary('running');
    if (folder) {
      // weights first, then the log line that refers to them: a kill between the two leaves a
      // weights file nobody points to, never a log entry without weights
      folder.writeTensors(weightsFile(point.index), parametersToTensors(layout, copy), { l1: String(point.l1), trainLoss: String(point.trainLoss) });
      folder.appendLog(LOG_FILE, { point, state, elapsed: round(elapsed(), 3) } satisfies LogRecord);
      writeSummary(running);
    }
    options.onProgress?.({ type: 'point', point, state, frontSize: running.points.length });
  };
  method.run({ k, problem, options: resolved, penalised, sink, load, resume: log.length ? log[log.length - 1]!.state : null });

  const final = summary('complete');
  writeSummary(final);
  return { ...final, parameters: final.points.map((p) => load(p.index)), out: folder?.dir ?? null };
}

/**
 * The prepared data with its rows copied into kernel memory, keeping nothing else of the loader's
 * arrays: once this returns they are garbage, so a large set (Fashion-MNIST's train part is 188 MB)
 * is held once for the run, not twice.
 */
function onDevice(k: Kernels, p: PreparedData): Omit<PreparedData, 'train' | 'test'> & { train: DeviceData; test: DeviceData | null } {
  return {
    info: p.info, standardizer: p.standardizer, classNames: p.classNames, featureNames: p.featureNames,
    train: toDevice(k, p.train.x, p.train.y, p.train.rows, p.train.features),
    test: p.test ? toDevice(k, p.test.x, p.test.y, p.test.rows, p.test.features) : null,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
