/**
 * How many neurons an l2-regularised ReLU network needs (Jacot, Golikov, Hongler & Gabriel, NeurIPS 2022: at most N(N+1) per layer):
 *
 * - dead: neurons whose ‖(in-weights, bias)‖·‖out-weights‖ is below tol × the layer's largest, or
 *   whose activation is zero on every training row (they change nothing on the training set);
 * - constant: neurons whose activation is the same non-zero value c on every training row (zero
 *   in-weights and a positive bias, say). The next layer sees c·out_j, a constant: it is folded
 *   into that layer's bias and the neuron removed, exactly on the training set;
 * - merged: ReLU is positively homogeneous, so a neuron j whose activation row over the training
 *   set is a_j = c·a_i with c > 0 is replaced exactly by adding c·out_j to out_i (the next layer
 *   only sees out_iᵀa_i + out_jᵀa_j = (out_i + c·out_j)ᵀa_i). "Proportional" means the residual
 *   ‖a_j - c·a_i‖/‖a_j‖ (c the least-squares factor) is at most tol. The neurons left after both
 *   are an upper bound on the neurons needed;
 * - rank: the numerical rank of K_ℓ = A_ℓᵀA_ℓ (eigenvalues above tol × the largest), a lower bound,
 *   taken over the neurons left: a dead neuron's activations never reach the next layer and a
 *   constant one's only through a bias, so counting them in K could put the "lower" bound above
 *   the upper one (a constant activation is one more direction of K but costs no neuron);
 * - N(N+1): the theorem's bound for N training points.
 *
 * Layers are processed from the input on; merging in layer h changes the in-weights of layer h+1
 * but not its activations on the training set, so each layer is analysed on the network as
 * reduced so far.
 */
import { fail } from '../errors.js';
import { addOutWeights, foldIntoBias, forward64, hiddenLayers, keepNeurons, neuronNorms, type Net } from './network.js';

export interface LayerNeurons {
  /** Hidden layer, 1 = next to the input. */
  layer: number;
  neurons: number;
  dead: number;
  /** Neurons with a constant non-zero activation on the training set, folded into the next layer's bias. */
  constant: number;
  /** Neurons merged into another one. */
  merged: number;
  /** Neurons left after removing the dead and merging (upper bound on those needed). */
  left: number;
  /** Numerical rank of K_ℓ over the neurons left (lower bound, ≤ left). */
  rank: number;
  /** N(N+1), N the training rows. */
  bound: number;
}

export interface NeuronAnalysis {
  rows: number;
  tol: number;
  layers: LayerNeurons[];
  /** The network without its dead neurons and with aligned ones merged. */
  reduced: Net;
}

export function checkTolerance(name: string, tol: number): number {
  if (typeof tol !== 'number' || !Number.isFinite(tol) || tol <= 0 || tol >= 1) {
    fail('BAD_OPTION', `${name}: expected a tolerance strictly between 0 and 1, got ${tol}`);
  }
  return tol;
}

export function checkReluNet(net: Net, what: string): void {
  if (net.activation !== 'relu') {
    fail('BAD_OPTION', `${what}: neuron analysis needs a ReLU network (merging relies on positive homogeneity), got ${net.activation}`);
  }
  if (hiddenLayers(net) < 1) fail('BAD_OPTION', `${what}: a linear model (layers ${net.layers.join('-')}) has no hidden neurons`);
}

export function analyseNeurons(net: Net, x: Float32Array, rows: number, tol = 1e-6): NeuronAnalysis {
  checkTolerance('tol', tol);
  if (x.length < rows * net.layers[0]!) fail('INTERNAL', 'analyseNeurons: x is shorter than rows × inputs');
  let cur: Net = { ...net, layers: [...net.layers], theta: Float32Array.from(net.theta) };
  const layers: LayerNeurons[] = [];
  for (let h = 0; h < hiddenLayers(net); h++) {
    const width = cur.layers[h + 1]!;
    const a = forward64(cur, x, rows).hidden[h]!;
    const col = (j: number): Float64Array => {
      const c = new Float64Array(rows);
      for (let r = 0; r < rows; r++) c[r] = a[r * width + j]!;
      return c;
    };
    const cols = Array.from({ length: width }, (_, j) => col(j));
    const norms = cols.map((c) => Math.sqrt(dot(c, c)));
    const { inNorm, outNorm } = neuronNorms(cur, h);
    const strength = Array.from(inNorm, (v, j) => v * outNorm[j]!);
    const top = Math.max(0, ...strength);
    const alive = strength.map((s, j) => j).filter((j) => strength[j]! > tol * top && norms[j]! > 0);
    const dead = width - alive.length;
    const reps: number[] = [];
    let merged = 0, constant = 0;
    for (const j of alive) {
      const value = constantValue(cols[j]!, norms[j]!, tol);
      if (value !== null) {
        foldIntoBias(cur, h, j, value);
        constant++;
        continue;
      }
      // greedy merge into the first representative whose row is proportional
      let into = -1, c = 0;
      for (const i of reps) {
        const d = dot(cols[i]!, cols[j]!);
        if (d <= 0 || d < (1 - 1e-3) * norms[i]! * norms[j]!) continue; // cheap angle test first
        const ci = d / (norms[i]! * norms[i]!);
        let res = 0;
        for (let r = 0; r < rows; r++) res += (cols[j]![r]! - ci * cols[i]![r]!) ** 2;
        if (Math.sqrt(res) <= tol * norms[j]!) {
          into = i;
          c = ci;
          break;
        }
      }
      if (into >= 0) {
        addOutWeights(cur, h, into, j, c);
        merged++;
      } else {
        reps.push(j);
      }
    }
    const rank = numericalRank(reps.map((j) => cols[j]!), rows, tol);
    layers.push({ layer: h + 1, neurons: width, dead, constant, merged, left: reps.length, rank, bound: rows * (rows + 1) });
    cur = keepNeurons(cur, h, reps);
  }
  return { rows, tol, layers, reduced: cur };
}

/** The value of a column that is constant to within tol (‖a - mean‖ ≤ tol·‖a‖), else null. */
function constantValue(a: Float64Array, norm: number, tol: number): number | null {
  let mean = 0;
  for (let r = 0; r < a.length; r++) mean += a[r]!;
  mean /= a.length;
  let dev = 0;
  for (let r = 0; r < a.length; r++) dev += (a[r]! - mean) ** 2;
  return Math.sqrt(dev) <= tol * norm ? mean : null;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Rank of K = AᵀA (A: rows × width, given by columns) as the number of eigenvalues above
 * tol × the largest. K and AAᵀ share their non-zero spectrum; the smaller one is decomposed.
 */
export function numericalRank(cols: Float64Array[], rows: number, tol: number): number {
  const w = cols.length;
  let g: Float64Array[];
  if (w <= rows) {
    g = Array.from({ length: w }, (_, i) => {
      const r = new Float64Array(w);
      for (let j = 0; j < w; j++) r[j] = j < i ? 0 : dot(cols[i]!, cols[j]!);
      return r;
    });
  } else {
    g = Array.from({ length: rows }, (_, p) => {
      const r = new Float64Array(rows);
      for (let q = p; q < rows; q++) {
        let s = 0;
        for (let j = 0; j < w; j++) s += cols[j]![p]! * cols[j]![q]!;
        r[q] = s;
      }
      return r;
    });
  }
  const n = g.length;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i]![j] = g[j]![i]!;
  const ev = symmetricEigenvalues(g);
  const top = Math.max(0, ...ev);
  if (top === 0) return 0;
  return ev.filter((e) => e > tol * top).length;
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (destroys its argument). */
export function symmetricEigenvalues(a: Float64Array[]): number[] {
  const n = a.length;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0, diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i]![i]! ** 2;
      for (let j = i + 1; j < n; j++) off += a[i]![j]! ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!, akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!, aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((row, i) => row[i]!);
}
