// scikit-learn's lasso_path on a small regression (test/fixtures/lasso/regression.json): the data,
// the exact path, and the checks that a corrector reached one of its points.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Problem, toDevice } from '../../src/nn/problem.js';
import type { Architecture } from '../../src/nn/mlp.js';
import type { Kernels } from '../../src/kernels/kernels.js';

export interface LassoPoint { lambda: number; W: number[]; b: number[]; loss: number; l1: number }

export interface LassoFixture {
  n: number;
  p: number;
  X: number[];
  y: number[];
  /** From λ_max (w = 0, the constant predictor's loss) down. */
  path: LassoPoint[];
}

export const lassoFixture = JSON.parse(readFileSync(new URL('../../../test/fixtures/lasso/regression.json', import.meta.url), 'utf8')) as LassoFixture;

/** The fixture's data as a linear model's problem (or, with `hidden`, a network's) at this batch size. */
export function lassoProblem(k: Kernels, batch: number, hidden: number[] = [], activation: Architecture['activation'] = 'relu'): Problem {
  const arch: Architecture = { layers: [lassoFixture.p, ...hidden, 1], activation, loss: 'mse' };
  const data = toDevice(k, Float32Array.from(lassoFixture.X), Float32Array.from(lassoFixture.y), lassoFixture.n, lassoFixture.p);
  return new Problem(k, arch, data, null, batch, 1);
}

/**
 * θ solves the ε-constraint problem at `point`'s l1: inside the ball, its loss within `lossShare`
 * of L_null above the exact one (and not below it by more than a tenth of that), and the trade-off
 * read off the corrector's α within `lambdaShare` of the exact λ.
 */
export function assertAtLassoPoint(
  k: Kernels, problem: Problem, theta: Float32Array, point: LassoPoint, r: { alpha: number; steps: number }, lossShare: number, lambdaShare: number,
): void {
  const p = problem.mlp.layout.weightCount;
  const nullLoss = lassoFixture.path[0]!.loss;
  const loss = problem.evaluate(theta).loss;
  const l1 = k.l1Norm(p, theta);
  const at = `l1 ≤ ${point.l1} (λ ${point.lambda}): loss ${loss} at l1 ${l1} against the exact ${point.loss} (${r.steps} steps)`;
  assert.ok(l1 <= point.l1 * (1 + 1e-5) + 1e-6, `outside the ball: ${at}`);
  assert.ok(loss >= point.loss - 0.1 * lossShare * nullLoss, `below the optimum? ${at}`);
  assert.ok(loss - point.loss <= lossShare * nullLoss, at);
  const lambda = (1 - r.alpha) / r.alpha;
  if (point.l1 > 0) assert.ok(Math.abs(lambda - point.lambda) <= lambdaShare * point.lambda + lossShare * nullLoss, `trade-off ${lambda} against the exact ${point.lambda}: ${at}`);
}
