/** What both λ sweeps (the fixed grid of sweep.ts and the spaced one of spaced-sweep.ts) share: constants and setup. */
import type { Kernels } from '../../kernels/kernels.js';
import type { ParameterLayout } from '../../nn/layout.js';
import type { Problem } from '../../nn/problem.js';
import type { MethodContext } from '../method.js';
import type { ResolvedPathOptions } from '../options.js';
import { penaltyOf, type Penalty } from '../penalty.js';
import { ProxFitter, lambdaMax } from './fit.js';

/**
 * l2 (--penalty l2): glmnet's ridge convention, λ_max = λ_max(l1) / 1e-3 (glmnet computes the
 * alpha = 0 grid as if alpha were 0.001). Weight decay never zeroes a weight, so a network
 * counts as zero once ‖θ_pen‖² has fallen below ZERO_L2 of the largest seen on the path (the
 * exact all-zero network then replaces it).
 */
export const L2_LAMBDA_FACTOR = 1e3;
export const ZERO_L2 = 1e-12;

/** glmnet's path end: the deviance ratio 1 - L/L_null grew by less than this (relative)… */
export const DEVIANCE_CHANGE = 1e-5;
/** … or more than this share of the null loss is explained. */
export const DEVIANCE_EXPLAINED = 0.999;
/** glmnet does not apply the deviance-change test before this many λ values. */
export const MIN_POINTS = 5;

/** A sweep's working set: the method context unpacked, θ (free it when done) and the fitter. */
export interface Sweep {
  k: Kernels;
  problem: Problem;
  o: ResolvedPathOptions;
  penalised: number;
  layout: ParameterLayout;
  theta: Float32Array;
  penalty: Penalty;
  fitter: ProxFitter;
  /** L_null, the loss of the all-zero network. */
  L0: number;
}

export function setUpSweep(ctx: MethodContext): Sweep {
  const { k, problem, options: o, penalised } = ctx;
  const layout = problem.mlp.layout;
  const theta = k.alloc(layout.size);
  const penalty = penaltyOf(o.penalty);
  const fitter = new ProxFitter(k, problem, penalised, penalty);
  return { k, problem, o, penalised, layout, theta, penalty, fitter, L0: problem.nullLoss };
}

/** λ_max of a new sweep (fit.ts lambdaMax), times L2_LAMBDA_FACTOR on an l2 path. */
export function sweepLambdaMax(s: Sweep): number {
  return lambdaMax(s.problem, s.penalised, s.o.seed) * (s.penalty.name === 'l2' ? L2_LAMBDA_FACTOR : 1);
}
