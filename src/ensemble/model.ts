/**
 * The spike-and-slab ensemble of subnetworks (Li & Huang, Phys. Rev. Lett. 125, 178301, 2020).
 *
 * Every connection j of layer l carries (π_j, m_j, Ξ_j): the weight is 0 with probability π_j
 * (the spike) and N(m_j, Ξ_j) otherwise (the slab). Its mean and variance are
 *
 *     μ_j = (1 − π_j) m_j,      var_j = ϱ_j − μ_j² = (1 − π_j) Ξ_j + π_j (1 − π_j) m_j²,
 *
 * with ϱ_j = (1 − π_j)(m_j² + Ξ_j) the second moment. There are no biases; a layer with N inputs
 * scales its pre-activation by 1/√N.
 *
 * Storage: one flat vector [π of every layer | m of every layer | Ξ of every layer], each layer's
 * block N_in × N_out row-major like the path's kernels (ParameterLayout), so one Adam step, one
 * clip and one decay run over contiguous ranges.
 */
import type { Kernels } from '../kernels/kernels.js';
import { fail } from '../errors.js';
import { Rng } from '../util/rng.js';

export class Ensemble {
  readonly layers: readonly number[];
  /** Start of layer l's block inside each of the three sections. */
  readonly offsets: number[] = [];
  /** Connections in all (the length of each section). */
  readonly size: number;
  /** [π | m | Ξ], 3·size floats. */
  readonly flat: Float32Array;

  constructor(layers: readonly number[], flat?: Float32Array) {
    if (layers.length < 2 || layers.some((w) => !Number.isInteger(w) || w < 1)) fail('INTERNAL', `bad ensemble layers ${layers.join('-')}`);
    this.layers = [...layers];
    let o = 0;
    for (let l = 0; l + 1 < layers.length; l++) {
      this.offsets.push(o);
      o += layers[l]! * layers[l + 1]!;
    }
    this.size = o;
    this.flat = flat ?? new Float32Array(3 * o);
    if (this.flat.length < 3 * o) fail('INTERNAL', `ensemble buffer of ${this.flat.length} floats, need ${3 * o}`);
  }

  get depth(): number {
    return this.layers.length - 1;
  }
  fanIn(l: number): number {
    return this.layers[l]!;
  }
  fanOut(l: number): number {
    return this.layers[l + 1]!;
  }
  private view(section: number, l: number): Float32Array {
    const start = section * this.size + this.offsets[l]!;
    return this.flat.subarray(start, start + this.fanIn(l) * this.fanOut(l));
  }
  pi(l: number): Float32Array {
    return this.view(0, l);
  }
  m(l: number): Float32Array {
    return this.view(1, l);
  }
  xi(l: number): Float32Array {
    return this.view(2, l);
  }
  get piAll(): Float32Array {
    return this.flat.subarray(0, this.size);
  }
  get mAll(): Float32Array {
    return this.flat.subarray(this.size, 2 * this.size);
  }
  get xiAll(): Float32Array {
    return this.flat.subarray(2 * this.size, 3 * this.size);
  }

  /** A copy in ordinary memory (or in `k`'s memory). */
  clone(k?: Kernels): Ensemble {
    const flat = k ? k.alloc(this.flat.length) : new Float32Array(this.flat.length);
    flat.set(this.flat);
    return new Ensemble(this.layers, flat);
  }
}

/**
 * The published initialisation: π = 0 (every connection present), Ξ ~ U(0, 0.01) and
 * m ~ N(0, 2/N_in). The published code draws the first layer with variance 2/784 (its N_in);
 * for every later layer we use that layer's own fan-in, the same He-style rule, so a network of
 * any shape starts with pre-activations of comparable size.
 */
export function initEnsemble(e: Ensemble, seed: number): void {
  const rng = new Rng(seed ^ 0x1e5e);
  e.piAll.fill(0);
  for (let l = 0; l < e.depth; l++) {
    const m = e.m(l);
    const sd = Math.sqrt(2 / e.fanIn(l));
    for (let i = 0; i < m.length; i++) m[i] = sd * rng.normal();
    const xi = e.xi(l);
    for (let i = 0; i < xi.length; i++) xi[i] = 0.01 * rng.uniform();
  }
}

/** After each optimiser step: π back into [0, 1] and Ξ ≥ 0 (projected gradient). */
export function clipEnsemble(e: Ensemble): void {
  const pi = e.piAll;
  for (let i = 0; i < pi.length; i++) {
    const p = pi[i]!;
    if (p < 0) pi[i] = 0;
    else if (p > 1) pi[i] = 1;
  }
  const xi = e.xiAll;
  for (let i = 0; i < xi.length; i++) if (xi[i]! < 0) xi[i] = 0;
}

/**
 * One deterministic subnetwork drawn from the ensemble: w_j = 0 with probability π_j, else
 * m_j + √Ξ_j·N(0,1). Written into `out[l]` already scaled by 1/√N_in (the network's own
 * scaling), so a plain MLP with zero biases evaluates it.
 */
export function sampleWeights(e: Ensemble, rng: Rng, out: Float32Array[]): void {
  for (let l = 0; l < e.depth; l++) {
    const pi = e.pi(l), m = e.m(l), xi = e.xi(l), w = out[l]!;
    const s = 1 / Math.sqrt(e.fanIn(l));
    for (let i = 0; i < pi.length; i++) {
      // draw both numbers always, so the stream does not depend on π (perturbations compare alike)
      const u = rng.uniform();
      const z = rng.normal();
      w[i] = u < pi[i]! ? 0 : s * (m[i]! + Math.sqrt(xi[i]!) * z);
    }
  }
}

/** The mean-field network's weights μ/√N_in (no noise): what evaluation uses. */
export function meanWeights(e: Ensemble, out: Float32Array[]): void {
  for (let l = 0; l < e.depth; l++) {
    const pi = e.pi(l), m = e.m(l), w = out[l]!;
    const s = 1 / Math.sqrt(e.fanIn(l));
    for (let i = 0; i < pi.length; i++) w[i] = s * (1 - pi[i]!) * m[i]!;
  }
}
