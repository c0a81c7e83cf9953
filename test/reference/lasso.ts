/**
 * Exact reference for l1-regularised linear models: the ground truth that regpath's path method
 * is tested against for `--hidden 0`. Deliberately independent of regpath's engine (nothing from
 * src/ is imported) and in double precision throughout.
 *
 * Models (regpath's definitions):
 * - regression: prediction x·w + b, loss = (1/n) Σ (y_i − x_i·w − b)²  (mean, not halved);
 * - softmax with C ≥ 2 classes: logits = x·W + b (W is p×C, b has C entries), loss = mean
 *   cross-entropy with natural log; labels y_i are the numbers 0..C−1.
 * For a given λ the problem is  min_{W,b} loss(W, b) + λ‖W‖₁; intercepts are not penalised.
 *
 * Layouts: X is n×p row-major (X[i·p + j]); W is p×C row-major (W[j·C + k]), C = 1 for
 * regression; b has C entries.
 *
 * Method: proximal Newton. At the current point the loss is replaced by its exact second-order
 * model (for MSE the model IS the loss), the l1-penalised quadratic is minimised by cyclic
 * coordinate descent, and once the descent has settled on a support and sign pattern the
 * quadratic is minimised exactly on that face by a Cholesky solve ("polish"), which is accepted
 * only if it keeps the signs and satisfies the subgradient conditions off the support. A
 * backtracking line search on the true objective follows. For MSE this is coordinate descent
 * plus an exact active-set finish; repeated outer steps act as iterative refinement. For
 * softmax it converges quadratically. Stopping rule: the KKT violation (see `kktViolation`) is
 * ≤ 1e-12·λ by default (the subgradient equations |∂loss/∂w| = λ hold to 12 digits), or at the
 * rounding floor of the gradient (16·√n·ε times the size of the terms it sums) if that is larger,
 * as it is at λ = 0. The softmax loss and gradient are computed without cancellation (log1p, and
 * 1 − π_y as a sum of the other probabilities), so they keep full relative accuracy even when
 * the loss is 1e-12 (the near-separable end of a path).
 *
 * Non-uniqueness, and the canonical representative returned:
 * - softmax logits are unchanged by adding a constant to all intercepts, or to all entries of
 *   one row of W. The penalty fixes the rows up to the median of the row (for even C, e.g. the
 *   binary case, any shift inside the median interval gives the same l1): we shift every row so
 *   that its median (midpoint of the two middle values for even C) is 0, and shift b to sum 0
 *   (scikit-learn's convention for multinomial fits). For C = 2 this makes W[:,0] = −W[:,1].
 * - if X is rank deficient the MSE solution may be non-unique; loss and l1 are still unique for
 *   λ > 0 but W is whichever minimiser the solver reaches.
 */

export type Task = 'regression' | { classes: number };

export interface WarmStart {
  W: Float64Array;
  b: Float64Array;
}

export interface LassoSolution {
  /** p×C row-major (C = 1 for regression). */
  W: Float64Array;
  /** C intercepts. */
  b: Float64Array;
  /** Training loss (MSE or mean cross-entropy), without the penalty. */
  loss: number;
  /** Σ|W|. */
  l1: number;
  /** KKT violation at the returned point, in gradient units (see kktViolation). */
  kkt: number;
  /** True if kkt reached the requested tolerance. */
  converged: boolean;
}

export interface SolveOptions {
  /** KKT tolerance relative to λ (floored at the gradient's rounding level). Default 1e-12. */
  tol?: number;
  /** Maximum proximal Newton steps. Default 200. */
  maxOuter?: number;
}

export interface FrontOptions extends SolveOptions {
  /**
   * Smallest λ the front search will solve at, as a fraction of λmax. Default 1e-13. Targets
   * beyond the l1 reached there are answered with the loss at that λ (see FrontPoint.errorBound).
   */
  lambdaFloor?: number;
  /** Relative accuracy in l1 of the λ search. Default 1e-11. */
  l1Tol?: number;
}

/** One point of the exact front, with the certificate the caller may check. */
export interface FrontPoint {
  /** The l1 budget asked for. */
  l1Target: number;
  /** Minimum training loss subject to ‖W‖₁ ≤ l1Target (see errorBound). */
  loss: number;
  /** λ of the solution the answer was read from (the front's slope there is −lambda). */
  lambda: number;
  /** l1 of that solution. */
  l1: number;
  /**
   * Bound on |loss − exact front value| from convexity of the front, ignoring the solver's own
   * ~1e-15 relative error: 0 when read off a solution whose l1 matches the target to the l1
   * tolerance (the remaining error is second order), the chord-to-tangent gap where l1(λ) jumps,
   * and λfloor·(l1Target − l1(λfloor)) beyond the floor (the unregularised end).
   */
  errorBound: number;
  /** True if l1Target is beyond the l1 reached at the λ floor. */
  beyondFloor: boolean;
}

// ------------------------------------------------------------------------------------------------
// The problem and its loss, gradient and Hessian in one flat parameter vector.

/**
 * θ holds [W; b] as a (p+1)×C row-major matrix: row j < p is feature j, row p the intercepts.
 * So θ's first p·C entries are penalised. For softmax the last intercept is frozen at 0 (logits
 * are shift-invariant, so this loses nothing and removes a null direction of the Hessian).
 */
interface Problem {
  X: Float64Array;
  y: Float64Array;
  n: number;
  p: number;
  /** Number of outputs: 1 for regression, the class count for softmax. */
  C: number;
  softmax: boolean;
  labels: Int32Array;
  /** X̃ = [X, 1] stored column by column ((p+1)×n), for the Hessian's weighted Gram products. */
  Xt: Float64Array;
  /** The MSE Hessian, which does not depend on θ (filled on first use). */
  mseHessian: Float64Array | null;
  /** (p+1)·C */
  d: number;
  /** p·C: the penalised prefix of θ. */
  m: number;
  /** 1 for coordinates the solver may move. */
  free: Uint8Array;
}

function makeProblem(X: Float64Array, y: Float64Array, n: number, p: number, task: Task): Problem {
  if (!Number.isInteger(n) || !Number.isInteger(p) || n < 1 || p < 0) throw new RangeError(`bad sizes n=${n} p=${p}`);
  if (X.length !== n * p) throw new RangeError(`X has ${X.length} entries, expected n·p = ${n * p}`);
  if (y.length !== n) throw new RangeError(`y has ${y.length} entries, expected n = ${n}`);
  const softmax = task !== 'regression';
  const C = softmax ? task.classes : 1;
  const labels = new Int32Array(n);
  if (softmax) {
    if (!Number.isInteger(C) || C < 2) throw new RangeError(`classes must be an integer ≥ 2, got ${C}`);
    const count = new Int32Array(C);
    for (let i = 0; i < n; i++) {
      const v = y[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= C) throw new RangeError(`label y[${i}] = ${v} is not in 0..${C - 1}`);
      labels[i] = v;
      count[v]!++;
    }
    // An absent class drives its intercept to −∞: the minimum is then not attained.
    for (let k = 0; k < C; k++) if (count[k] === 0) throw new RangeError(`class ${k} has no samples`);
  }
  const d = (p + 1) * C;
  const free = new Uint8Array(d).fill(1);
  if (softmax) free[d - 1] = 0;
  const Xt = new Float64Array((p + 1) * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) Xt[j * n + i] = X[i * p + j]!;
    Xt[p * n + i] = 1;
  }
  return { X, y, n, p, C, softmax, labels, Xt, mseHessian: null, d, m: p * C, free };
}

/**
 * Loss at θ; if `grad` is given, writes ∂loss/∂θ; if `hess` is given, writes the d×d Hessian.
 * If `mag` is given, writes mag[0] = the largest (1/n)·Σ_i |term_i| over the gradient's
 * coordinates: the size of what the gradient sums, hence the scale of its rounding error.
 */
function evaluate(P: Problem, theta: Float64Array, grad?: Float64Array, hess?: Float64Array, mag?: Float64Array): number {
  const { X, n, p, C, d } = P;
  if (grad) grad.fill(0);
  const gabs = mag ? new Float64Array(d) : null;
  let total = 0;
  if (!P.softmax) {
    for (let i = 0; i < n; i++) {
      const row = i * p;
      let pred = theta[p]!;
      let size = Math.abs(P.y[i]!) + Math.abs(pred); // magnitudes cancelling in the residual
      for (let j = 0; j < p; j++) {
        const v = X[row + j]! * theta[j]!;
        pred += v;
        size += Math.abs(v);
      }
      const r = P.y[i]! - pred;
      total += r * r;
      if (grad) {
        for (let j = 0; j < p; j++) grad[j]! -= X[row + j]! * r;
        grad[p]! -= r;
      }
      if (gabs) {
        for (let j = 0; j < p; j++) gabs[j]! += Math.abs(X[row + j]!) * size;
        gabs[p]! += size;
      }
    }
    if (grad) for (let j = 0; j <= p; j++) grad[j]! *= 2 / n;
    if (hess) {
      // (2/n)·X̃ᵀX̃, the same at every θ.
      if (!P.mseHessian) {
        const ones = new Float64Array(n).fill(1);
        P.mseHessian = gramBlocks(P, [ones], 2 / n);
      }
      hess.set(P.mseHessian);
    }
    if (mag && gabs) mag[0] = (2 / n) * Math.max(...gabs);
    return total / n;
  }

  const z = new Float64Array(C);
  const probs = hess ? new Float64Array(n * C) : null; // kept for the Hessian
  for (let i = 0; i < n; i++) {
    const row = i * p;
    for (let k = 0; k < C; k++) z[k] = theta[p * C + k]!;
    for (let j = 0; j < p; j++) {
      const x = X[row + j]!;
      if (x === 0) continue;
      const o = j * C;
      for (let k = 0; k < C; k++) z[k]! += x * theta[o + k]!;
    }
    const yi = P.labels[i]!;
    let max = -Infinity;
    for (let k = 0; k < C; k++) if (z[k]! > max) max = z[k]!;
    let sum = 0;
    let others = 0; // Σ_{k≠y} exp(z_k − max)
    for (let k = 0; k < C; k++) {
      const e = Math.exp(z[k]! - max);
      sum += e;
      if (k !== yi) others += e;
    }
    // Near-separable samples have losses far below 1e-16·|z|; when the label holds the largest
    // logit, log1p keeps their relative accuracy (max + log(sum) − z_y would round to 0).
    total += z[yi] === max ? Math.log1p(others) : max + Math.log(sum) - z[yi]!;
    if (!grad && !hess && !gabs) continue;
    // z becomes π − onehot, with 1 − π_y taken as the sum of the other probabilities rather
    // than by subtraction (same reason).
    for (let k = 0; k < C; k++) {
      const pk = Math.exp(z[k]! - max) / sum;
      if (probs) probs[i * C + k] = pk;
      z[k] = k === yi ? -others / sum : pk;
    }
    if (grad || gabs) {
      for (let j = 0; j <= p; j++) {
        const x = j < p ? X[row + j]! : 1;
        if (x === 0) continue;
        const o = j * C;
        for (let k = 0; k < C; k++) {
          if (grad) grad[o + k]! += x * z[k]!;
          if (gabs) gabs[o + k]! += Math.abs(x * z[k]!);
        }
      }
    }
  }
  if (grad) for (let t = 0; t < d; t++) grad[t]! /= n;
  if (hess && probs) {
    // Hessian of the cross-entropy in the logits: S_i = diag(π) − ππᵀ, with the diagonal as
    // π_k·Σ_{l≠k} π_l (no cancellation). One weight vector per class pair (k ≤ q).
    const weights: Float64Array[] = [];
    for (let k = 0; k < C; k++) {
      for (let q = k; q < C; q++) {
        const w = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const o = i * C;
          if (k !== q) {
            w[i] = -probs[o + k]! * probs[o + q]!;
          } else {
            let rest = 0;
            for (let l = 0; l < C; l++) if (l !== k) rest += probs[o + l]!;
            w[i] = probs[o + k]! * rest;
          }
        }
        weights.push(w);
      }
    }
    hess.set(gramBlocks(P, weights, 1 / n));
  }
  if (mag && gabs) mag[0] = Math.max(...gabs) / n;
  return total / n;
}

/**
 * H[(j,k),(l,q)] = scale·Σ_i x̃_ij·x̃_il·w^{kq}_i for a symmetric family of per-sample weights
 * given for k ≤ q in row order (C(C+1)/2 vectors; one vector when C = 1). Computed as weighted
 * Gram products of X̃'s columns, each value written to its (up to) four symmetric places.
 */
function gramBlocks(P: Problem, weights: Float64Array[], scale: number): Float64Array {
  const { n, p, C, d, Xt } = P;
  const H = new Float64Array(d * d);
  const xw = new Float64Array(n);
  let pair = 0;
  for (let k = 0; k < C; k++) {
    for (let q = k; q < C; q++) {
      const w = weights[pair++]!;
      for (let j = 0; j <= p; j++) {
        const xj = j * n;
        for (let i = 0; i < n; i++) xw[i] = Xt[xj + i]! * w[i]!;
        for (let l = j; l <= p; l++) {
          const xl = l * n;
          let s = 0;
          for (let i = 0; i < n; i++) s += xw[i]! * Xt[xl + i]!;
          s *= scale;
          const a = j * C + k;
          const b = l * C + q;
          const a2 = j * C + q;
          const b2 = l * C + k;
          H[a * d + b] = s;
          H[b * d + a] = s;
          H[a2 * d + b2] = s;
          H[b2 * d + a2] = s;
        }
      }
    }
  }
  return H;
}

function l1Of(theta: Float64Array, m: number): number {
  let s = 0;
  for (let t = 0; t < m; t++) s += Math.abs(theta[t]!);
  return s;
}

/**
 * Largest violation of the optimality conditions, in gradient units: for a penalised w ≠ 0,
 * |g + λ·sign w|; for w = 0, max(|g| − λ, 0); for an intercept, |g|.
 */
function kktOf(P: Problem, theta: Float64Array, g: Float64Array, lambda: number): number {
  let worst = 0;
  for (let t = 0; t < P.d; t++) {
    if (!P.free[t]) continue;
    let v: number;
    if (t >= P.m) v = Math.abs(g[t]!);
    else if (theta[t]! > 0) v = Math.abs(g[t]! + lambda);
    else if (theta[t]! < 0) v = Math.abs(g[t]! - lambda);
    else v = Math.max(Math.abs(g[t]!) - lambda, 0);
    if (v > worst) worst = v;
  }
  return worst;
}

// ------------------------------------------------------------------------------------------------
// Starting point and λmax.

/** θ with W = 0 and the intercepts at their optimum for W = 0. */
function interceptOnly(P: Problem): Float64Array {
  const theta = new Float64Array(P.d);
  if (!P.softmax) {
    let s = 0;
    for (let i = 0; i < P.n; i++) s += P.y[i]!;
    theta[P.p] = s / P.n;
  } else {
    // Softmax probabilities equal the class frequencies: b_k = log(n_k / n_{C−1}).
    const count = new Float64Array(P.C);
    for (let i = 0; i < P.n; i++) count[P.labels[i]!]!++;
    for (let k = 0; k < P.C; k++) theta[P.m + k] = Math.log(count[k]! / count[P.C - 1]!);
  }
  return theta;
}

function lambdaMaxOf(P: Problem): number {
  const g = new Float64Array(P.d);
  evaluate(P, interceptOnly(P), g);
  let worst = 0;
  for (let t = 0; t < P.m; t++) worst = Math.max(worst, Math.abs(g[t]!));
  return worst;
}

// ------------------------------------------------------------------------------------------------
// The penalised quadratic subproblem.

/**
 * Minimise  gᵀΔ + ½ΔᵀHΔ + λ Σ_{t<m} |θ_t + Δ_t|  over the free coordinates; writes Δ.
 * `gradTol` stops the coordinate descent once no coordinate moves the model gradient by more.
 */
function solveSubproblem(P: Problem, H: Float64Array, g: Float64Array, theta: Float64Array, lambda: number, gradTol: number, delta: Float64Array): void {
  const { d, m, free } = P;
  delta.fill(0);
  const Hd = new Float64Array(d); // H·Δ, kept up to date
  const signs = new Int8Array(d);
  const prevSigns = new Int8Array(d);
  const maxSweeps = 5000;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let biggest = 0;
    for (let t = 0; t < d; t++) {
      if (!free[t]) continue;
      const a = H[t * d + t]!;
      if (!(a > 0)) continue; // a constant direction (an all-zero feature): leave it
      // Model gradient at Δ without coordinate t's own diagonal term.
      const c = g[t]! + Hd[t]! - a * delta[t]!;
      let u: number; // the new θ_t + Δ_t
      if (t < m) {
        const zz = a * theta[t]! - c;
        u = zz > lambda ? (zz - lambda) / a : zz < -lambda ? (zz + lambda) / a : 0;
      } else {
        u = theta[t]! - c / a;
      }
      const step = u - theta[t]! - delta[t]!;
      if (step !== 0) {
        delta[t] = u - theta[t]!;
        for (let r = 0; r < d; r++) Hd[r]! += step * H[r * d + t]!;
        biggest = Math.max(biggest, Math.abs(step) * a);
      }
    }
    if (P.softmax) centreRows(P, H, theta, delta, Hd);
    if (biggest <= gradTol) return;
    // Same support and signs as the previous sweep: try to finish exactly on this face.
    let same = sweep > 0;
    for (let t = 0; t < m; t++) {
      signs[t] = Math.sign(theta[t]! + delta[t]!);
      if (signs[t] !== prevSigns[t]) same = false;
      prevSigns[t] = signs[t]!;
    }
    if (same && polish(P, H, g, theta, lambda, signs, delta, Hd)) return;
  }
}

/**
 * Softmax only: adding the same constant to a whole row of W changes no logit, so the model is
 * flat along that direction (H·u = 0, gᵀu = 0) and only the penalty varies; its minimum puts the
 * row's median at 0. Coordinate descent alone crawls along such a valley at a pace set by λ (for
 * small λ, thousands of sweeps), so after every sweep we jump to that minimum directly.
 */
function centreRows(P: Problem, H: Float64Array, theta: Float64Array, delta: Float64Array, Hd: Float64Array): void {
  const { C, d } = P;
  const row = new Float64Array(C);
  for (let j = 0; j < P.p; j++) {
    const o = j * C;
    for (let k = 0; k < C; k++) row[k] = theta[o + k]! + delta[o + k]!;
    const shift = median(row);
    if (shift === 0) continue;
    for (let k = 0; k < C; k++) {
      delta[o + k]! -= shift;
      // Keep H·Δ exact although H·u vanishes only up to rounding.
      for (let r = 0; r < d; r++) Hd[r]! -= shift * H[r * d + o + k]!;
    }
  }
}

/** Median of a short vector (midpoint of the two middle values for even length); sorts it. */
function median(v: Float64Array): number {
  v.sort();
  const C = v.length;
  return C % 2 === 1 ? v[(C - 1) / 2]! : 0.5 * (v[C / 2 - 1]! + v[C / 2]!);
}

/**
 * Exact minimiser of the subproblem on the face given by `signs` (0 = held at zero): solves the
 * stationarity equations of the active coordinates. Accepted (Δ overwritten, returns true) only
 * if the active coordinates keep their signs and the inactive ones satisfy |model gradient| ≤ λ,
 * i.e. only if it is the subproblem's minimiser. Otherwise may take a partial step (Δ and H·Δ
 * updated) and returns false.
 */
function polish(P: Problem, H: Float64Array, g: Float64Array, theta: Float64Array, lambda: number, signs: Int8Array, delta: Float64Array, Hd: Float64Array): boolean {
  const { d, m, free } = P;
  const active: number[] = [];
  const trial = new Float64Array(d);
  for (let t = 0; t < d; t++) {
    if (!free[t]) continue;
    // With λ = 0 every coordinate is smooth, so all are solved for.
    if (t >= m || lambda === 0 || signs[t] !== 0) active.push(t);
    else trial[t] = -theta[t]!; // held at θ + Δ = 0
  }
  const k = active.length;
  const A = new Float64Array(k * k);
  const rhs = new Float64Array(k);
  for (let r = 0; r < k; r++) {
    const tr = active[r]!;
    let v = -g[tr]! - (tr < m ? lambda * signs[tr]! : 0);
    for (let t = 0; t < d; t++) if (trial[t] !== 0) v -= H[tr * d + t]! * trial[t]!;
    rhs[r] = v;
    for (let c = 0; c < k; c++) A[r * k + c] = H[tr * d + active[c]!]!;
  }
  const x = solveSpd(A, rhs, k);
  if (!x) return false;
  for (let r = 0; r < k; r++) trial[active[r]!] = x[r]!;
  // If some active coordinate would change sign, do the active-set step instead: move from Δ
  // towards the face minimiser until the first coordinate reaches 0 (the model decreases all the
  // way, being convex on the face) and leave the rest to coordinate descent. On ill-conditioned
  // subproblems this saves thousands of sweeps.
  let alpha = 1;
  let blocking = -1;
  for (let r = 0; r < k; r++) {
    const t = active[r]!;
    if (t >= m || lambda === 0) continue;
    const now = theta[t]! + delta[t]!;
    const next = theta[t]! + trial[t]!;
    if (Math.sign(next) !== signs[t]) {
      const a = now / (now - next);
      if (a < alpha) {
        alpha = a;
        blocking = t;
      }
    }
  }
  if (blocking >= 0) {
    for (let t = 0; t < d; t++) delta[t]! += alpha * (trial[t]! - delta[t]!);
    delta[blocking] = -theta[blocking]!;
    for (let r = 0; r < d; r++) {
      let v = 0;
      for (let t = 0; t < d; t++) v += H[r * d + t]! * delta[t]!;
      Hd[r] = v;
    }
    return false;
  }
  if (lambda > 0) {
    for (let t = 0; t < m; t++) {
      if (!free[t] || signs[t] !== 0) continue;
      let gt = g[t]!;
      for (let s = 0; s < d; s++) gt += H[t * d + s]! * trial[s]!;
      if (Math.abs(gt) > lambda * (1 + 1e-9)) return false;
    }
  }
  delta.set(trial);
  return true;
}

/**
 * Solve A x = r for a symmetric positive semi-definite A (k×k). Exact null directions occur
 * (e.g. a binary softmax row whose two entries are both non-zero); r is orthogonal to them, so
 * we factor A + μI with a tiny μ and remove the damping error by iterative refinement against A.
 */
function solveSpd(A: Float64Array, r: Float64Array, k: number): Float64Array | null {
  let diagMax = 0;
  for (let i = 0; i < k; i++) diagMax = Math.max(diagMax, A[i * k + i]!);
  if (k === 0) return new Float64Array(0);
  if (!(diagMax > 0)) return null;
  const mu = 1e-13 * diagMax;
  const L = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * k + j]! + (i === j ? mu : 0);
      for (let q = 0; q < j; q++) s -= L[i * k + q]! * L[j * k + q]!;
      if (i === j) {
        if (!(s > 0)) return null;
        L[i * k + i] = Math.sqrt(s);
      } else {
        L[i * k + j] = s / L[j * k + j]!;
      }
    }
  }
  const cholSolve = (b: Float64Array): Float64Array => {
    const out = Float64Array.from(b);
    for (let i = 0; i < k; i++) {
      let s = out[i]!;
      for (let q = 0; q < i; q++) s -= L[i * k + q]! * out[q]!;
      out[i] = s / L[i * k + i]!;
    }
    for (let i = k - 1; i >= 0; i--) {
      let s = out[i]!;
      for (let q = i + 1; q < k; q++) s -= L[q * k + i]! * out[q]!;
      out[i] = s / L[i * k + i]!;
    }
    return out;
  };
  const x = cholSolve(r);
  const res = new Float64Array(k);
  for (let iter = 0; iter < 4; iter++) {
    for (let i = 0; i < k; i++) {
      let s = r[i]!;
      for (let j = 0; j < k; j++) s -= A[i * k + j]! * x[j]!;
      res[i] = s;
    }
    const corr = cholSolve(res);
    for (let i = 0; i < k; i++) x[i]! += corr[i]!;
  }
  for (let i = 0; i < k; i++) if (!Number.isFinite(x[i]!)) return null;
  return x;
}

// ------------------------------------------------------------------------------------------------
// The proximal Newton solver.

interface Solved {
  theta: Float64Array;
  loss: number;
  l1: number;
  kkt: number;
  converged: boolean;
}

/** Rounding allowance of the KKT test, in units of √n·ε·(gradient term size). */
const ROUNDING = 16;

function solveTheta(P: Problem, lambda: number, start: Float64Array, opts: SolveOptions): Solved {
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`lambda must be finite and ≥ 0, got ${lambda}`);
  const { d, m } = P;
  const relTol = opts.tol ?? 1e-12;
  const maxOuter = opts.maxOuter ?? 200;
  // KKT tolerance: relTol·λ, but never below what rounding allows: the gradient's own rounding
  // (about √n·ε times the size of the terms it sums) plus the change that moving θ by its last
  // bits makes to the gradient (ε·Σ_t |H_rt|·|θ_t|; matters when weights are large, as near
  // separable softmax data, and for the canonical shift applied at the end).
  const mag = new Float64Array(1);
  const tolNow = (): number => {
    let repr = 0;
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += Math.abs(H[r * d + t]!) * Math.abs(theta[t]!);
      repr = Math.max(repr, s);
    }
    return Math.max(relTol * lambda, Number.EPSILON * (ROUNDING * Math.sqrt(P.n) * mag[0]! + repr));
  };
  let theta = Float64Array.from(start);
  const g = new Float64Array(d);
  const H = new Float64Array(d * d);
  const delta = new Float64Array(d);
  const trial = new Float64Array(d);
  let loss = evaluate(P, theta, g, H, mag);
  let kkt = kktOf(P, theta, g, lambda);
  let tol = tolNow();
  let best = { theta: Float64Array.from(theta), loss, kkt };
  let stalled = 0;
  for (let outer = 0; outer < maxOuter && kkt > tol; outer++) {
    solveSubproblem(P, H, g, theta, lambda, 0.01 * tol, delta);
    // Predicted decrease of the composite objective (negative unless at the optimum).
    const l1Now = l1Of(theta, m);
    let D = 0;
    for (let t = 0; t < d; t++) {
      D += g[t]! * delta[t]!;
      trial[t] = theta[t]! + delta[t]!;
    }
    D += lambda * (l1Of(trial, m) - l1Now);
    const F0 = loss + lambda * l1Now;
    // Backtracking (Armijo). The slack absorbs rounding in F once the decrease is below it.
    const slack = 8 * Number.EPSILON * Math.max(Math.abs(F0), Number.MIN_VALUE);
    let step = 1;
    let accepted = false;
    for (let halvings = 0; halvings < 60; halvings++) {
      for (let t = 0; t < d; t++) trial[t] = theta[t]! + step * delta[t]!;
      const Ft = evaluate(P, trial) + lambda * l1Of(trial, m);
      if (Ft <= F0 + 1e-4 * step * D + slack) {
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
    theta = Float64Array.from(trial);
    loss = evaluate(P, theta, g, H, mag);
    kkt = kktOf(P, theta, g, lambda);
    tol = tolNow();
    // (KKT need not fall monotonically far from the optimum; the objective does.)
    if (kkt < best.kkt) best = { theta: Float64Array.from(theta), loss, kkt };
    if (F0 - (loss + lambda * l1Of(theta, m)) > slack) stalled = 0;
    else if (++stalled >= 5) break; // at the rounding floor: no measurable progress left
  }
  theta = best.theta;
  canonicalise(P, theta);
  loss = evaluate(P, theta, g, H, mag);
  kkt = kktOf(P, theta, g, lambda);
  return { theta, loss, l1: l1Of(theta, m), kkt, converged: kkt <= tolNow() };
}

/**
 * Pick the canonical softmax representative (see the file comment): each row of W shifted so its
 * median is 0, which also makes it the least-l1 member of its equivalence class (that is what
 * selects the λ → 0 limit at λ = 0), and intercepts shifted to sum 0.
 */
function canonicalise(P: Problem, theta: Float64Array): void {
  if (!P.softmax) return;
  const C = P.C;
  const row = new Float64Array(C);
  for (let j = 0; j < P.p; j++) {
    for (let k = 0; k < C; k++) row[k] = theta[j * C + k]!;
    const med = median(row);
    if (med !== 0) for (let k = 0; k < C; k++) theta[j * C + k]! -= med;
  }
  let mean = 0;
  for (let k = 0; k < C; k++) mean += theta[P.m + k]!;
  mean /= C;
  for (let k = 0; k < C; k++) theta[P.m + k]! -= mean;
}

function startFrom(P: Problem, warm?: WarmStart): Float64Array {
  if (!warm) return interceptOnly(P);
  if (warm.W.length !== P.m || warm.b.length !== P.C) throw new RangeError(`warm start must have W of length ${P.m} and b of length ${P.C}`);
  const theta = new Float64Array(P.d);
  theta.set(warm.W, 0);
  // Softmax: the last intercept is pinned at 0, so shift all intercepts (logits unchanged).
  const shift = P.softmax ? warm.b[P.C - 1]! : 0;
  for (let k = 0; k < P.C; k++) theta[P.m + k] = warm.b[k]! - shift;
  return theta;
}

function toSolution(P: Problem, s: Solved): LassoSolution {
  return {
    W: s.theta.slice(0, P.m),
    b: s.theta.slice(P.m),
    loss: s.loss,
    l1: s.l1,
    kkt: s.kkt,
    converged: s.converged,
  };
}

// ------------------------------------------------------------------------------------------------
// Public API: single solves.

/**
 * Exact minimiser of loss(W, b) + λ‖W‖₁ (KKT violation ≤ 1e-12·λ, see the file comment).
 * Starts from W = 0 with optimal intercepts unless `warm` is given.
 * λ = 0 is allowed. For MSE it gives least squares (X of full column rank assumed). For softmax
 * a minimiser exists only if the classes are not separable; then the returned W is the least-l1
 * minimiser (the λ → 0 limit of the path). On separable data the iterates run off towards
 * infinity until maxOuter, with `converged` false: use minLossAtL1 for that end of the path.
 */
export function solveLasso(
  X: Float64Array,
  y: Float64Array,
  n: number,
  p: number,
  task: Task,
  lambda: number,
  warm?: WarmStart,
  opts: SolveOptions = {},
): LassoSolution {
  const P = makeProblem(X, y, n, p, task);
  return toSolution(P, solveTheta(P, lambda, startFrom(P, warm), opts));
}

/**
 * The smallest λ whose solution has W = 0: max_j |∂loss/∂W_j| at W = 0 with the intercepts at
 * their optimum (mean of y; log class frequencies).
 */
export function lambdaMax(X: Float64Array, y: Float64Array, n: number, p: number, task: Task): number {
  return lambdaMaxOf(makeProblem(X, y, n, p, task));
}

/**
 * KKT violation of given parameters at λ, in gradient units: the largest of |∂loss/∂b|,
 * |∂loss/∂w + λ·sign w| for w ≠ 0 and max(|∂loss/∂w| − λ, 0) for w = 0.
 */
export function kktViolation(X: Float64Array, y: Float64Array, n: number, p: number, task: Task, W: Float64Array, b: Float64Array, lambda: number): number {
  const P = makeProblem(X, y, n, p, task);
  const theta = new Float64Array(P.d);
  theta.set(W, 0);
  theta.set(b, P.m);
  const g = new Float64Array(P.d);
  evaluate(P, theta, g);
  // The frozen last intercept is free from the caller's point of view.
  P.free.fill(1);
  return kktOf(P, theta, g, lambda);
}

/** Training loss of given parameters (MSE or mean cross-entropy), for checks. */
export function lossAt(X: Float64Array, y: Float64Array, n: number, p: number, task: Task, W: Float64Array, b: Float64Array): number {
  const P = makeProblem(X, y, n, p, task);
  const theta = new Float64Array(P.d);
  theta.set(W, 0);
  theta.set(b, P.m);
  return evaluate(P, theta);
}

// ------------------------------------------------------------------------------------------------
// The exact Pareto front  F(t) = min { loss(W, b) : ‖W‖₁ ≤ t }.

interface PathPoint {
  lambda: number;
  theta: Float64Array;
  loss: number;
  l1: number;
}

/**
 * The front via the penalised path. F is convex and non-increasing in t, and the solution at λ
 * lies on it at t = l1(λ) with slope −λ; l1(λ) is non-increasing in λ. So for a target t we
 * find λ with l1(λ) = t by a safeguarded secant (Illinois) search in log λ, every solve
 * warm-started from the nearest solved λ, and read F(t) off that solution with a first-order
 * correction F(t) ≈ loss(λ) − λ·(t − l1(λ)) (exact up to the second-order term, which the l1
 * tolerance, 1e-11 relative, makes negligible). For λ > 0 the fitted values, hence l1(λ), are
 * unique and continuous; should the search still end on a jump (numerically), the front there is
 * the chord between the two sides, which we return with its chord-to-tangent gap as errorBound.
 * Solutions are cached, so a whole front costs a few (about 7) warm solves per point.
 *
 * The unregularised end: the search does not go below λfloor = lambdaFloor·λmax (default 1e-13).
 * A target beyond t_f = l1(λfloor) gets loss(λfloor); by convexity the front lies between
 * loss(λfloor) − λfloor·(t − t_f) and loss(λfloor), and that width is reported as errorBound.
 * If the unregularised minimum is attained (MSE with X of full column rank; softmax on
 * non-separable data), this is the unregularised minimum to O(λfloor) (MSE: O(λfloor²)). For
 * softmax on separable data there is no minimum: F(t) keeps decreasing towards its infimum (0
 * for fully separable data) as t → ∞, l1(λ) grows like log(1/λ), and targets up to t_f are
 * still answered exactly; larger ones are clamped as described.
 */
export class LassoFront {
  readonly lambdaMax: number;
  private readonly P: Problem;
  private readonly opts: FrontOptions;
  /** Solved points sorted by increasing λ. */
  private readonly points: PathPoint[] = [];

  constructor(X: Float64Array, y: Float64Array, n: number, p: number, task: Task, opts: FrontOptions = {}) {
    this.P = makeProblem(X, y, n, p, task);
    this.opts = opts;
    this.lambdaMax = lambdaMaxOf(this.P);
    // λmax itself: W = 0, the start of the path.
    const theta = interceptOnly(this.P);
    canonicalise(this.P, theta);
    this.points.push({ lambda: this.lambdaMax, theta, loss: evaluate(this.P, theta), l1: 0 });
  }

  /** Number of penalised solves so far (for diagnostics). */
  get solves(): number {
    return this.points.length - 1;
  }

  /** The (cached) solution at λ, warm-started from the nearest solved λ. */
  private solveAt(lambda: number): PathPoint {
    const pts = this.points;
    let idx = pts.findIndex((q) => q.lambda >= lambda);
    if (idx >= 0 && pts[idx]!.lambda === lambda) return pts[idx]!;
    if (idx < 0) idx = pts.length;
    // Nearest neighbour in log λ (λ = 0 counts as far from everything).
    const below = idx > 0 ? pts[idx - 1]! : null;
    const above = idx < pts.length ? pts[idx]! : null;
    let warm = (above ?? below)!;
    if (below && above && lambda > 0 && below.lambda > 0 && Math.log(lambda / below.lambda) < Math.log(above.lambda / lambda)) warm = below;
    const s = solveTheta(this.P, lambda, warm.theta, this.opts);
    const pt: PathPoint = { lambda, theta: s.theta, loss: s.loss, l1: s.l1 };
    pts.splice(idx, 0, pt);
    return pt;
  }

  /** F(t) with its certificate. */
  point(l1Target: number): FrontPoint {
    const t = l1Target;
    if (!(t >= 0)) throw new RangeError(`l1Target must be ≥ 0, got ${t}`);
    const top = this.points[this.points.length - 1]!; // λmax, l1 = 0
    if (t === 0 || this.lambdaMax === 0) return this.answer(t, top, top.loss, 0, false);
    const l1Tol = (this.opts.l1Tol ?? 1e-11) * t;

    // Bracket: λa < λb with l1(λa) ≥ t > l1(λb). Start from the cache, extend downwards
    // geometrically (l1 grows roughly like log(1/λ) at the small end) until the floor.
    let { a, b } = this.bracket(t);
    const floorFrac = this.opts.lambdaFloor ?? 1e-13;
    if (!(floorFrac > 0 && floorFrac < 1)) throw new RangeError(`lambdaFloor must be in (0, 1), got ${floorFrac}`);
    const floor = floorFrac * this.lambdaMax;
    while (!a) {
      const lam = Math.max(this.points[0]!.lambda / 8, floor);
      if (this.points[0]!.lambda <= floor) {
        const f = this.points[0]!;
        return this.answer(t, f, f.loss, f.lambda * (t - f.l1), true);
      }
      this.solveAt(lam);
      ({ a, b } = this.bracket(t));
    }

    // Illinois: regula falsi on φ(λ) = l1(λ) − t, halving the weight of an endpoint that is kept
    // twice in a row so both ends converge.
    let fa = a.l1 - t;
    let fb = b.l1 - t;
    let side = 0;
    for (let iter = 0; iter < 200; iter++) {
      // (fa, fb may be Illinois-scaled; test the true l1 values.)
      if (Math.abs(b.l1 - t) <= l1Tol) return this.answer(t, b, b.loss + b.lambda * (b.l1 - t), 0, false);
      if (Math.abs(a.l1 - t) <= l1Tol) return this.answer(t, a, a.loss + a.lambda * (a.l1 - t), 0, false);
      const width = b.lambda - a.lambda;
      if (width <= 1e-15 * b.lambda) break;
      // Secant in log λ: at the small-λ end l1 grows like log(1/λ), so that is where it is
      // closest to linear; on the MSE path's linear pieces the log costs only a few steps.
      const la = Math.log(a.lambda);
      const lb = Math.log(b.lambda);
      let frac = fa / (fa - fb);
      // Keep the candidate well inside the bracket so the width always shrinks.
      frac = Math.min(Math.max(frac, 1e-3), 1 - 1e-3);
      const lam = Math.min(Math.max(Math.exp(la + frac * (lb - la)), a.lambda), b.lambda);
      if (lam === a.lambda || lam === b.lambda) break;
      const q = this.solveAt(lam);
      const fq = q.l1 - t;
      if (fq >= 0) {
        a = q;
        fa = fq;
        if (side === -1) fb /= 2;
        side = -1;
      } else {
        b = q;
        fb = fq;
        if (side === 1) fa /= 2;
        side = 1;
      }
    }
    // l1 jumps across t at a single λ: the front is the chord between the bracket ends there.
    // The chord is an upper bound (convexity); the tangents at both ends are lower bounds, so
    // their gap certifies the answer (≈ 0 once the bracket has collapsed onto one λ).
    const w = (a.l1 - t) / (a.l1 - b.l1);
    const chord = a.loss + w * (b.loss - a.loss);
    const tangent = Math.max(a.loss - a.lambda * (t - a.l1), b.loss - b.lambda * (t - b.l1));
    return this.answer(t, a, chord, Math.max(chord - tangent, 0), false);
  }

  /** Largest solved λ with l1 ≥ t, and the smallest solved λ above it (l1 < t there). */
  private bracket(t: number): { a: PathPoint | null; b: PathPoint } {
    let a: PathPoint | null = null;
    for (const q of this.points) if (q.l1 >= t) a = q;
    let b = this.points[this.points.length - 1]!;
    for (const q of this.points) {
      if (q.lambda > (a ? a.lambda : -1) && q.l1 < t) {
        b = q;
        break;
      }
    }
    return { a, b };
  }

  private answer(t: number, q: PathPoint, loss: number, errorBound: number, beyondFloor: boolean): FrontPoint {
    return { l1Target: t, loss, lambda: q.lambda, l1: q.l1, errorBound, beyondFloor };
  }
}

/**
 * Minimum training loss subject to ‖W‖₁ ≤ l1Target (the exact Pareto front). See LassoFront for
 * the method and for what happens beyond the unregularised end.
 */
export function minLossAtL1(X: Float64Array, y: Float64Array, n: number, p: number, task: Task, l1Target: number, opts: FrontOptions = {}): number {
  return new LassoFront(X, y, n, p, task, opts).point(l1Target).loss;
}

/** minLossAtL1 at each l1 value, sharing one cache of solutions. */
export function exactFront(X: Float64Array, y: Float64Array, n: number, p: number, task: Task, l1Values: number[], opts: FrontOptions = {}): number[] {
  const front = new LassoFront(X, y, n, p, task, opts);
  return l1Values.map((t) => front.point(t).loss);
}
