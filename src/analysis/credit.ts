/**
 * Does l1 regularisation find the connections that carry the decision? (against the ensemble of subnetworks of Li & Huang, PRL 125, 178301, 2020)
 *
 * For every point of an l1 path, against a spike-and-slab ensemble of the same architecture and data:
 *
 * Overlap (sets of connections = weights, all layers; biases are not connections):
 *   Z = the point's zero weights, N = its non-zeros, U = the ensemble's unimportant set (π = 1),
 *   I = its very important set (π = 0, Ξ = 0);
 *   precision = |Z∩U| / |Z|,  recall = |Z∩U| / |U|,  Jaccard = |Z∩U| / |Z∪U|,  keptImportant = |N∩I| / |I|;
 *   precision of a random zero set of any size is |U| / W (reported as `chancePrecision`).
 *   Connections from inputs that are constant on the training part are left out of these sets
 *   (see `excludedConnections`).
 *
 * Credit concentration: the attribution of connection j (weight w_j, from input unit i of its layer
 * to output unit o) is the mean over the n test examples of the magnitude of its first-order
 * contribution to the example's loss,
 *
 *     a_j = (1/n) Σ_b | w_j · ∂ℓ_b/∂w_j | = |w_j| · (1/n) Σ_b |r_bi| · |δ_bo|,
 *
 * with r_bi the input activation and δ_bo = ∂ℓ_b/∂z_bo the back-propagated error of example b. The
 * per-example gradient factorises (∂ℓ_b/∂w_j = r_bi δ_bo), so the exact per-example mean is one
 * GEMM |R|ᵀ|Δ| per layer rather than n gradients. From a (W connections, sorted descending):
 *   top-k share = Σ of the largest ⌈k·W⌉ a_j / Σ_j a_j   (k = 1 %, 10 %);
 *   Gini = Σ_i (2i − W − 1) a_(i) / (W Σ a), with a_(1) ≤ … ≤ a_(W) ascending (0: equal credit,
 *   → 1: all credit on one connection). Zero weights have a_j = 0 and count; `giniNonzero` is the
 *   same over the non-zero weights only (so sparsity alone does not raise it).
 */
import { refuseImageLayers } from '../path/model.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../errors.js';
import type { ActName, Kernels } from '../kernels/kernels.js';
import { Mlp } from '../nn/mlp.js';
import { rowChunks } from '../nn/chunks.js';
import { sizeOf } from '../nn/layers/layer.js';
import { givenOptions, readSettings as readRunSettings, readSummary, readPointWeights, type OpenedRun } from '../io/run.js';
import { readSafetensors } from '../io/safetensors.js';
import { toDevice, type DeviceData } from '../nn/problem.js';
import { ParameterLayout } from '../nn/layout.js';
import { tensorsToParameters } from '../nn/serialize.js';
import { checkPathOptions, type PathOptions, type ResolvedPathOptions } from '../path/options.js';
import { prepareData } from '../path/prepare.js';
import type { PathSummary } from '../path/result.js';
import { allCodes, IMPORTANT, UNIMPORTANT } from '../ensemble/categories.js';
import { ENSEMBLE_FILE, tensorsToEnsemble } from '../ensemble/io.js';
import type { Ensemble } from '../ensemble/model.js';
import { summarizeCredit } from './credit-report.js';
import { checkEnsembleOptions, type EnsembleOptions, type ResolvedEnsembleOptions } from '../ensemble/options.js';

export const CREDIT_FORMAT = 'regpath.credit/1';

export interface Concentration {
  top1: number;
  top10: number;
  gini: number;
  giniNonzero: number;
}

export interface CreditPoint extends Concentration {
  index: number;
  l1: number;
  nonzeros: number;
  testAccuracy: number | null;
  zeros: number;
  zeroUnimportant: number;
  precision: number | null;
  recall: number | null;
  jaccard: number | null;
  keptImportant: number | null;
  /** |Z∩I| / |I| = 1 − keptImportant: the rate at which l1 zeros very important connections. */
  removedImportant: number | null;
  /** |Z| / W over the compared connections: the rate at which it zeros any connection. */
  zeroRate: number;
}

export interface CreditResult {
  format: typeof CREDIT_FORMAT;
  path: string;
  ensemble: string;
  layers: number[];
  connections: number;
  unimportant: number;
  important: number;
  chancePrecision: number;
  /**
   * Connections left out of the overlap measures: those from inputs that are constant on the
   * training part (MNIST's border pixels). Both methods see an exactly zero gradient there, so the
   * path zeros them first for free and the ensemble never moves them (they stay "variable"): they
   * say nothing about either. Attributions still cover every connection (theirs are ~0).
   */
  excludedConnections: number;
  /** W minus the excluded connections. */
  compared: number;
  /** Points ordered from the densest (largest l1) to the sparsest. */
  points: CreditPoint[];
  /** The densest point (the least regularised end of the path): the baseline. */
  baseline: CreditPoint;
  notes: string[];
  summary: string;
}

interface PathRun {
  dir: string;
  options: ResolvedPathOptions;
  explicitTestFraction: boolean;
  summary: PathSummary;
}

interface EnsembleRun {
  dir: string;
  options: ResolvedEnsembleOptions;
  explicitTestFraction: boolean;
  ensemble: Ensemble;
}

function readSettings(dir: string, what: string): { command?: string; options: Record<string, unknown>; explicitTestFraction?: boolean } {
  const file = path.join(dir, 'settings.json');
  if (!fs.existsSync(file)) fail('BAD_RUN', `credit: ${what} ${dir} is not a regpath run folder (it has no settings.json)`);
  const s = readRunSettings(dir);
  return { ...s, options: givenOptions(s.options) };
}

export function readPathRun(dir: string): PathRun {
  const s = readSettings(dir, '--path');
  if (s.command !== undefined && s.command !== 'path') fail('BAD_RUN', `credit: --path ${dir} is a '${s.command}' run, not a path run (regpath path)`);
  const file = path.join(dir, 'path.json');
  if (!fs.existsSync(file)) fail('BAD_RUN', `credit: --path ${dir} has no path.json`);
  const summary = readSummary(dir) as unknown as PathSummary;
  if (summary.status !== 'complete') fail('BAD_RUN', `credit: --path ${dir} is not finished (status ${summary.status}); finish it with regpath path --out ${dir} --resume`);
  return { dir, options: checkPathOptions(s.options as PathOptions), explicitTestFraction: s.explicitTestFraction ?? false, summary };
}

export function readEnsembleRunFolder(dir: string): EnsembleRun {
  const s = readSettings(dir, '--ensemble');
  if (s.command !== 'ensemble') fail('BAD_RUN', `credit: --ensemble ${dir} is a '${s.command ?? 'path'}' run, not an ensemble run (regpath ensemble)`);
  const file = path.join(dir, ENSEMBLE_FILE);
  if (!fs.existsSync(file)) fail('BAD_RUN', `credit: --ensemble ${dir} has no ${ENSEMBLE_FILE}; finish it with regpath ensemble --out ${dir} --resume`);
  return {
    dir, options: checkEnsembleOptions(s.options as EnsembleOptions), explicitTestFraction: s.explicitTestFraction ?? false,
    ensemble: tensorsToEnsemble(readSafetensors(file).tensors, file),
  };
}

/**
 * The two runs must describe the same connections on the same data: same layer widths, the same
 * data source, target, seed and test fraction (hence the same split). Anything else is an error
 * naming both sides. Standardisation may differ (the connections are the same; a note says so).
 */
export function checkCompatible(p: PathRun, e: EnsembleRun): string[] {
  const side = (a: unknown, b: unknown, what: string): void => {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      fail('BAD_RUN', `credit: ${what} differ: path run ${p.dir} has ${fmt(a)} but ensemble run ${e.dir} has ${fmt(b)}`);
    }
  };
  refuseImageLayers(p.summary.model, p.dir, 'credit');
  side(p.summary.model.layers, [...e.ensemble.layers], 'architectures (layers)');
  side(p.summary.model.activation, 'relu', 'hidden activations');
  side(p.options.data, e.options.data, 'data');
  side(p.options.target, e.options.target, 'target columns');
  side(p.options.seed, e.options.seed, 'seeds (and so the train/test splits)');
  side(p.options.testFraction, e.options.testFraction, 'test fractions (and so the splits)');
  side(p.explicitTestFraction, e.explicitTestFraction, 'split kinds (preset vs --test-fraction)');
  const notes: string[] = [];
  if (p.options.standardize !== e.options.standardize) {
    notes.push(`the path run ${p.options.standardize ? 'standardised' : 'did not standardise'} the features and the ensemble ${e.options.standardize ? 'did' : 'did not'}; the connections are the same, attributions use the path's preprocessing`);
  }
  return notes;
}

function fmt(v: unknown): string {
  if (Array.isArray(v)) return v.join('-');
  return typeof v === 'string' ? `"${v}"` : String(v);
}

/**
 * Per-connection attributions a_j (see the file comment) of one network, over `data`: the model's
 * own backward pass (../nn/mlp.ts), whose layers hand over their inputs r and errors δ, and each
 * layer's weight-gradient product applied to |r| and |δ|. (For a Conv2D layer that is the sum over
 * the kernel's positions of |r|·|δ|; `credit` compares against an MLP ensemble, so its runs are
 * MLPs.)
 */
export class Attribution {
  private readonly mlp: Mlp;
  private readonly absIn: Float32Array;
  private readonly absDelta: Float32Array;
  private readonly grad: Float32Array;
  /** Σ |r|ᵀ|δ|/n over the rows so far, per weight (the weights prefix of the layout). */
  readonly sums: Float32Array;

  constructor(private readonly k: Kernels, layers: readonly number[], activation: ActName, private readonly maxRows: number) {
    this.mlp = new Mlp(k, { layers: [...layers], activation, loss: 'cross-entropy' }, maxRows);
    const widest = Math.max(...this.mlp.layers.map((l) => Math.max(sizeOf(l.inShape), sizeOf(l.outShape))));
    this.absIn = k.alloc(maxRows * widest);
    this.absDelta = k.alloc(maxRows * widest);
    this.grad = k.alloc(this.mlp.layout.size);
    this.sums = k.alloc(this.mlp.layout.weightCount);
  }

  /** a over all weights (layout order: layer 0's [in, out] first). theta must be in kernel memory. */
  compute(theta: Float32Array, data: DeviceData): Float64Array {
    const { absIn, absDelta, sums } = this;
    sums.fill(0);
    for (const { rows, x, y } of rowChunks(data, this.maxRows)) {
      // the loss gradient is (softmax − onehot)/rows; times rows/n it is δ_b/n, so the sums are means over all n
      const share = rows / data.rows;
      this.mlp.backpropagate(theta, x, y, rows, this.grad, (layer, input, delta) => {
        absInto(input, absIn, rows * sizeOf(layer.inShape), 1);
        absInto(delta, absDelta, rows * sizeOf(layer.outShape), share);
        layer.weightGradient!(absIn, absDelta, rows, sums, true);
      });
    }
    const a = new Float64Array(sums.length);
    for (let j = 0; j < a.length; j++) a[j] = Math.abs(theta[j]!) * sums[j]!;
    return a;
  }
}

function absInto(src: Float32Array, dst: Float32Array, n: number, scale: number): void {
  for (let i = 0; i < n; i++) dst[i] = scale * Math.abs(src[i]!);
}

/** Top-1 %, top-10 % shares and Gini coefficients of attributions a (weights w give the non-zeros). */
export function concentration(a: Float64Array, w: ArrayLike<number>): Concentration {
  const sorted = Float64Array.from(a).sort(); // ascending
  const n = sorted.length;
  let total = 0;
  for (const v of sorted) total += v;
  const top = (share: number): number => {
    const c = Math.max(1, Math.ceil(share * n));
    let s = 0;
    for (let i = n - c; i < n; i++) s += sorted[i]!;
    return total > 0 ? s / total : 0;
  };
  const nz: number[] = [];
  for (let j = 0; j < a.length; j++) if (w[j] !== 0) nz.push(a[j]!);
  return { top1: top(0.01), top10: top(0.1), gini: gini(sorted), giniNonzero: gini(Float64Array.from(nz).sort()) };
}

/** Gini of values sorted ascending: Σ (2i − n − 1) x_(i) / (n Σ x), i = 1..n. */
export function gini(ascending: Float64Array): number {
  const n = ascending.length;
  let s = 0, total = 0;
  for (let i = 0; i < n; i++) {
    s += (2 * (i + 1) - n - 1) * ascending[i]!;
    total += ascending[i]!;
  }
  return n > 0 && total > 0 ? s / (n * total) : 0;
}

function overlapRates(w: ArrayLike<number>, codes: Uint8Array, excluded: Uint8Array, compared: number): ReturnType<typeof overlap> & { zeroRate: number } {
  const o = overlap(w, codes, excluded);
  return { ...o, zeroRate: compared ? o.zeros / compared : 0 };
}

/** Overlap of a network's zero set with the ensemble's categories (codes from allCodes). */
export function overlap(
  w: ArrayLike<number>, codes: Uint8Array, excluded: Uint8Array | null = null,
): Pick<CreditPoint, 'zeros' | 'zeroUnimportant' | 'precision' | 'recall' | 'jaccard' | 'keptImportant' | 'removedImportant'> {
  let zeros = 0, zu = 0, u = 0, imp = 0, keptImp = 0;
  for (let j = 0; j < codes.length; j++) {
    if (excluded && excluded[j]) continue;
    const z = w[j] === 0;
    const c = codes[j]!;
    if (z) zeros++;
    if (c === UNIMPORTANT) {
      u++;
      if (z) zu++;
    } else if (c === IMPORTANT) {
      imp++;
      if (!z) keptImp++;
    }
  }
  const union = zeros + u - zu;
  return {
    zeros, zeroUnimportant: zu,
    precision: zeros ? zu / zeros : null,
    recall: u ? zu / u : null,
    jaccard: union ? zu / union : null,
    keptImportant: imp ? keptImp / imp : null,
    removedImportant: imp ? (imp - keptImp) / imp : null,
  };
}

export function computeCredit(k: Kernels, pathDir: string, ensembleDir: string): CreditResult {
  const p = readPathRun(pathDir);
  const e = readEnsembleRunFolder(ensembleDir);
  const notes = checkCompatible(p, e);
  const data = prepareData(p.options, p.explicitTestFraction);
  const set = data.test ?? data.train;
  if (!data.test) notes.push('the path run has no test part; attributions are over the training data');
  const dev = toDevice(k, set.x, set.y, set.rows, set.features);
  const layers = p.summary.model.layers;
  const layout = new ParameterLayout(layers);
  const theta = k.alloc(layout.size);
  const attribution = new Attribution(k, layers, p.summary.model.activation as ActName, Math.min(2048, dev.rows));
  const codes = allCodes(e.ensemble);
  const W = layout.weightCount;
  const excluded = new Uint8Array(W);
  const tr = data.train, f = tr.features, fanOut = layers[1]!;
  let excludedCount = 0;
  for (let i = 0; i < f; i++) {
    let constant = true;
    for (let r = 1; r < tr.rows && constant; r++) constant = tr.x[r * f + i] === tr.x[i];
    if (constant) {
      excluded.fill(1, i * fanOut, (i + 1) * fanOut);
      excludedCount += fanOut;
    }
  }
  let u = 0, imp = 0;
  codes.forEach((c, j) => {
    if (excluded[j]) return;
    if (c === UNIMPORTANT) u++;
    else if (c === IMPORTANT) imp++;
  });
  const compared = W - excludedCount;
  if (excludedCount) notes.push(`${excludedCount} connections from inputs constant on the training part are left out of the overlap measures (both methods see a zero gradient there)`);
  const opened = { dir: pathDir, summary: p.summary } as unknown as OpenedRun;
  const points: CreditPoint[] = p.summary.points.map((pt, position) => ({ pt, position })).sort((a, b) => b.pt.l1 - a.pt.l1).map(({ pt, position }) => {
    const { file, content } = readPointWeights(opened, position);
    tensorsToParameters(layout, content.tensors, theta, file);
    const w = theta.subarray(0, W);
    const a = attribution.compute(theta, dev);
    return {
      index: pt.index, l1: pt.l1, nonzeros: pt.nonzeros, testAccuracy: pt.testAccuracy ?? null,
      ...overlapRates(w, codes, excluded, compared), ...concentration(a, w),
    };
  });
  if (!points.length) fail('BAD_RUN', `credit: path run ${pathDir} has no points`);
  const result: CreditResult = {
    format: CREDIT_FORMAT, path: pathDir, ensemble: ensembleDir, layers, connections: W, unimportant: u, important: imp,
    chancePrecision: u / compared, excludedConnections: excludedCount, compared, points, baseline: points[0]!, notes, summary: '',
  };
  result.summary = summarizeCredit(result);
  return result;
}
