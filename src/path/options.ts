import { fail } from '../errors.js';
import { integer, range } from '../util/check-option.js';
import { Act, type ActName } from '../kernels/kernels.js';
import { getMethod } from './methods.js';
import { parseArch } from '../nn/architecture.js';
import type { Direction } from './types.js';
import type { PenaltyName } from './penalty.js';
import { isArrayData, type ArrayData } from '../data/arrays.js';

/** What a path run is asked to do: the library's mirror of `regpath path`'s options. */
export interface PathOptions {
  /**
   * 'mnist', 'iris', 'fashion-mnist', a .csv file, a folder of MNIST-format IDX files, or arrays
   * in memory ({ features, target, featureNames?, task? }; nothing is read from disk). @default 'mnist'
   */
  data?: string | ArrayData;
  /** CSV target column. @default the last column */
  target?: string;
  /** @default 'auto' (integer labels → classification) */
  task?: 'classify' | 'regress' | 'auto';
  /** Path method: 'continuation' or a baseline (see README). @default 'continuation' ('sweep' with penalty l2) */
  method?: string;
  /**
   * The second objective: 'l1' (‖θ_pen‖₁) or 'l2' (‖θ_pen‖₂², the weight-decay path; only the
   * sweep computes it). @default 'l1'
   */
  penalty?: PenaltyName;
  /** Hidden layer widths; [] is a linear model (linear, logistic or softmax regression). @default [20, 20] */
  hidden?: number[];
  /**
   * The hidden layers as a list instead of `hidden`, e.g. 'conv6k5,pool2,conv16k5,pool2,fc32'
   * (grammar in nn/architecture.ts; the output layer is implied by the data). @default none (an MLP of `hidden`)
   */
  arch?: string;
  /** Shape C,H,W of a CSV row (its columns are read channel by channel, row by row). @default IDX images' own shape */
  inputShape?: number[];
  /** Hidden activation. @default 'relu' */
  activation?: ActName;
  /** Target number of front points (their spacing is set from it). @default 40 */
  points?: number;
  /** Mini-batch size. @default full batch up to 10,000 training rows, else 5,600 */
  batch?: number;
  /** Seed for init, split and batches. @default 1 */
  seed?: number;
  /** Penalise biases with the weights. @default false */
  penalizeBias?: boolean;
  /** Standardise features with the training part's mean and std. @default true */
  standardize?: boolean;
  /**
   * Regression: fit the target standardised with the training part's mean and std, so that a
   * network's l1 does not depend on the target's units (losses are then in units of the target's
   * variance; predictions and exports are in the target's units). A linear model's lasso path is
   * the same set of models in any units (λ and l1 scale with the target's std), so it keeps the
   * target as it is unless this is given. @default `standardize` for a network, false for a linear model
   */
  standardizeTarget?: boolean;
  /** Share of rows held out for testing (stratified). @default 0.2 */
  testFraction?: number;
  /** Which branches to follow from the initial point. @default 'both' */
  direction?: Direction;
  /** Initial MPG step size h (backtracking adapts it). @default 1 */
  step?: number;
  /**
   * Corrector convergence. Linear models: the corrector stops when the stationarity of its point
   * (the MPG step norm, src/path/stationarity.ts) has fallen to this fraction of its value where
   * the corrector started. Full-batch networks: the same at a fifth of this (converged), or
   * a stall, movement per check below this fraction of the spacing (not converged).
   * Mini-batches: the stall test alone. Networks get 0.03: on the default MNIST run 0.05 gave train
   * hypervolume 1.119 in 61 CPU-s, 0.03 gave 1.125 in 71 (40 front points both).
   * @default 0.01 for a linear model; 0.03 for a network, 0.02 when `batch` is given
   */
  tolerance?: number;
  /** Cap on MPG steps per corrector. @default 2000 */
  maxCorrectorSteps?: number;
  /** Baselines (sweep): glmnet's fixed geometric grid of this many λ values. @default none: λ steps sized for `points` front points */
  nlambda?: number;
  /** Baselines (sweep): smallest λ of the grid as a fraction of λ_max. @default 1e-4 (1e-6 with penalty l2) */
  lambdaMinRatio?: number;
  /**
   * Baselines (sweep, weighted-sum): cap on epochs of proximal SGD per fit (a fit ends earlier once
   * its objective settles). @default 1000 for a linear model (fits run to convergence, as glmnet's), 50 for a network
   */
  fitEpochs?: number;
  /** Baselines (sweep, weighted-sum): epochs of plain SGD training before the first fit of a network. @default 300 */
  denseEpochs?: number;
  /** Baselines (sweep, weighted-sum): SGD learning rate (momentum 0.9; halved automatically if a fit diverges). @default 0.1 */
  learningRate?: number;
  /** Baselines (nsga2): population size. @default 100 */
  population?: number;
  /** Baselines (nsga2): number of generations. @default 250 */
  generations?: number;
  /** l1 normalisation of the front measures (fix it to compare runs). @default the largest l1 on the front */
  l1Ref?: number;
  /** Run folder to write; none when omitted (library use). */
  out?: string;
  /** Finish the interrupted run in `out`. @default false */
  resume?: boolean;
}

export interface ResolvedPathOptions {
  method: string;
  /** Present only for l2 (absent means l1, which keeps the settings of l1 runs as they were). */
  penalty?: 'l2';
  data: string;
  target: string | null;
  task: 'classify' | 'regress' | 'auto';
  hidden: number[];
  /** Present only when given (an MLP's settings stay as they were). */
  arch?: string;
  inputShape?: number[];
  activation: ActName;
  points: number;
  batch: number | null;
  seed: number;
  penalizeBias: boolean;
  standardize: boolean;
  standardizeTarget: boolean;
  testFraction: number;
  direction: Direction;
  step: number;
  tolerance: number;
  maxCorrectorSteps: number;
  /** null: λ steps sized for `points`. */
  nlambda: number | null;
  lambdaMinRatio: number;
  /** null: 1000 for a linear model, 50 for a network. */
  fitEpochs: number | null;
  denseEpochs: number;
  learningRate: number;
  population: number;
  generations: number;
  /** null: the largest l1 on the front. */
  l1Ref: number | null;
}

const DIRECTIONS: Direction[] = ['both', 'denser', 'sparser'];

/** The defaults checkPathOptions applies (and `regpath path --help` states). */
export const PATH_DEFAULTS = {
  data: 'mnist', task: 'auto', penalty: 'l1', hidden: [20, 20], activation: 'relu', points: 40, seed: 1,
  penalizeBias: false, standardize: true, testFraction: 0.2, direction: 'both', step: 1, maxCorrectorSteps: 2000,
  denseEpochs: 300, learningRate: 0.1, population: 100, generations: 250,
} as const;

/** Defaults that depend on other options or the data, in words (applied in checkPathOptions and the methods). */
export const PATH_DEFAULTS_TEXT = {
  method: 'continuation; sweep with --penalty l2',
  batch: 'full batch up to 10,000 training rows, else 5,600',
  standardizeTarget: 'with --standardize for a network, off for a linear model',
  tolerance: '0.01 for a linear model, 0.03 for a network; 0.02 with --batch',
  nlambda: 'none: the sweep sizes its λ steps for --points (glmnet\'s fixed grid of N values with --nlambda N)',
  lambdaMinRatio: '1e-4; 1e-6 with --penalty l2',
  fitEpochs: '1000 for a linear model, 50 for a network',
  l1Ref: 'the largest l1 on the front',
} as const;

/** Validates every option (naming the option, the bad value and what was expected) and fills defaults. */
export function checkPathOptions(o: PathOptions): ResolvedPathOptions {
  const hidden = o.hidden ?? [...PATH_DEFAULTS.hidden];
  if (!Array.isArray(hidden) || hidden.some((w) => !Number.isInteger(w) || w < 1 || w > 100000)) {
    fail('BAD_OPTION', `hidden: expected a list of positive integer widths, got ${JSON.stringify(o.hidden)}`);
  }
  if (o.arch !== undefined) {
    if (o.hidden !== undefined) fail('BAD_OPTION', 'give either --hidden (an MLP) or --arch (a layer list), not both');
    parseArch(o.arch); // fails with the bad token and the grammar
  }
  if (o.inputShape !== undefined && (!Array.isArray(o.inputShape) || o.inputShape.length !== 3 || o.inputShape.some((v) => !Number.isInteger(v) || v < 1))) {
    fail('BAD_OPTION', `input-shape: expected three positive integers C,H,W, got ${JSON.stringify(o.inputShape)}`);
  }
  const activation = o.activation ?? PATH_DEFAULTS.activation;
  if (!(activation in Act)) fail('BAD_OPTION', `activation: expected one of ${Object.keys(Act).join(', ')}, got "${activation}"`);
  const task = (isArrayData(o.data) ? o.data.task : undefined) ?? o.task ?? PATH_DEFAULTS.task;
  if (!['classify', 'regress', 'auto'].includes(task)) fail('BAD_OPTION', `task: expected classify, regress or auto, got "${task}"`);
  const penalty = o.penalty ?? PATH_DEFAULTS.penalty;
  if (penalty !== 'l1' && penalty !== 'l2') fail('BAD_OPTION', `penalty: expected l1 or l2, got "${String(penalty)}"`);
  const method = o.method ?? (penalty === 'l2' ? 'sweep' : 'continuation');
  getMethod(method); // fails with the list of methods
  if (penalty === 'l2' && method !== 'sweep') {
    fail('BAD_OPTION', `penalty l2: only --method sweep computes the weight-decay path, got --method ${method}`);
  }
  if (o.standardizeTarget === true && o.standardize === false) {
    fail('BAD_OPTION', 'standardize-target: needs the features standardised too (leave out --no-standardize, or give --no-standardize-target)');
  }
  const direction = o.direction ?? PATH_DEFAULTS.direction;
  if (!DIRECTIONS.includes(direction)) fail('BAD_OPTION', `direction: expected one of ${DIRECTIONS.join(', ')}, got "${direction}"`);
  return {
    method,
    ...(penalty === 'l2' && { penalty: 'l2' as const }),
    // in-memory arrays are recorded by name; computePath keeps the arrays themselves
    data: isArrayData(o.data) ? o.data.name ?? 'arrays' : o.data ?? PATH_DEFAULTS.data,
    target: o.target ?? null,
    task,
    hidden,
    ...(o.arch !== undefined && { arch: o.arch }),
    ...(o.inputShape !== undefined && { inputShape: [...o.inputShape] }),
    activation,
    points: integer('points', o.points ?? PATH_DEFAULTS.points, 2, 10000),
    batch: o.batch === undefined ? null : integer('batch', o.batch, 1, 1e9),
    seed: integer('seed', o.seed ?? PATH_DEFAULTS.seed, 0, 2 ** 32 - 1),
    penalizeBias: o.penalizeBias ?? PATH_DEFAULTS.penalizeBias,
    standardize: o.standardize ?? PATH_DEFAULTS.standardize,
    standardizeTarget: o.standardizeTarget ?? ((o.standardize ?? PATH_DEFAULTS.standardize) && (hidden.length > 0 || o.arch !== undefined)),
    testFraction: range('test-fraction', o.testFraction ?? PATH_DEFAULTS.testFraction, 0, 0.95),
    direction,
    step: range('step', o.step ?? PATH_DEFAULTS.step, 1e-12, 1e6),
    tolerance: range('tolerance', o.tolerance ?? (o.batch !== undefined ? 0.02 : hidden.length === 0 ? 0.01 : 0.03), 1e-9, 1),
    maxCorrectorSteps: integer('max-corrector-steps', o.maxCorrectorSteps ?? PATH_DEFAULTS.maxCorrectorSteps, 1, 1e9),
    nlambda: o.nlambda === undefined ? null : integer('nlambda', o.nlambda, 2, 100000),
    lambdaMinRatio: range('lambda-min-ratio', o.lambdaMinRatio ?? (penalty === 'l2' ? 1e-6 : 1e-4), 1e-12, 0.999),
    fitEpochs: o.fitEpochs === undefined ? null : integer('fit-epochs', o.fitEpochs, 1, 1e9),
    denseEpochs: integer('dense-epochs', o.denseEpochs ?? PATH_DEFAULTS.denseEpochs, 0, 1e9),
    learningRate: range('lr', o.learningRate ?? PATH_DEFAULTS.learningRate, 1e-12, 1e6),
    population: integer('population', o.population ?? PATH_DEFAULTS.population, 4, 100000),
    generations: integer('generations', o.generations ?? PATH_DEFAULTS.generations, 1, 1e9),
    l1Ref: o.l1Ref === undefined ? null : range('l1-ref', o.l1Ref, 1e-12, 1e300),
  };
}

/**
 * The resolved options as settings.json saves them. An --arch run's `hidden` is left out: it is
 * the MLP default that network does not use, and checkPathOptions refuses it next to --arch, so
 * saved it would fail every resume and every fold run of the settings.
 */
export function savedPathOptions(r: ResolvedPathOptions): Omit<ResolvedPathOptions, 'hidden'> & { hidden?: number[] } {
  if (r.arch === undefined) return r;
  const { hidden: _unused, ...saved } = r;
  return saved;
}

/** Parses a --hidden value: "20,20", "4", or "0" for a linear model. */
export function parseHidden(text: string): number[] {
  const t = text.trim();
  if (t === '') fail('BAD_OPTION', '--hidden: empty; give widths such as 20,20, or 0 for a linear model');
  if (t === '0' || t === 'none') return [];
  const parts = t.split(',').map((s) => s.trim());
  const widths = parts.map(Number);
  if (parts.some((s) => !/^\d+$/.test(s)) || widths.some((w) => w < 1)) {
    fail('BAD_OPTION', `--hidden: expected comma-separated positive widths such as 20,20 (or 0 for a linear model), got "${text}"`);
  }
  return widths;
}

/** Parses an --input-shape value "C,H,W", e.g. "3,32,32". */
export function parseInputShape(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length !== 3 || parts.some((s) => !/^\d+$/.test(s) || Number(s) < 1)) {
    fail('BAD_OPTION', `--input-shape: expected three positive integers C,H,W such as 3,32,32, got "${text}"`);
  }
  return parts.map(Number);
}
