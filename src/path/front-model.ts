/**
 * A computed front as a model, in memory: the network of a front point, or of any l1 or λ
 * between two points (glmnet's `coef(fit, s = λ)` and `predict(fit, newx, s = λ)`).
 *
 * - `{ point: i }`: front point i (index into `points`, l1 ascending).
 * - `{ l1 }` or `{ lambda }` on a linear model (`hidden: []`): the parameters interpolated
 *   linearly between the two neighbouring front points. The lasso path θ(λ) is piecewise linear
 *   in λ (Efron, Hastie, Johnstone & Tibshirani 2004, "Least angle regression"; exact for the
 *   squared loss, and for the logistic/softmax loss as far as the path is locally linear), and
 *   ‖θ(λ)‖₁ is linear in λ wherever the signs do not change, so between neighbouring points with
 *   the same signs interpolation in either l1 or λ is the path itself. Outside the front's range
 *   the end point is used; at the sparse end λ is ∞ (any λ above the sparsest finite one gives
 *   the sparsest point).
 * - `{ l1 }` or `{ lambda }` on a network: the nearest front point (by |Δl1|, or by |Δlog λ|),
 *   since a network's front is not linear between points and a blend of two networks is not on it.
 */
import { fail } from '../errors.js';
import type { Standardizer } from '../data/types.js';
import { featureMatrix } from '../data/arrays.js';
import { unstandardizeTarget } from '../data/standardize.js';
import type { ActName } from '../kernels/kernels.js';
import { ParameterLayout } from '../nn/layout.js';
import { denseForward, softmaxRows, type DenseLayer } from '../nn/sparse.js';
import type { PathPoint } from './result.js';

/** Where on the front: a front point, an l1 norm, or a lasso multiplier λ. */
export type FrontPosition = { point: number } | { l1: number } | { lambda: number };

export interface Coefficients {
  /** Per layer: kernel [fanIn × fanOut] row-major and bias, on the features the model sees (standardised when `standardize` was on). */
  layers: DenseLayer[];
  /** ‖w‖₁ of these weights (biases excluded unless penalizeBias). */
  l1: number;
  /** λ at this position (null: the sparse end, λ = ∞). */
  lambda: number | null;
  /** How it was obtained: a front point itself, interpolated between two, or the nearest one (networks). */
  method: 'point' | 'interpolated' | 'nearest';
  /** Front points used (indices into `points`) and their weights in the blend. */
  from: Array<{ point: number; weight: number }>;
  /**
   * The training part's feature mean and std applied before the first layer (null: none), and a
   * standardised regression target's (the layers predict (y - mean) / std).
   */
  standardizer: Standardizer | null;
}

export interface Prediction {
  task: 'classification' | 'regression';
  rows: number;
  /** rows × width, row-major: class probabilities, or the predicted values (width 1). */
  outputs: Float64Array;
  width: number;
  /** Per row: the most probable class's name, or the predicted value. */
  predicted: Array<string | number>;
  coefficients: Coefficients;
}

export interface FrontModelSource {
  points: PathPoint[];
  parameters: Float32Array[];
  layers: number[];
  activation: ActName;
  task: 'classification' | 'regression';
  classNames: string[];
  standardizer: Standardizer | null;
  penalizeBias: boolean;
}

export class FrontModel {
  private readonly layout: ParameterLayout;

  constructor(private readonly src: FrontModelSource) {
    this.layout = new ParameterLayout(src.layers);
  }

  /** The parameters at a front point, an l1 or a λ (see the file comment for which rule applies). */
  coefficients(at: FrontPosition): Coefficients {
    const { points } = this.src;
    if (points.length === 0) fail('BAD_OPTION', 'coefficients: the front has no points');
    const linear = this.src.layers.length === 2;
    let from: Array<{ point: number; weight: number }>;
    let method: Coefficients['method'];
    if ('point' in at) {
      if (!Number.isInteger(at.point) || at.point < 0 || at.point >= points.length) {
        fail('BAD_OPTION', `point: expected a front index from 0 to ${points.length - 1}, got ${at.point}`);
      }
      from = [{ point: at.point, weight: 1 }];
      method = 'point';
    } else if ('l1' in at) {
      if (!Number.isFinite(at.l1) || at.l1 < 0) fail('BAD_OPTION', `l1: expected a number ≥ 0, got ${at.l1}`);
      ({ from, method } = linear ? bracket(points.map((p) => p.l1), at.l1) : nearest(points.map((p) => Math.abs(p.l1 - at.l1))));
    } else if ('lambda' in at) {
      if (!(at.lambda >= 0)) fail('BAD_OPTION', `lambda: expected a number ≥ 0, got ${at.lambda}`);
      ({ from, method } = this.byLambda(at.lambda, linear));
    } else {
      return fail('BAD_OPTION', 'expected { point }, { l1 } or { lambda }');
    }
    const theta = new Float32Array(this.layout.size);
    for (const { point, weight } of from) {
      const p = this.src.parameters[point]!;
      for (let i = 0; i < theta.length; i++) theta[i] = theta[i]! + weight * p[i]!;
    }
    const layers: DenseLayer[] = [];
    for (let l = 0; l < this.layout.depth; l++) {
      layers.push({ fanIn: this.layout.fanIn(l), fanOut: this.layout.fanOut(l), kernel: Float32Array.from(this.layout.weights(theta, l)), bias: Float32Array.from(this.layout.bias(theta, l)) });
    }
    const penalised = this.layout.penalised(this.src.penalizeBias);
    let l1 = 0;
    for (let i = 0; i < penalised; i++) l1 += Math.abs(theta[i]!);
    const lambdas = from.map((f) => points[f.point]!.lambda);
    const lambda = lambdas.some((x) => x === null) ? (from.length === 1 ? null : lambdas.find((x) => x !== null)!) : from.reduce((s, f) => s + f.weight * points[f.point]!.lambda!, 0);
    return { layers, l1, lambda, method, from, standardizer: this.src.standardizer };
  }

  /** Predictions for rows of raw features (standardised here as in training). */
  predict(x: ArrayLike<number>[] | Float32Array | Float64Array, at: FrontPosition): Prediction {
    const c = this.coefficients(at);
    const d = this.src.layers[0]!;
    const { x: m, rows } = featureMatrix({ features: x }, 'x', d);
    const s = c.standardizer;
    if (s) for (let i = 0; i < m.length; i++) m[i] = (m[i]! - s.mean[i % d]!) / s.std[i % d]!;
    const out = denseForward(c.layers, this.src.activation, m, rows);
    const width = this.src.layers[this.src.layers.length - 1]!;
    if (this.src.task === 'regression') {
      const outputs = Float64Array.from(out);
      unstandardizeTarget(outputs, s);
      return { task: 'regression', rows, outputs, width, predicted: Array.from(outputs), coefficients: c };
    }
    const outputs = softmaxRows(out, rows, width);
    const predicted: string[] = [];
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let j = 1; j < width; j++) if (out[r * width + j]! > out[r * width + best]!) best = j;
      predicted.push(this.src.classNames[best] ?? String(best));
    }
    return { task: 'classification', rows, outputs, width, predicted, coefficients: c };
  }

  private byLambda(lambda: number, linear: boolean): { from: Array<{ point: number; weight: number }>; method: Coefficients['method'] } {
    // λ falls as l1 rises; the sparse end (λ null) stands for every λ above the sparsest finite one
    const pts = this.src.points;
    const finite = pts.map((p, i) => ({ i, lambda: p.lambda })).filter((p): p is { i: number; lambda: number } => p.lambda !== null);
    if (finite.length === 0) return { from: [{ point: 0, weight: 1 }], method: 'nearest' };
    if (lambda > Math.max(...finite.map((p) => p.lambda))) {
      const sparsest = pts.findIndex((p) => p.lambda === null);
      if (sparsest >= 0) return { from: [{ point: sparsest, weight: 1 }], method: 'point' };
    }
    if (!linear) {
      const dist = pts.map((p) => (p.lambda === null ? Infinity : Math.abs(Math.log(Math.max(p.lambda, 1e-300)) - Math.log(Math.max(lambda, 1e-300)))));
      return nearest(dist);
    }
    // bracket on the finite λs, in the order of increasing λ
    const asc = [...finite].sort((a, b) => a.lambda - b.lambda);
    const r = bracket(asc.map((p) => p.lambda), lambda);
    return { from: r.from.map((f) => ({ point: asc[f.point]!.i, weight: f.weight })), method: r.method };
  }
}

/** Linear interpolation weights for v on ascending knots (clamped to the ends). */
function bracket(knots: number[], v: number): { from: Array<{ point: number; weight: number }>; method: Coefficients['method'] } {
  const n = knots.length;
  if (v <= knots[0]!) return { from: [{ point: 0, weight: 1 }], method: 'point' };
  if (v >= knots[n - 1]!) return { from: [{ point: n - 1, weight: 1 }], method: 'point' };
  let j = 1;
  while (knots[j]! < v) j++;
  if (knots[j] === v) return { from: [{ point: j, weight: 1 }], method: 'point' };
  const t = (v - knots[j - 1]!) / (knots[j]! - knots[j - 1]!);
  return { from: [{ point: j - 1, weight: 1 - t }, { point: j, weight: t }], method: 'interpolated' };
}

function nearest(dist: number[]): { from: Array<{ point: number; weight: number }>; method: Coefficients['method'] } {
  let best = 0;
  for (let i = 1; i < dist.length; i++) if (dist[i]! < dist[best]!) best = i;
  return { from: [{ point: best, weight: 1 }], method: dist[best] === 0 ? 'point' : 'nearest' };
}
