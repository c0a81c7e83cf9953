/**
 * Forward and backward pass of the ensemble's mean-field network on the kernel layer.
 *
 * Layer l with input r (B × N) and the ensemble's per-connection mean μ and variance var:
 *
 *     h = (1/√N) r·μ + ε ⊙ √((1/N) r²·var + δ),     ε ~ N(0,1) fresh per unit, example and pass,
 *
 * the central-limit form of Σ_j r_j w_j / √N over weights drawn from the ensemble (Li & Huang 2020, the mean-field pre-activation);
 * r² is the element-wise square. Hidden layers apply ReLU, the last gives logits for softmax
 * cross-entropy. δ = 1e-8 keeps the square root differentiable when a unit's variance is exactly
 * zero (all its inputs' connections have collapsed to π = 0, Ξ = 0); it bounds the noise's standard
 * deviation below by 10⁻⁴, far under anything that matters.
 *
 * With μ' = μ/√N and v' = var/N the forward pass is two GEMMs (r·μ', r²·v') and the backward, for
 * the upstream gradient g = ∂L/∂h:
 *
 *     ∂L/∂μ' = rᵀ g,     ∂L/∂v' = (r²)ᵀ g_s with g_s = g ⊙ ε / (2 sd),   sd = √(r²·v' + δ),
 *     ∂L/∂r  = g·μ'ᵀ + 2 r ⊙ (g_s·v'ᵀ)            (then times ReLU'(r) for the layer below),
 *
 * and the chain rule through μ = (1−π)m and var = (1−π)Ξ + π(1−π)m² to (π, m, Ξ):
 *
 *     ∂L/∂π = −m/√N · ∂L/∂μ' + (−Ξ + (1−2π)m²)/N · ∂L/∂v'
 *     ∂L/∂m = (1−π)/√N · ∂L/∂μ' + 2π(1−π)m/N · ∂L/∂v'
 *     ∂L/∂Ξ = (1−π)/N · ∂L/∂v'
 *
 * Inputs that are exactly zero in every training row (MNIST's border pixels) get exactly zero
 * gradient, so training may drop them from the first layer's GEMMs (`active` lists the inputs
 * kept; x and x² then hold only those columns). Evaluation uses all inputs (see Evaluator).
 * Every buffer is allocated once: a training step allocates nothing.
 */
import type { Kernels } from '../kernels/kernels.js';
import type { Ensemble } from './model.js';
import type { GaussianNoise } from './noise.js';
import type { SparseBatch } from './sparse-batch.js';

export const SD_FLOOR = 1e-8;

export class EnsembleNet {
  readonly maxRows: number;
  /** Inputs of layer 0 used (null: all). */
  readonly active: Int32Array | null;
  private readonly inCols: number[] = [];
  private readonly mu: Float32Array[] = [];
  private readonly va: Float32Array[] = [];
  private readonly gmu: Float32Array[] = [];
  private readonly gva: Float32Array[] = [];
  private readonly acts: Float32Array[] = [];
  private readonly acts2: Float32Array[] = [];
  private readonly sd: Float32Array[] = [];
  private readonly eps: Float32Array[] = [];
  private gh: Float32Array;
  private dr: Float32Array;
  private readonly gs: Float32Array;
  private readonly tmp: Float32Array;

  constructor(private readonly k: Kernels, readonly layers: readonly number[], maxRows: number, active: Int32Array | null = null) {
    this.maxRows = maxRows;
    this.active = active;
    const depth = layers.length - 1;
    for (let l = 0; l < depth; l++) {
      const nin = l === 0 && active ? active.length : layers[l]!;
      const nout = layers[l + 1]!;
      this.inCols.push(nin);
      for (const list of [this.mu, this.va, this.gmu, this.gva]) list.push(k.alloc(nin * nout));
      for (const list of [this.acts, this.acts2, this.sd, this.eps]) list.push(k.alloc(maxRows * nout));
    }
    const widest = Math.max(...layers.slice(1));
    this.gh = k.alloc(maxRows * widest);
    this.dr = k.alloc(maxRows * widest);
    this.gs = k.alloc(maxRows * widest);
    this.tmp = k.alloc(maxRows * Math.max(widest, layers[0]!)); // also the input gradient's scratch
  }

  /**
   * μ' = (1−π)m/√N and v' = ((1−π)Ξ + π(1−π)m²)/N of every layer, from the ensemble's state.
   * With `clip`, first projects π into [0, 1] and Ξ to ≥ 0 in place (the optimiser's clip, fused
   * into this pass over the parameters; inputs left out of the GEMMs are not visited, see clipEnsemble).
   */
  prepare(e: Ensemble, clip = false): void {
    for (let l = 0; l < e.depth; l++) {
      const pi = e.pi(l), m = e.m(l), xi = e.xi(l);
      const n = e.fanIn(l), nout = e.fanOut(l);
      const s = 1 / Math.sqrt(n), s2 = 1 / n;
      const mu = this.mu[l]!, va = this.va[l]!;
      const rows = this.inCols[l]!;
      const act = l === 0 ? this.active : null;
      for (let i = 0; i < rows; i++) {
        const src = (act ? act[i]! : i) * nout;
        const dst = i * nout;
        if (clip) clipRow(pi, xi, src, nout);
        for (let j = 0; j < nout; j++) {
          const p = pi[src + j]!, w = m[src + j]!, q = 1 - p;
          mu[dst + j] = s * q * w;
          va[dst + j] = s2 * (q * xi[src + j]! + p * q * w * w);
        }
      }
    }
  }

  /**
   * One pass over a batch (x and x² hold `rows` rows of the layer-0 inputs in use). With noise,
   * the stochastic mean-field pass of training; without, the deterministic mean-field network.
   * With `grad` (noise required) writes ∂L/∂(π, m, Ξ) into grad's sections, and with `inputGrad`
   * (rows × inputs, all inputs in use) also ∂L/∂x. With `sparse` (every input in use) the first
   * layer's products use the batch's CSR forms instead of x and x². `prepare` first.
   */
  lossAndGradient(
    e: Ensemble, x: Float32Array, x2: Float32Array, y: Float32Array, rows: number,
    noise: GaussianNoise | null, grad: Ensemble | null, inputGrad: Float32Array | null = null,
    sparse: SparseBatch | null = null,
  ): { loss: number; correct: number } {
    const { k } = this;
    if (rows > this.maxRows) throw new Error(`internal: batch of ${rows} rows exceeds workspace of ${this.maxRows}`);
    if (grad && !noise) throw new Error('internal: the ensemble gradient needs the noise');
    if (sparse && this.active) throw new Error('internal: the sparse first layer needs every input in use');
    const depth = e.depth;
    let inp = x, inp2 = x2;
    for (let l = 0; l < depth; l++) {
      const nin = this.inCols[l]!, nout = e.fanOut(l), n = rows * nout;
      const h = this.acts[l]!;
      const sp = l === 0 ? sparse : null;
      if (sp) k.csrGemm(rows, nout, sp.byRow, this.mu[l]!, h, false);
      else k.gemm(rows, nout, nin, inp, this.mu[l]!, h, false);
      if (noise) {
        const sd = this.sd[l]!, eps = this.eps[l]!;
        if (sp) k.csrGemm(rows, nout, sp.byRow2, this.va[l]!, sd, false);
        else k.gemm(rows, nout, nin, inp2, this.va[l]!, sd, false);
        noise.fill(eps, n);
        addNoise(n, h, sd, eps);
      }
      if (l < depth - 1) {
        const h2 = this.acts2[l]!;
        reluSquare(n, h, h2);
        inp = h;
        inp2 = h2;
      }
    }
    const classes = e.fanOut(depth - 1);
    const logits = this.acts[depth - 1]!;
    const correct = k.countCorrect(rows, classes, logits, y);
    const loss = k.softmaxCrossEntropy(rows, classes, logits, y, this.gh);
    if (!grad) return { loss, correct };

    let g = this.gh, dr = this.dr;
    for (let l = depth - 1; l >= 0; l--) {
      const nin = this.inCols[l]!, nout = e.fanOut(l), n = rows * nout;
      const sd = this.sd[l]!, eps = this.eps[l]!, gs = this.gs;
      noiseGradient(n, g, eps, sd, gs);
      const r = l === 0 ? x : this.acts[l - 1]!;
      const r2 = l === 0 ? x2 : this.acts2[l - 1]!;
      if (l === 0 && sparse) {
        // (Sᵀ by rows)·g: the weight gradients gather the batch's deltas, never scatter
        k.csrGemm(nin, nout, sparse.byColumn, g, this.gmu[l]!, false);
        k.csrGemm(nin, nout, sparse.byColumn2, gs, this.gva[l]!, false);
      } else {
        k.gemmTN(nin, nout, rows, r, g, this.gmu[l]!, false);
        k.gemmTN(nin, nout, rows, r2, gs, this.gva[l]!, false);
      }
      if (l > 0) {
        const tmp = this.tmp, m = rows * nin;
        k.gemmNT(rows, nin, nout, g, this.mu[l]!, dr, false);
        k.gemmNT(rows, nin, nout, gs, this.va[l]!, tmp, false);
        inputGradient(m, r, tmp, dr);
        const t = g;
        g = dr;
        dr = t;
      } else if (inputGrad) {
        if (this.active) throw new Error('internal: the input gradient needs every input in use');
        // the inputs have no activation: ∂L/∂x = g·μ'ᵀ + 2x ⊙ (g_s·v'ᵀ)
        k.gemmNT(rows, nin, nout, g, this.mu[0]!, inputGrad, false);
        k.gemmNT(rows, nin, nout, gs, this.va[0]!, this.tmp, false);
        const tmp = this.tmp;
        for (let i = 0; i < rows * nin; i++) inputGrad[i] = inputGrad[i]! + 2 * x[i]! * tmp[i]!;
      }
    }
    this.chainRule(e, grad);
    return { loss, correct };
  }

  /** ∂L/∂(μ', v') → ∂L/∂(π, m, Ξ) (formulas above); inputs left out of the GEMMs get 0. */
  private chainRule(e: Ensemble, grad: Ensemble): void {
    for (let l = 0; l < e.depth; l++) {
      const pi = e.pi(l), m = e.m(l), xi = e.xi(l);
      const gp = grad.pi(l), gm = grad.m(l), gx = grad.xi(l);
      const n = e.fanIn(l), nout = e.fanOut(l);
      const s = 1 / Math.sqrt(n), s2 = 1 / n;
      const gmu = this.gmu[l]!, gva = this.gva[l]!;
      const act = l === 0 ? this.active : null;
      if (act) {
        gp.fill(0);
        gm.fill(0);
        gx.fill(0);
      }
      const rows = this.inCols[l]!;
      for (let i = 0; i < rows; i++) {
        const dst = (act ? act[i]! : i) * nout;
        const src = i * nout;
        for (let j = 0; j < nout; j++) {
          const p = pi[dst + j]!, w = m[dst + j]!, q = 1 - p;
          const a = gmu[src + j]!, b = gva[src + j]!;
          gp[dst + j] = -s * w * a + s2 * (-xi[dst + j]! + (1 - 2 * p) * w * w) * b;
          gm[dst + j] = s * q * a + s2 * 2 * p * q * w * b;
          gx[dst + j] = s2 * q * b;
        }
      }
    }
  }
}

// The element-wise steps, each a small function of its own: V8 optimises a tight loop in a small
// function far better than the same loop inside the big pass (measured: ~5× on these loops).

/** sd ← √(sd + δ);  h ← h + ε·sd. */
function addNoise(n: number, h: Float32Array, sd: Float32Array, eps: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const s = Math.sqrt(sd[i]! + SD_FLOOR);
    sd[i] = s;
    h[i] = h[i]! + eps[i]! * s;
  }
}

/** h ← ReLU(h);  h2 ← h². */
function reluSquare(n: number, h: Float32Array, h2: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const v = h[i]! > 0 ? h[i]! : 0;
    h[i] = v;
    h2[i] = v * v;
  }
}

/** g_s = g ⊙ ε / (2 sd). */
function noiseGradient(n: number, g: Float32Array, eps: Float32Array, sd: Float32Array, gs: Float32Array): void {
  for (let i = 0; i < n; i++) gs[i] = (g[i]! * eps[i]!) / (2 * sd[i]!);
}

/** dr ← (dr + 2 r ⊙ tmp) ⊙ ReLU'(r): r = 0 kills both terms (and the 2r factor vanishes there anyway). */
function inputGradient(n: number, r: Float32Array, tmp: Float32Array, dr: Float32Array): void {
  for (let i = 0; i < n; i++) dr[i] = r[i]! > 0 ? dr[i]! + 2 * r[i]! * tmp[i]! : 0;
}

/** π[o..o+n) into [0, 1], Ξ[o..o+n) to ≥ 0. */
function clipRow(pi: Float32Array, xi: Float32Array, o: number, n: number): void {
  for (let j = o; j < o + n; j++) {
    const p = pi[j]!;
    if (p < 0) pi[j] = 0;
    else if (p > 1) pi[j] = 1;
    if (xi[j]! < 0) xi[j] = 0;
  }
}
