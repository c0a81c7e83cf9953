import type { Kernels } from '../../kernels/kernels.js';
import { initParameters } from '../../nn/init.js';
import { zeroNetwork, type Problem } from '../../nn/problem.js';
import { lambdaMax as glmnetLambdaMax } from '../lambda-max.js';
import { Proximal, Sgd } from '../../optim/optimizer.js';
import type { ResolvedPathOptions } from '../options.js';
import { L1, type Penalty } from '../penalty.js';

/**
 * What the λ-sweep and weighted-sum baselines share: proximal SGD fits of L(θ) + λ‖θ_pen‖₁
 * warm-started from the previous point, λ_max, and the exact all-zero network.
 */

/** A fit ends once its epoch objective changed less than this (relative) for SETTLE epochs in a row. */
export const FIT_TOLERANCE = 1e-7;
const SETTLE = 3;
/**
 * … and not before this many steps: the heavy ball needs about 1/(1-μ) steps to build up its
 * velocity, and until then θ may sit still (at w = 0 just below λ_max, say) with a constant objective.
 */
const MIN_STEPS = 50;
/** Heavy-ball momentum of every fit. */
export const MOMENTUM = 0.9;
/** Halvings of the learning rate a fit may try after diverging before it gives up. */
const MAX_HALVINGS = 30;
/** A dense fit whose loss ends within this share of L_null (below it) is redone at half the lr … */
const DEAD_FIT_SHARE = 0.01;
/** … at most this many times (data without any signal end there at every lr). */
const MAX_DEAD_HALVINGS = 10;
/**
 * A mini-batch fit's learning rate by epoch: lr for the first half of its epochs, lr/2 for the
 * next quarter, lr/4 for the last (the stochastic corrector's two halvings). At a constant lr
 * SGD ends in its noise ball: on Fashion-MNIST (batch 5,600, lr 0.1, momentum 0.9) the training
 * loss of consecutive fits rose and fell by ±0.02 at neighbouring λ, more than the front's spacing.
 */
export function annealedLr(lr: number, epoch: number, epochs: number): number {
  return epoch < epochs / 2 ? lr : epoch < (3 * epochs) / 4 ? lr / 2 : lr / 4;
}

export interface FitReport {
  /** Optimiser steps taken (over all attempts). */
  steps: number;
  /** True when the objective settled before the epoch cap. */
  converged: boolean;
  /** Learning rate in use at the end (lower than asked if the fit diverged). */
  lr: number;
}

/**
 * Proximal SGD (heavy ball, momentum 0.9, soft-threshold by lr·λ/(1-0.9) after every step on
 * the penalised prefix: Proximal over Sgd). The momentum is reset and the batch stream reseeded at
 * the start of every fit, so a fit depends only on (θ, λ, lr, seed): a run resumed from a saved
 * point repeats exactly what the uninterrupted run did.
 */
export class ProxFitter {
  private readonly sgd: Sgd;
  private readonly prox: Proximal;
  private readonly grad: Float32Array;
  private readonly backup: Float32Array;
  /** Mini-batch fits: θ at the best epoch end so far. */
  private readonly best: Float32Array;

  constructor(
    private readonly k: Kernels, private readonly problem: Problem, private readonly penalised: number,
    /** l1 by default; l2 makes every fit one of L + λ‖θ_pen‖² (the weight-decay path). */
    private readonly penalty: Penalty = L1,
  ) {
    const n = problem.mlp.layout.size;
    this.sgd = new Sgd(k, n, 0.1, MOMENTUM);
    this.prox = new Proximal(k, this.sgd, penalised, 0, penalty);
    this.grad = k.alloc(n);
    this.backup = k.alloc(n);
    this.best = k.alloc(n);
  }

  /**
   * Minimises L + λ‖θ_pen‖₁ from θ (in place) for at most `epochs` epochs. If the loss turns
   * non-finite or the objective blows up, θ goes back to where the fit started and the fit is
   * redone with half the learning rate. On mini-batches see fitMiniBatch.
   */
  fit(theta: Float32Array, lambda: number, lr: number, epochs: number, seed: number): FitReport {
    if (!this.problem.fullBatch) return this.fitMiniBatch(theta, lambda, lr, epochs, seed);
    const { k, problem, penalised } = this;
    this.backup.set(theta);
    let steps = 0;
    for (let attempt = 0; ; attempt++) {
      problem.reseed(seed);
      this.sgd.reset();
      this.sgd.lr = lr;
      // Heavy ball with a soft-threshold of lr·λ' after each step settles where the velocity is
      // ∇L/(1-μ), i.e. at the lasso solution for (1-μ)·λ', not λ'. Thresholding by lr·λ/(1-μ)
      // makes the fixed point the lasso solution for λ itself (so w = 0 stays put at λ_max).
      this.prox.lambda = lambda; // Proximal scales the threshold by the momentum's effective step
      let first = NaN;
      let prev = NaN;
      let settled = 0;
      let diverged = false;
      let converged = false;
      for (let e = 0; e < epochs && !diverged && !converged; e++) {
        const epoch = this.epoch(theta);
        steps += epoch.steps;
        if (!Number.isFinite(epoch.meanLoss)) {
          diverged = true;
          break;
        }
        const obj = epoch.meanLoss + lambda * this.penalty.value(k, penalised, theta);
        if (e === 0) first = obj;
        if (!Number.isFinite(obj) || obj > Math.max(4 * first, first + problem.nullLoss)) {
          diverged = true;
          break;
        }
        settled = e > 0 && steps >= MIN_STEPS && Math.abs(obj - prev) <= FIT_TOLERANCE * Math.max(Math.abs(obj), 1e-12) ? settled + 1 : 0;
        converged = settled >= SETTLE;
        prev = obj;
      }
      if (!diverged && !this.deadDenseFit(lambda, prev, attempt)) return { steps, converged, lr };
      theta.set(this.backup);
      if (attempt >= MAX_HALVINGS) return { steps, converged: false, lr };
      lr /= 2;
    }
  }

  /**
   * Whether a fit at λ that ended at `loss` lost its units: a dense fit (λ = 0) hardly better than
   * the constant predictor. It is redone at half the lr, as a diverged fit is (at most
   * MAX_DEAD_HALVINGS times). On a raw regression target (diabetes with --no-standardize, target
   * std 77, 10 ReLU units) the full-batch fit at lr 0.1 ended at L_null with all 110 weights
   * non-zero, and the sweep's front was that one point (with the rule: lr 0.0016 after six
   * halvings, 18 front points, train hypervolume 0.521 against the continuation's 0.526). At 10,10
   * units, seed 8, a fit at lr 0.0004 blew up to l1 2,865 and explained 0.5 % of L_null (its
   * output nearly constant), hence the 1 % margin. On mini-batches likewise: Friedman #3
   * (standardised, 20,20 units, batch 64, seed 3) ended its dense fit at 1.000·L_null, and every
   * later fit stayed there.
   */
  private deadDenseFit(lambda: number, loss: number, attempt: number): boolean {
    return lambda === 0 && attempt < MAX_DEAD_HALVINGS && loss >= (1 - DEAD_FIT_SHARE) * this.problem.nullLoss;
  }

  /**
   * The fit on mini-batches (more than one batch per epoch): the learning rate annealed over the
   * epochs (annealedLr), the objective measured after every epoch on a fixed subsample of the
   * training rows, and θ returned at the epoch end where that objective was lowest. At lr 0.1 an
   * epoch now and then throws the network far up (Fashion-MNIST, λ 1.7e-4: l1 788 → 1,628 and
   * loss 0.22 → 0.74 within one fit, on every retry), and the point must not be the worse for it.
   * The start is not a candidate (as in the stochastic corrector: from a point annealed at a
   * nearby λ the sweep would repeat it). Diverged, as the full-batch fit: a non-finite loss, or an
   * epoch end more than L_null above the start; then θ goes back and the fit is redone at half the
   * lr, as is a dense fit that lost its units (deadDenseFit).
   */
  private fitMiniBatch(theta: Float32Array, lambda: number, lr: number, epochs: number, seed: number): FitReport {
    const { k, problem, penalised } = this;
    const sample = problem.subsample();
    const objective = (): number => problem.evaluate(theta, sample).loss + lambda * this.penalty.value(k, penalised, theta);
    this.backup.set(theta);
    const start = objective();
    let steps = 0;
    for (let attempt = 0; ; attempt++) {
      problem.reseed(seed);
      this.sgd.reset();
      this.prox.lambda = lambda;
      let lowest = Infinity;
      let diverged = false;
      for (let e = 0; e < epochs && !diverged; e++) {
        this.sgd.lr = annealedLr(lr, e, epochs);
        const epoch = this.epoch(theta);
        steps += epoch.steps;
        if (!Number.isFinite(epoch.meanLoss)) {
          diverged = true;
          break;
        }
        const obj = objective();
        if (!(obj <= start + problem.nullLoss)) {
          diverged = true;
          break;
        }
        if (obj < lowest) {
          lowest = obj;
          this.best.set(theta);
        }
      }
      if (!diverged && !this.deadDenseFit(lambda, lowest, attempt)) {
        theta.set(this.best);
        return { steps, converged: false, lr };
      }
      theta.set(this.backup);
      if (attempt >= MAX_HALVINGS) return { steps, converged: false, lr };
      lr /= 2;
    }
  }

  /**
   * One epoch of proximal heavy-ball steps on θ (in place): the steps taken and the mean of the
   * batches' losses, NaN when a loss was not finite (the epoch stops at that step).
   */
  private epoch(theta: Float32Array): { steps: number; meanLoss: number } {
    const { problem } = this;
    const perEpoch = problem.stepsPerEpoch;
    let sum = 0;
    for (let s = 0; s < perEpoch; s++) {
      const loss = problem.lossAndGradient(theta, problem.nextBatch(), this.grad);
      if (!Number.isFinite(loss)) return { steps: s + 1, meanLoss: NaN };
      sum += loss;
      this.prox.step(theta, this.grad);
    }
    return { steps: perEpoch, meanLoss: sum / perEpoch };
  }
}

/** Full-batch training loss and its gradient, over the training set in workspace-sized chunks. */
export function fullGradient(problem: Problem, theta: Float32Array, grad: Float32Array): number {
  return problem.evaluate(theta, problem.train, grad).loss;
}


/**
 * λ_max, where the λ grid starts (glmnet's λ_max; docs/baselines.md):
 * - linear model: glmnet's exact value (lambda-max.ts), max |∂L/∂w| at w = 0 with the intercepts
 *   fitted — the smallest λ for which w = 0 is the lasso solution;
 * - network: at w = 0 every weight gradient vanishes (each layer's gradient is multiplied by the
 *   zero weights of the layers around it), so the glmnet definition gives 0 and the all-zero
 *   network is a stationary point for every λ. We take instead max |∂L/∂w| at the seeded
 *   He/Glorot initialisation (output bias fitted): the size of the loss gradient where the weights
 *   have their natural scale, which is the same quantity as glmnet's at a point where it is not
 *   degenerate. It is not a bound: the sweep carries on past it until the network is zero.
 */
export function lambdaMax(problem: Problem, penalised: number, seed: number): number {
  if (problem.mlp.layout.depth === 1) return glmnetLambdaMax(problem, penalised);
  const k = problem.k;
  const n = problem.mlp.layout.size;
  const theta = k.alloc(n);
  const grad = k.alloc(n);
  zeroNetwork(problem, penalised, theta);
  const out = Float32Array.from(problem.mlp.layout.bias(theta, problem.mlp.layout.depth - 1));
  initParameters(problem.mlp.layout, problem.arch.activation, seed, theta);
  if (penalised < n) problem.mlp.layout.bias(theta, problem.mlp.layout.depth - 1).set(out);
  fullGradient(problem, theta, grad);
  let m = 0;
  for (let i = 0; i < penalised; i++) m = Math.max(m, Math.abs(grad[i]!));
  k.free(theta);
  k.free(grad);
  return m;
}

/** --fit-epochs, or its default: 1000 for a linear model (fits run to convergence, as glmnet's; the early end stops most far sooner), 50 for a network. */
export function fitEpochs(o: ResolvedPathOptions, problem: Problem): number {
  return o.fitEpochs ?? (problem.mlp.layout.depth === 1 ? 1000 : 50);
}

/** The batch-stream seed of the fit that makes raw point `index` (same scheme as the continuation). */
export function pointSeed(seed: number, index: number): number {
  return (seed * 1000003 + index) >>> 0;
}
