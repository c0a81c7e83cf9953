import { fail } from '../errors.js';
import { Act, type ActName } from '../kernels/kernels.js';
import { getMethod } from './methods.js';
import type { Direction } from './types.js';
import type { PenaltyName } from './penalty.js';

/** What a path run is asked to do: the library's mirror of `regpath path`'s options. */
export interface PathOptions {
  /** 'mnist', 'iris', 'fashion-mnist', a .csv file or a folder of MNIST-format IDX files. @default 'mnist' */
  data?: string;
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
  /** Share of rows held out for testing (stratified). @default 0.2 */
  testFraction?: number;
  /** Which branches to follow from the initial point. @default 'both' */
  direction?: Direction;
  /** Initial MPG step size h (backtracking adapts it). @default 1 */
  step?: number;
  /**
   * Corrector convergence. Linear models: the corrector stops when the stationarity of its point
   * (the MPG step norm, src/path/stationarity.ts) has fallen to this fraction of its value where
   * the corrector started. Networks: movement per check below this fraction of the spacing.
   * @default 0.01 for a linear model; 0.05 for a network, 0.02 when `batch` is given
   */
  tolerance?: number;
  /** Cap on MPG steps per corrector. @default 2000 */
  maxCorrectorSteps?: number;
  /** Baselines (sweep): number of λ values on the geometric grid. @default 100 */
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
  activation: ActName;
  points: number;
  batch: number | null;
  seed: number;
  penalizeBias: boolean;
  standardize: boolean;
  testFraction: number;
  direction: Direction;
  step: number;
  tolerance: number;
  maxCorrectorSteps: number;
  nlambda: number;
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

/** Validates every option (naming the option, the bad value and what was expected) and fills defaults. */
export function checkPathOptions(o: PathOptions): ResolvedPathOptions {
  const hidden = o.hidden ?? [20, 20];
  if (!Array.isArray(hidden) || hidden.some((w) => !Number.isInteger(w) || w < 1 || w > 100000)) {
    fail('BAD_OPTION', `hidden: expected a list of positive integer widths, got ${JSON.stringify(o.hidden)}`);
  }
  const activation = o.activation ?? 'relu';
  if (!(activation in Act)) fail('BAD_OPTION', `activation: expected one of ${Object.keys(Act).join(', ')}, got "${activation}"`);
  const task = o.task ?? 'auto';
  if (!['classify', 'regress', 'auto'].includes(task)) fail('BAD_OPTION', `task: expected classify, regress or auto, got "${task}"`);
  const penalty = o.penalty ?? 'l1';
  if (penalty !== 'l1' && penalty !== 'l2') fail('BAD_OPTION', `penalty: expected l1 or l2, got "${String(penalty)}"`);
  const method = o.method ?? (penalty === 'l2' ? 'sweep' : 'continuation');
  getMethod(method); // fails with the list of methods
  if (penalty === 'l2' && method !== 'sweep') {
    fail('BAD_OPTION', `penalty l2: only --method sweep computes the weight-decay path, got --method ${method}`);
  }
  const direction = o.direction ?? 'both';
  if (!DIRECTIONS.includes(direction)) fail('BAD_OPTION', `direction: expected one of ${DIRECTIONS.join(', ')}, got "${direction}"`);
  return {
    method,
    ...(penalty === 'l2' && { penalty: 'l2' as const }),
    data: o.data ?? 'mnist',
    target: o.target ?? null,
    task,
    hidden,
    activation,
    points: integer('points', o.points ?? 40, 2, 10000),
    batch: o.batch === undefined ? null : integer('batch', o.batch, 1, 1e9),
    seed: integer('seed', o.seed ?? 1, 0, 2 ** 32 - 1),
    penalizeBias: o.penalizeBias ?? false,
    standardize: o.standardize ?? true,
    testFraction: range('test-fraction', o.testFraction ?? 0.2, 0, 0.95),
    direction,
    step: range('step', o.step ?? 1, 1e-12, 1e6),
    tolerance: range('tolerance', o.tolerance ?? (o.batch !== undefined ? 0.02 : hidden.length === 0 ? 0.01 : 0.05), 1e-9, 1),
    maxCorrectorSteps: integer('max-corrector-steps', o.maxCorrectorSteps ?? 2000, 1, 1e9),
    nlambda: integer('nlambda', o.nlambda ?? 100, 2, 100000),
    lambdaMinRatio: range('lambda-min-ratio', o.lambdaMinRatio ?? (penalty === 'l2' ? 1e-6 : 1e-4), 1e-12, 0.999),
    fitEpochs: o.fitEpochs === undefined ? null : integer('fit-epochs', o.fitEpochs, 1, 1e9),
    denseEpochs: integer('dense-epochs', o.denseEpochs ?? 300, 0, 1e9),
    learningRate: range('lr', o.learningRate ?? 0.1, 1e-12, 1e6),
    population: integer('population', o.population ?? 100, 4, 100000),
    generations: integer('generations', o.generations ?? 250, 1, 1e9),
    l1Ref: o.l1Ref === undefined ? null : range('l1-ref', o.l1Ref, 1e-12, 1e300),
  };
}

function integer(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) fail('BAD_OPTION', `${name}: expected an integer from ${lo} to ${hi}, got ${v}`);
  return v;
}

function range(name: string, v: number, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) fail('BAD_OPTION', `${name}: expected a number from ${lo} to ${hi}, got ${v}`);
  return v;
}

/** Parses a --hidden value: "20,20", "4", or "0"/"" for a linear model. */
export function parseHidden(text: string): number[] {
  const t = text.trim();
  if (t === '0' || t === '' || t === 'none') return [];
  const parts = t.split(',').map((s) => s.trim());
  const widths = parts.map(Number);
  if (parts.some((s) => !/^\d+$/.test(s)) || widths.some((w) => w < 1)) {
    fail('BAD_OPTION', `--hidden: expected comma-separated positive widths such as 20,20 (or 0 for a linear model), got "${text}"`);
  }
  return widths;
}
