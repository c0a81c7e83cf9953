import { fail } from '../errors.js';
import { kernels as defaultKernels, type Kernels } from '../kernels/index.js';
import { RunFolder, defaultRunDir } from '../io/run-folder.js';
import { LOG_FILE, POINT_FILE, POINT_FORMAT, PREPROCESS_FILE, SETTINGS_FILE, SETTINGS_FORMAT, givenOptions, isUnstartedRun, preprocessTensors, optionFlag, readSettings, refuseChangedOptions } from '../io/run.js';
import { fingerprintData, refuseChangedData, type DataFingerprint } from '../io/fingerprint.js';
import { storedDataDir } from '../data/fashion-mnist.js';
import { toCsv } from '../io/csv.js';
import { architectureOf, modelInfo } from './model.js';
import { Problem, toDevice, type DeviceData } from '../nn/problem.js';
import { parametersToTensors, tensorsToParameters } from '../nn/serialize.js';
import { getMethod } from './methods.js';
import { checkPathOptions, savedPathOptions, type PathOptions, type ResolvedPathOptions } from './options.js';
import { prepareData, type PreparedData } from './prepare.js';
import { CSV_COLUMNS, L2_CSV_COLUMNS, PATH_FORMAT, branchEndsOf, frontSize, nothingFittedWarning, summarise, weightsFile, withWarning, type PathSummary } from './result.js';
import type { RawPoint } from './types.js';
import type { PassSink, PathMethod, PointCheckpoint, PointPass } from './method.js';
import type { Architecture } from '../nn/mlp.js';
import { FrontModel, type Coefficients, type FrontPosition, type Prediction } from './front-model.js';
import { datasetFromArrays, isArrayData } from '../data/arrays.js';
import type { Dataset } from '../data/index.js';

export { SETTINGS_FORMAT };

/** Keys of ComputePathOptions that are not options of the run (and so not saved or compared). */
const NOT_RUN_OPTIONS = new Set([
  'onProgress', 'onStage', 'kernels', 'outParent', 'prepared', 'settingsExtra', 'out', 'resume', 'stopAfterPasses',
  'folds', 'validationFraction', // saved in the settings' selection, checked by crossValidatePath
]);

/**
 * What a run reports as it goes: its start (`resumedPasses`: passes of the point in progress it
 * continues, 0 for none; `restartedPoint`: why a saved point in progress could not be used), every
 * point, and every pass of a mini-batch fit (see PointPass).
 */
export type PathEvent =
  | {
    type: 'start'; dataset: PreparedData['info']; layers: number[]; arch?: string; points: number; resumedPoints: number; out: string | null;
    resumedPasses: number; restartedPoint?: string;
  }
  | { type: 'point'; point: RawPoint; state: unknown; frontSize: number }
  | ({ type: 'pass' } & PointPass);

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
  /**
   * Internal (tests): after this many passes of mini-batch fits in this session, save the point
   * in progress and stop with an INTERRUPTED error, as a kill after that pass would.
   */
  stopAfterPasses?: number;
}

export interface PathResult extends PathSummary {
  /** Parameters of each front point (same order as `points`), flat layout of ParameterLayout. */
  parameters: Float32Array[];
  /** Run folder written, if any. */
  out: string | null;
  /** Predictions for rows of raw features at a front point, an l1 or a λ (src/path/front-model.ts). */
  predict(x: ArrayLike<number>[] | Float32Array | Float64Array, at: FrontPosition): Prediction;
  /** The model's parameters at a front point, an l1 or a λ: interpolated on a linear model, the nearest point of a network. */
  coefficients(at: FrontPosition): Coefficients;
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
  const held: { folder: RunFolder | null } = { folder: null };
  const k = options.kernels ?? defaultKernels();
  // everything the run puts in kernel memory (its data, network, optimiser and method buffers) is
  // given back when it ends, finished or not: the result holds copies (parameters, points), and
  // a process that computes many paths (cross-validation's folds, compare, a library user's loop)
  // would otherwise grow by the whole run each time (MNIST: about 100 MB of RSS per path)
  const mark = k.allocationMark();
  try {
    return setUp(options, held, k);
  } finally {
    held.folder?.release();
    k.releaseSince(mark);
  }
}

function setUp(options: ComputePathOptions, held: { folder: RunFolder | null }, k: Kernels): PathResult {
  const started = performance.now();
  let folder: RunFolder | null = null;
  let resolved: ResolvedPathOptions;
  let explicitTestFraction = options.testFraction !== undefined;
  let log: LogRecord[] = [];
  let fingerprint: DataFingerprint | null = null;
  const inMemory = isArrayData(options.data) ? datasetFromArrays(options.data) : undefined;
  // a folder stopped before its settings were written holds nothing computed: with the run's
  // options given again, resume starts it afresh
  const fresh = options.resume && options.out !== undefined && options.data !== undefined && isUnstartedRun(options.out);
  if (options.resume && !fresh) {
    if (!options.out) fail('BAD_OPTION', 'resume needs the run folder (--out) of the run to finish');
    if (isUnstartedRun(options.out)) {
      fail('BAD_RUN', `cannot resume ${options.out}: it holds no run yet (it was stopped before it wrote ${SETTINGS_FILE}); start it again with its options, with or without --resume`);
    }
    folder = held.folder = RunFolder.create(options.out, { resume: true });
    const settings = readSettings(options.out);
    if (settings.command !== 'path') fail('BAD_RUN', `${options.out} is a ${settings.command} run, not a path run`);
    if (settings.inMemory === true && !inMemory && !options.prepared) {
      fail('BAD_OPTION', `${options.out} was computed on data in memory; pass the same data arrays again to resume it`);
    }
    if (settings.selection !== undefined && !options.prepared) {
      fail('BAD_RUN', `${options.out} is a run with validation or cross-validation; resume it with regpath path --out <folder> --resume (crossValidatePath)`);
    }
    // in-memory data are not compared by value (the saved settings hold only a marker)
    const given = Object.fromEntries(Object.entries(options).filter(([key]) => !NOT_RUN_OPTIONS.has(key) && !(key === 'data' && inMemory)));
    refuseChangedOptions(options.out, given, settings.options);
    resolved = checkPathOptions(givenOptions<PathOptions>(settings.options));
    explicitTestFraction = settings.explicitTestFraction;
    fingerprint = settings.data ?? null;
    log = folder.has(LOG_FILE) ? validLog(folder, folder.readLog(LOG_FILE) as LogRecord[]) : [];
  } else {
    resolved = checkPathOptions(options);
  }
  const { data, arch } = loadOnDevice(k, options, resolved, explicitTestFraction, inMemory);
  const wantsFolder = folder !== null || options.out !== undefined || options.outParent !== undefined;
  const dataPrint = wantsFolder && !inMemory ? fingerprintData(resolved.data, storedDataDir) : null;
  if (folder && dataPrint) refuseChangedData(folder.dir, resolved.data, fingerprint, dataPrint);

  const { train, test } = data;
  const batch = resolved.batch ?? (train.rows <= 10000 ? train.rows : 5600);
  const problem = new Problem(k, arch, train, test, batch, resolved.seed);
  const writePreprocess = (f: RunFolder): void => {
    if (data.standardizer) f.writeTensors(PREPROCESS_FILE, preprocessTensors(data.standardizer));
  };
  if (!folder && wantsFolder) {
    folder = held.folder = RunFolder.create(options.out ?? defaultRunDir(new Date(), options.outParent), { resume: false });
    // settings first: from them (and the data they fingerprint) a resume rebuilds the rest
    folder.writeJson(SETTINGS_FILE, {
      format: SETTINGS_FORMAT, command: 'path', options: savedPathOptions(resolved), explicitTestFraction,
      ...(dataPrint && { data: dataPrint }), ...(inMemory && { inMemory: true }), ...options.settingsExtra,
    });
    writePreprocess(folder);
  } else if (folder && !folder.has(PREPROCESS_FILE)) {
    // a run killed between its settings and its standardisation
    writePreprocess(folder);
  }
  return run(options, k, started, folder, resolved, data, arch, problem, log);
}

function run(
  options: ComputePathOptions, k: Kernels, started: number, folder: RunFolder | null, resolved: ResolvedPathOptions,
  data: DevicePrepared, arch: Architecture, problem: Problem, log: LogRecord[],
): PathResult {
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
  const saved = folder?.resumed ? savedPoint(folder, method, problem, penalised, resolved, raw.length) : { point: null };
  const resumePoint = saved.point?.checkpoint ?? null;
  // the time of the saved point's passes counts: from its checkpoint, not from the last point
  const priorElapsed = resumePoint ? saved.point!.elapsed : log.length ? log[log.length - 1]!.elapsed : 0;
  const elapsed = (): number => priorElapsed + (performance.now() - started) / 1000;
  let lastState: unknown = log.length ? log[log.length - 1]!.state : null;
  // what to try when the front fitted nothing (see nothingFittedWarning)
  const fitHint = layout.depth === 1
    ? 'the features do not predict the target linearly'
    : data.info.task === 'regression' && !data.info.targetScale && !problem.fullBatch
      ? 'its fits took stochastic steps on a target in its own units, whose step sizes are not scale-free: leave out --no-standardize-target, or pass a smaller --lr'
      : 'the features may not predict the target, or the fits failed (try another --lr or --hidden)';
  const summary = (status: PathSummary['status']): PathSummary => {
    const { points, metrics } = summarise(raw, problem.nullLoss, resolved.l1Ref, resolved.penalty ?? 'l1');
    return {
      format: PATH_FORMAT, method: resolved.method, status, seed: resolved.seed, seconds: round(elapsed(), 3),
      dataset: data.info, model: modelInfo(arch, resolved, data.info),
      objective: { loss: arch.loss, penalty: resolved.penalty ?? 'l1', penalizeBias: resolved.penalizeBias },
      metrics, points, raw, ...withWarning(branchEndsOf(lastState), nothingFittedWarning(raw, problem.nullLoss, fitHint)),
    };
  };
  // a running run's summaries are rebuilt from the log and weights on resume, so they are
  // replaced atomically but not fsynced (see AtomicWriteOptions); the final one is durable
  const writeSummary = (s: PathSummary): void => {
    if (!folder) return;
    const durable = { durable: s.status !== 'running' };
    folder.writeJson('path.json', s, durable);
    folder.writeText('path.csv', toCsv([...(resolved.penalty === 'l2' ? L2_CSV_COLUMNS : CSV_COLUMNS)], s.points.map((p) => ({ ...p }))), durable);
  };

  options.onProgress?.({
    type: 'start', dataset: data.info, layers: arch.layers, ...(arch.specs && { arch: resolved.arch! }), points: resolved.points, resumedPoints: raw.length,
    out: folder?.dir ?? null, resumedPasses: saved.point?.passes ?? 0, ...(saved.restarted && { restartedPoint: saved.restarted }),
  });
  let lastCheckpoint = -Infinity; // the first point (or pass) is checkpointed at once
  // the points' own clock: a pass checkpoint (the point in progress) does not rewrite path.json, so
  // it must not delay the next point's (a mini-batch run's live report otherwise found no
  // path.json for its first points and warned after each)
  let lastPointCheckpoint = -Infinity;
  /** Whether POINT_FILE may exist (a stale one is superseded or removed with the next point). */
  let pointOnDisk = folder?.resumed === true && folder.has(POINT_FILE);
  let passes = 0;
  // A mini-batch fit's pass: saved as the point in progress when CHECKPOINT_SECONDS have passed
  // since the last checkpoint (on the seed's CIFAR-10 CNN every pass, ~35 CPU-s; on Fashion-MNIST's
  // MLP about every third), then reported. Each save is fsynced: on the loaded benchmark VM a
  // Fashion-MNIST save (0.2 MB) took a median 26 ms of wall time, 1.9 ms of it CPU; the CNN's
  // (7.4 MB) 44 ms, 4.3 ms CPU.
  const pass: PassSink = (p, save) => {
    const stop = options.stopAfterPasses !== undefined && ++passes >= options.stopAfterPasses;
    const now = performance.now();
    if (folder && (stop || now - lastCheckpoint >= CHECKPOINT_SECONDS * 1000)) {
      lastCheckpoint = now;
      const c = save();
      folder.writePoint({
        json: {
          format: POINT_FORMAT, method: resolved.method, points: raw.length, index: p.index, passes: p.pass, elapsed: round(elapsed(), 3),
          options: savedPathOptions(resolved), parameters: layout.size, point: c.json,
        },
        tensors: c.tensors,
      });
      pointOnDisk = true;
    }
    options.onProgress?.({ type: 'pass', ...p });
    if (stop) fail('INTERRUPTED', `path: stopped after ${passes} passes (point ${p.index}, pass ${p.pass}); resume with --resume`);
  };
  const sink = (point: RawPoint, theta: Float32Array, state: unknown): void => {
    checkConverged(point, theta, resolved);
    const copy = Float32Array.from(theta);
    thetas.set(point.index, copy);
    raw.push(point);
    lastState = state;
    if (folder) {
      // weights first, then the log line that refers to them: a kill between the two leaves a
      // weights file nobody points to, never a log entry without weights. Both reach the disk
      // (fsync) at the next checkpoint; a kill loses nothing before that (the page cache
      // outlives the process), a machine crash at most the points since the last checkpoint
      // (a resume drops log lines whose weights did not make it, see validLog)
      folder.writeTensors(weightsFile(point.index), parametersToTensors(layout, copy), { l1: String(point.l1), trainLoss: String(point.trainLoss) }, NOT_DURABLE);
      folder.appendLog(LOG_FILE, { point, state, elapsed: round(elapsed(), 3) } satisfies LogRecord, NOT_DURABLE);
      // the point in progress is this point: a kill before its removal leaves a stale one, which a
      // resume tells by its count of saved points
      if (pointOnDisk) folder.removePoint();
      pointOnDisk = false;
      const now = performance.now();
      if (now - lastPointCheckpoint >= CHECKPOINT_SECONDS * 1000) {
        lastCheckpoint = lastPointCheckpoint = now;
        folder.sync();
        writeSummary(summary('running'));
      }
    }
    options.onProgress?.({ type: 'point', point, state, frontSize: frontSize(raw, resolved.penalty ?? 'l1') });
  };
  try {
    method.run({ k, problem, options: resolved, penalised, sink, load, resume: log.length ? log[log.length - 1]!.state : null, pass, resumePoint });
  } catch (err) {
    // a run that fails (or is stopped by its caller) leaves its summaries as of its last point
    if (folder && raw.length) {
      folder.sync();
      writeSummary(summary('running'));
    }
    throw err;
  }

  folder?.sync();
  const final = summary('complete');
  writeSummary(final);
  const parameters = final.points.map((p) => load(p.index));
  const model = new FrontModel({
    points: final.points, parameters, layers: arch.layers, activation: resolved.activation, task: data.info.task,
    classNames: data.info.classNames, standardizer: data.standardizer, penalizeBias: resolved.penalizeBias,
  });
  return {
    ...final, parameters, out: folder?.dir ?? null,
    // the in-memory front model computes dense layers; a layer list with image layers is served by
    // its run folder (regpath predict, export) instead
    predict: (x, at) => (arch.specs ? imageLayersRefused('predict') : model.predict(x, at)),
    coefficients: (at) => (arch.specs ? imageLayersRefused('coefficients') : model.coefficients(at)),
  };
}

/**
 * Refuses a point whose numbers are not finite before any of it is written: training diverged,
 * and a NaN front point would poison the front, its measures and every later resume.
 */
function checkConverged(point: RawPoint, theta: Float32Array, o: ResolvedPathOptions): void {
  const bad = Object.entries(point).find(([, v]) => typeof v === 'number' && !Number.isFinite(v));
  let where = bad ? `its ${bad[0]} is ${bad[1]}` : '';
  if (!bad) {
    const i = theta.findIndex((v) => !Number.isFinite(v));
    if (i < 0) return;
    where = `weight ${i} is ${theta[i]}`;
  }
  const fix = o.standardize
    ? 'try a smaller --step, a bounded activation (--activation tanh), or rescale the target'
    : 'standardise the features (leave out --no-standardize) or rescale them';
  fail('DIVERGED', `training diverged at point ${point.index} (${where}); nothing of that point was written. To fix: ${fix}`);
}

/**
 * Seconds between two checkpoints of a running path: the weights and log lines written since the
 * last one are fsynced and path.json/path.csv rewritten. Per point, the three fsyncs and two
 * rewrites cost about as much as computing an Iris point (a 4-4-4-3 path: ~8 ms of fsync and
 * ~2 ms of rewrites per point on the benchmark VM).
 */
const CHECKPOINT_SECONDS = 1;
const NOT_DURABLE = { durable: false } as const;

/**
 * The log records of a resumed run up to the first whose weights file is missing or unreadable
 * (a machine crash between two checkpoints can leave a log line on disk without its weights, or
 * a weights file empty); the log is cut there, and the method resumes from the last good record.
 * A killed process never leaves such a record (see the sink).
 */
function validLog(folder: RunFolder, log: LogRecord[]): LogRecord[] {
  let good = 0;
  for (; good < log.length; good++) {
    const file = weightsFile(log[good]!.point.index);
    if (!folder.has(file)) break;
    try {
      folder.readTensors(file);
    } catch {
      break;
    }
  }
  if (good < log.length) folder.rewriteLog(LOG_FILE, log.slice(0, good));
  return log.slice(0, good);
}

/**
 * The point in progress a stopped run saved, if the method can continue from it: null when there
 * is none, or it belongs to a point already saved (a kill between the point's log line and its
 * removal) or to a point past the log's end (a machine crash cut the log). A file that cannot be
 * read, or that the method cannot continue from, restarts the point (`restarted` says why); one
 * written by a run with other settings is refused.
 */
function savedPoint(
  folder: RunFolder, method: PathMethod, problem: Problem, penalised: number, resolved: ResolvedPathOptions, points: number,
): { point: { checkpoint: PointCheckpoint; elapsed: number; passes: number } | null; restarted?: string } {
  const file = folder.path(POINT_FILE);
  const c = folder.readPoint();
  if (c === null) return { point: null };
  const restart = (why: string): { point: null; restarted: string } => ({ point: null, restarted: `${file} ${why}; point ${points} restarts` });
  const j = c === 'unreadable' ? null : c.json;
  if (!j || j.format !== POINT_FORMAT || typeof j.points !== 'number' || typeof j.elapsed !== 'number' || typeof j.passes !== 'number' ||
    typeof j.options !== 'object' || j.options === null || typeof j.point !== 'object' || j.point === null) {
    return restart('cannot be read (cut short or damaged)');
  }
  if (j.points !== points) return { point: null };
  const options = savedPathOptions(resolved) as unknown as Record<string, unknown>;
  const was = j.options as Record<string, unknown>;
  const diffs = [...new Set([...Object.keys(options), ...Object.keys(was)])]
    .filter((key) => JSON.stringify(options[key] ?? null) !== JSON.stringify(was[key] ?? null))
    .map((key) => `${optionFlag(key)} ${JSON.stringify(was[key] ?? null)} (this run: ${JSON.stringify(options[key] ?? null)})`);
  if (j.method !== resolved.method) diffs.unshift(`method ${JSON.stringify(j.method)} (this run: ${resolved.method})`);
  if (j.parameters !== problem.mlp.layout.size) diffs.push(`${String(j.parameters)} parameters (this run: ${problem.mlp.layout.size})`);
  if (diffs.length) {
    fail('BAD_RUN', `${file} was saved by a run with other settings: ${diffs.join(', ')}; delete it to restart point ${points} from its start`);
  }
  const checkpoint = { json: j.point as Record<string, unknown>, tensors: (c as Exclude<typeof c, 'unreadable'>).tensors };
  if (!method.readsPoint?.(problem, penalised, checkpoint)) return restart('does not hold a point this run can continue');
  return { point: { checkpoint, elapsed: j.elapsed, passes: j.passes } };
}

/** Networks beyond this many parameters do not fit the kernels' 4 GiB WebAssembly memory. */
const MAX_PARAMETERS = 100_000_000;

function checkNetworkSize(layers: number[], hidden: number[]): void {
  let n = 0;
  for (let l = 0; l + 1 < layers.length; l++) n += layers[l]! * layers[l + 1]! + layers[l + 1]!;
  if (n > MAX_PARAMETERS) {
    fail('BAD_OPTION', `--hidden ${hidden.join(',')}: the network has ${n.toExponential(2)} parameters; at most ${MAX_PARAMETERS.toExponential(0)} fit in memory`);
  }
}

function imageLayersRefused(what: string): never {
  fail('BAD_OPTION', `${what}: the result's in-memory front model covers dense networks (--hidden); for a network with --arch use its run folder with regpath predict or export`);
}

type DevicePrepared = Omit<PreparedData, 'train' | 'test'> & { train: DeviceData; test: DeviceData | null };

/**
 * Loads and checks the data and the network (nothing is written yet) and returns the data with its
 * rows in kernel memory. The loader's arrays live only in this function's frame: once it returns
 * they are garbage, so a large set (Fashion-MNIST's train part is 188 MB) is held once for the
 * run, not twice.
 */
function loadOnDevice(
  k: Kernels, options: ComputePathOptions, resolved: ResolvedPathOptions, explicitTestFraction: boolean, inMemory: Dataset | undefined,
): { data: DevicePrepared; arch: Architecture } {
  const prepared = options.prepared ?? prepareData(resolved, explicitTestFraction, inMemory, k);
  const arch = architectureOf(resolved, prepared.info);
  getMethod(resolved.method).check?.(resolved, arch.layers, prepared.train.rows);
  checkNetworkSize(arch.layers, resolved.hidden);
  return { data: onDevice(k, prepared), arch };
}

/** The prepared data with its rows in kernel memory (copied there unless the loader wrote them there). */
function onDevice(k: Kernels, p: PreparedData): DevicePrepared {
  const adopt = p.inKernelMemory === true;
  return {
    info: p.info, standardizer: p.standardizer, classNames: p.classNames, featureNames: p.featureNames,
    train: toDevice(k, p.train.x, p.train.y, p.train.rows, p.train.features, adopt),
    test: p.test ? toDevice(k, p.test.x, p.test.y, p.test.rows, p.test.features, adopt) : null,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
