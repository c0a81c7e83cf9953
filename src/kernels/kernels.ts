/**
 * The kernel layer: every heavy numeric operation of regpath, named once here.
 *
 * Two backends implement this interface: `js` (plain TypeScript, the oracle the tests compare
 * against) and `wasm` (AssemblyScript compiled to WebAssembly SIMD). The engine above only ever
 * calls these functions, so a new layer needs no new backend code unless it needs a new primitive.
 *
 * Conventions
 * - Matrices are row-major Float32Array views; `m×n` means m rows, n columns.
 * - Buffers passed to a backend's kernels must come from that backend's `alloc` (the wasm
 *   backend works in place in its linear memory and never copies). `subarray` views of such
 *   buffers are fine.
 * - Kernels never allocate; outputs are written into buffers the caller owns.
 * - `accumulate` true adds into the output instead of overwriting it.
 * - Reductions (losses, norms, dot products) accumulate in double precision and return doubles.
 */

/** Activation codes (numeric so they cross the wasm boundary as plain ints). */
export const Act = { identity: 0, relu: 1, tanh: 2, sigmoid: 3 } as const;
export type ActName = keyof typeof Act;
export type ActCode = (typeof Act)[ActName];

/**
 * A compressed-sparse-row matrix in kernel memory (arrays from `allocInt` / `alloc`): row i's
 * non-zeros are values[rowStart[i] ..< rowStart[i+1]] in columns colIndex[…]. The offsets are
 * absolute, so rows r0..r1 of a matrix are the same arrays with rowStart.subarray(r0, r1 + 1).
 */
export interface CsrOperand {
  rowStart: Int32Array;
  colIndex: Int32Array;
  values: Float32Array;
}

/**
 * A 2-D convolution over a batch of images (cross-correlation, as TF.js/Keras and PyTorch
 * compute it). Activations are NHWC: image n, row y, column x, channel c at
 * ((n·inH + y)·inW + x)·inC + c. Weights are [kH, kW, inC, outC] (Keras' layout), i.e. a
 * (kH·kW·inC) × outC matrix whose row (ky·kW + kx)·inC + c pairs with input channel c at offset
 * (ky, kx). Zero padding padH rows above and below, padW columns left and right.
 * Output size: outH = floor((inH + 2·padH - kH) / strideH) + 1 (outW likewise), at least 1.
 */
export interface Conv2DShape {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

/**
 * Max or average pooling over windows kH × kW moved by strideH, strideW, per channel, NHWC, no
 * padding (a window that would cross the border is dropped: outH = floor((inH - kH)/strideH) + 1).
 */
export interface Pool2DShape {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
}

/** Output rows or columns of a convolution or pooling window: floor((n + 2·pad - k)/stride) + 1. */
export function convOutputSize(n: number, k: number, stride: number, pad = 0): number {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

/** [outH, outW] of a convolution. */
export function conv2dOutput(s: Conv2DShape): [number, number] {
  return [convOutputSize(s.inH, s.kH, s.strideH, s.padH), convOutputSize(s.inW, s.kW, s.strideW, s.padW)];
}

/** [outH, outW] of a pooling layer. */
export function pool2dOutput(s: Pool2DShape): [number, number] {
  return [convOutputSize(s.inH, s.kH, s.strideH), convOutputSize(s.inW, s.kW, s.strideW)];
}

export interface Kernels {
  readonly name: 'js' | 'wasm';

  /** A zeroed buffer of n floats that this backend's kernels can use in place. */
  alloc(n: number): Float32Array;
  /** Give a buffer from `alloc` back (optional for callers; the js backend ignores it). */
  free(a: Float32Array): void;
  /** A zeroed buffer of n 32-bit integers (CSR indices) that this backend's kernels can read. */
  allocInt(n: number): Int32Array;
  /** Give a buffer from `allocInt` back. */
  freeInt(a: Int32Array): void;
  /**
   * A mark of the buffers handed out so far by `alloc` and `allocInt`: `releaseSince(mark)` gives
   * back every one of them handed out after it and not freed yet. A path run ends this way, so
   * that its data, network and scratch do not outlive it in the backend's memory (the js
   * backend's buffers are the garbage collector's: there both do nothing).
   */
  allocationMark(): number;
  releaseSince(mark: number): void;

  // ---- GEMM family -------------------------------------------------------------------------
  /** C(m×n) = A(m×k) · B(k×n)  (+ C). */
  gemm(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;
  /** C(m×n) = Aᵀ · B, with A stored k×m and B stored k×n (weight gradient Xᵀ·dZ)  (+ C). */
  gemmTN(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;
  /** C(m×n) = A · Bᵀ, with A stored m×k and B stored n×k (input gradient dZ·Wᵀ)  (+ C). */
  gemmNT(m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;

  /**
   * C(m×n) = A·B (+ C) with A an m-row CSR matrix whose column indices index B's rows (B row-major
   * with n columns). The work is proportional to A's non-zeros: for inputs that are mostly one
   * value per column (see nn/sparse-input.ts).
   */
  csrGemm(m: number, n: number, a: CsrOperand, b: Float32Array, c: Float32Array, accumulate: boolean): void;
  /**
   * Copies the non-zeros of A's m rows whose column j has keep[j] ≠ 0 into `out` (its rowStart
   * from 0; colIndex and values need room for A's non-zeros in those rows, as every entry is
   * written before the cursor decides whether it stays). Returns the number kept.
   */
  csrSelectColumns(m: number, a: CsrOperand, keep: Int32Array, out: CsrOperand): number;

  /**
   * For a row-major m×n matrix: rowAny[i] ≠ 0 iff row i has a non-zero entry, colAny[j] ≠ 0 iff
   * column j has one (flags; -0 counts as zero).
   */
  nonzeroPattern(m: number, n: number, a: Float32Array, rowAny: Int32Array, colAny: Int32Array): void;
  /** out (m × count) = the columns cols[0 ..< count] of a (m × n, row-major). */
  gatherColumns(m: number, n: number, a: Float32Array, cols: Int32Array, count: number, out: Float32Array): void;
  /** a (m × n) = zeros, with narrow's columns (m × count) written at the columns cols[0 ..< count]. */
  scatterColumns(m: number, n: number, narrow: Float32Array, cols: Int32Array, count: number, a: Float32Array): void;

  // ---- layer pieces ------------------------------------------------------------------------
  /** In place, row-wise: z[i, j] ← act(z[i, j] + bias[j]) for an m×n matrix z. */
  biasActivate(m: number, n: number, z: Float32Array, bias: Float32Array, act: ActCode): void;
  /**
   * In place: grad[i] ← grad[i] · act'(·), with the derivative expressed through the activation's
   * OUTPUT a (relu: a>0, tanh: 1-a², sigmoid: a(1-a), identity: 1), over n entries.
   */
  activationBackward(n: number, a: Float32Array, grad: Float32Array, act: ActCode): void;
  /** out[j] = Σ_i a[i, j] over an m×n matrix (bias gradient)  (+ out). */
  colSums(m: number, n: number, a: Float32Array, out: Float32Array, accumulate: boolean): void;

  // ---- convolution and pooling (NHWC; shapes and layouts at Conv2DShape / Pool2DShape) --------
  // The bias and activation of a convolution are the dense ones applied to its output seen as a
  // (batch·outH·outW) × outC matrix: biasActivate after conv2dForward, activationBackward and
  // colSums (the bias gradient) before the two backward kernels.
  /**
   * Floats of scratch the three conv2d kernels need for shape s on this backend (im2col blocks,
   * per-thread slots, partial sums); 0 if none. Allocate it once (with `alloc`) for the largest
   * shape and thread count in use and pass it to every call; its contents are never kept between
   * calls, so layers can share one. A smaller scratch still gives the same results, on fewer threads.
   */
  conv2dScratchSize(s: Conv2DShape): number;
  /** y (batch·outH·outW × outC) = x (batch·inH·inW·inC) ⋆ w (kH·kW·inC × outC). */
  conv2dForward(s: Conv2DShape, x: Float32Array, w: Float32Array, y: Float32Array, scratch: Float32Array): void;
  /** dx (batch·inH·inW·inC) = ∂L/∂x from dy = ∂L/∂y (batch·outH·outW × outC) and w (overwrites dx). */
  conv2dBackwardInput(s: Conv2DShape, dy: Float32Array, w: Float32Array, dx: Float32Array, scratch: Float32Array): void;
  /** dw (kH·kW·inC × outC) (+)= ∂L/∂w = im2col(x)ᵀ · dy. */
  conv2dBackwardWeight(s: Conv2DShape, x: Float32Array, dy: Float32Array, dw: Float32Array, scratch: Float32Array, accumulate: boolean): void;
  /**
   * y (batch·outH·outW·channels) = the maximum of each window; argmax[o] = the index into x of
   * the first maximal entry in the window's row-major scan (what maxPool2dBackward routes to).
   */
  maxPool2dForward(s: Pool2DShape, x: Float32Array, y: Float32Array, argmax: Int32Array): void;
  /** dx (batch·inH·inW·channels) = zeros plus dy[o] at argmax[o] for every output o (overwrites dx). */
  maxPool2dBackward(s: Pool2DShape, dy: Float32Array, argmax: Int32Array, dx: Float32Array): void;
  /** y = the mean of each window. */
  avgPool2dForward(s: Pool2DShape, x: Float32Array, y: Float32Array): void;
  /** dx = zeros plus dy[o]/(kH·kW) on every entry of window o (overwrites dx). */
  avgPool2dBackward(s: Pool2DShape, dy: Float32Array, dx: Float32Array): void;

  // ---- losses (mean over the m rows) -------------------------------------------------------
  /**
   * Softmax cross-entropy (natural log) of logits (m×n) against class indices `labels` (m floats
   * holding integers 0..n-1). Returns the mean loss; writes grad = (softmax - onehot)/m (m×n),
   * which may be the same buffer as logits. Numerically stable (max-shifted log-sum-exp).
   */
  softmaxCrossEntropy(m: number, n: number, logits: Float32Array, labels: Float32Array, grad: Float32Array): number;
  /** Number of rows whose arg-max of logits (m×n) equals the label. */
  countCorrect(m: number, n: number, logits: Float32Array, labels: Float32Array): number;
  /**
   * Mean squared error over all m·n entries (not halved). Returns the loss; writes
   * grad = 2(pred - target)/(m·n), which may be the same buffer as pred.
   */
  meanSquaredError(m: number, n: number, pred: Float32Array, target: Float32Array, grad: Float32Array): number;

  // ---- vectors -----------------------------------------------------------------------------
  /** Σ |x_i|. */
  l1Norm(n: number, x: Float32Array): number;
  /** Σ x_i y_i. */
  dot(n: number, x: Float32Array, y: Float32Array): number;
  /** y ← y + alpha·x. */
  axpy(n: number, alpha: number, x: Float32Array, y: Float32Array): void;
  /** x ← alpha·x. */
  scale(n: number, alpha: number, x: Float32Array): void;
  /** Number of entries with x_i ≠ 0. */
  countNonzero(n: number, x: Float32Array): number;
  /** [Σ max(|x_i| − tau, 0), #{i : |x_i| > tau}] for tau ≥ 0: ‖S_tau(x)‖₁ and its support, in f64. */
  l1Excess(n: number, x: Float32Array, tau: number): [number, number];

  // ---- proximal operators --------------------------------------------------------------------
  /**
   * out ← S_tau(x - step·g), with S_tau(z) = sign(z)·max(|z| - tau, 0). tau = 0 is a plain
   * gradient step; step = 0 a pure shrinkage. out may alias x.
   */
  proxGradient(n: number, x: Float32Array, g: Float32Array, step: number, tau: number, out: Float32Array): void;
  /** Without writing y = S_tau(x - step·g): returns Σ g_i (y_i - x_i) (the linearised loss decrease). */
  proxLinearDecrease(n: number, x: Float32Array, g: Float32Array, step: number, tau: number): number;
  /** Without writing y = S_tau(x - step·g): returns Σ |y_i| (the l1 norm after the step). */
  proxL1(n: number, x: Float32Array, g: Float32Array, step: number, tau: number): number;
  /** [proxLinearDecrease, proxL1] of the same y in one pass over x and g. */
  proxStats(n: number, x: Float32Array, g: Float32Array, step: number, tau: number): [number, number];

  // ---- optimiser updates ---------------------------------------------------------------------
  /** Heavy-ball SGD: v ← mu·v + g;  x ← x - lr·v. */
  momentumStep(n: number, x: Float32Array, g: Float32Array, v: Float32Array, lr: number, mu: number): void;
  /**
   * Adam (Kingma & Ba): m ← b1·m + (1-b1)g;  v ← b2·v + (1-b2)g²;
   * x ← x - lr·(m/bc1) / (sqrt(v/bc2) + eps), with bc1 = 1-b1^t and bc2 = 1-b2^t given by the caller.
   */
  adamStep(
    n: number, x: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array,
    lr: number, b1: number, b2: number, eps: number, bc1: number, bc2: number,
  ): void;
}
