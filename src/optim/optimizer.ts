import type { Kernels } from '../kernels/kernels.js';
import { L1, type Penalty } from '../path/penalty.js';

/**
 * One interface for every first-order optimiser: given θ and ∇L(θ), update θ in place.
 * Proximal variants (l1) wrap a base optimiser and apply the soft-threshold after its step.
 */
export interface Optimizer {
  step(theta: Float32Array, grad: Float32Array): void;
  /** Forget momentum / moment estimates (used when a path method jumps to a new point). */
  reset(): void;
}

/** Heavy-ball SGD (Polyak): v ← μv + g, θ ← θ - lr·v. μ = 0 is plain gradient descent. */
export class Sgd implements Optimizer {
  private readonly v: Float32Array;
  constructor(private readonly k: Kernels, size: number, public lr: number, public momentum = 0) {
    this.v = k.alloc(size);
  }
  step(theta: Float32Array, grad: Float32Array): void {
    this.k.momentumStep(theta.length, theta, grad, this.v, this.lr, this.momentum);
  }
  reset(): void {
    this.v.fill(0);
  }
  /** The velocity v (a checkpoint of a fit in progress saves and restores it). */
  get velocity(): Float32Array {
    return this.v;
  }
}

/** Adam (Kingma & Ba 2015) with the usual bias corrections. */
export class Adam implements Optimizer {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;
  constructor(
    private readonly k: Kernels, size: number, public lr = 1e-3,
    private readonly b1 = 0.9, private readonly b2 = 0.999, private readonly eps = 1e-8,
  ) {
    this.m = k.alloc(size);
    this.v = k.alloc(size);
  }
  step(theta: Float32Array, grad: Float32Array): void {
    this.t++;
    const bc1 = 1 - Math.pow(this.b1, this.t);
    const bc2 = 1 - Math.pow(this.b2, this.t);
    this.k.adamStep(theta.length, theta, grad, this.m, this.v, this.lr, this.b1, this.b2, this.eps, bc1, bc2);
  }
  reset(): void {
    this.m.fill(0);
    this.v.fill(0);
    this.t = 0;
  }
}

/**
 * Proximal gradient for L(θ) + λ‖θ_pen‖₁: the base optimiser's step on L, then the
 * soft-threshold S_{s·λ} on the penalised prefix (its first `penalised` entries). Zeros are
 * exact, unlike a subgradient penalty.
 *
 * s is the base optimiser's effective step: lr for plain steps, lr/(1-μ) for heavy ball, whose
 * velocity settles at g/(1-μ). With s = lr a momentum of 0.9 would solve the problem for 0.1·λ.
 */
export class Proximal implements Optimizer {
  constructor(
    private readonly k: Kernels, private readonly base: Optimizer & { lr: number; momentum?: number },
    private readonly penalised: number, public lambda: number,
    /** l1 (soft-threshold, the default) or l2 (weight decay by 1/(1+2·s·λ)), see path/penalty.ts. */
    private readonly penalty: Penalty = L1,
  ) {}
  step(theta: Float32Array, grad: Float32Array): void {
    this.base.step(theta, grad);
    const w = theta.subarray(0, this.penalised);
    const effectiveStep = this.base.lr / (1 - (this.base.momentum ?? 0));
    this.penalty.prox(this.k, w, effectiveStep * this.lambda);
  }
  reset(): void {
    this.base.reset();
  }
}
