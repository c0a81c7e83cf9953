import { fail } from '../../errors.js';
import { initParameters } from '../../nn/init.js';
import { ParameterLayout } from '../../nn/layout.js';
import { Rng } from '../../util/rng.js';
import { measurePoint, type MethodContext, type PathMethod } from '../method.js';
import type { ResolvedPathOptions } from '../options.js';

/** SBX crossover: distribution index and probability per pair (pymoo's defaults). */
const SBX_ETA = 15;
const SBX_PROB = 0.9;
/** Per-variable swap probability inside SBX (pymoo's prob_var). */
const SBX_VAR_PROB = 0.5;
/** Polynomial mutation: distribution index; each variable mutates with probability 1/n. */
const PM_ETA = 20;
/** Every parameter lives in [-BOUND, BOUND] (the features are standardised by default). */
export const BOUND = 5;
/** Largest network NSGA-II accepts. */
export const MAX_PARAMETERS = 2000;
/** … and the longest run it accepts, by the estimate below (seconds). */
const MAX_SECONDS = 2 * 3600;
/** Forward-pass throughput assumed by the estimate (FLOP/s; small GEMMs run well below peak). */
const FLOPS = 2e9;

/** Saved with every reported point. The search is seeded, so a resume reruns it and reports only what is missing. */
export interface Nsga2State {
  /** Points of the final population reported so far. */
  reported: number;
  /** Points to report (`points`, or the final non-dominated set when smaller). */
  total: number;
}

/** Evaluations, cost and whether the run is refused, for a network with these widths. */
export function nsga2Budget(o: Pick<ResolvedPathOptions, 'population' | 'generations'>, layers: readonly number[], trainRows: number): { parameters: number; evaluations: number; seconds: number } {
  const parameters = new ParameterLayout(layers).size;
  const evaluations = o.population * (o.generations + 1);
  // a forward pass over the training set: about 2 FLOP per weight and row
  const seconds = (evaluations * 2 * trainRows * parameters) / FLOPS;
  return { parameters, evaluations, seconds };
}

/**
 * Real-coded NSGA-II (Deb et al. 2002) on (training loss, ‖θ_pen‖₁) with pymoo's default
 * operators: binary tournament on (rank, crowding distance), SBX crossover (η = 15, p = 0.9,
 * each variable exchanged with probability 0.5), polynomial mutation (η = 20, probability 1/n
 * per variable), elitist (μ + λ) survival by non-dominated rank then crowding distance.
 * Variables are all parameters (biases too), bounded to [-5, 5]. The initial population is the
 * seeded He/Glorot initialisation scaled by evenly spaced factors from 0 (the all-zero network)
 * to 1 (pymoo samples uniformly in the box, which for a network is far from any good point),
 * each member with its own initialisation seed. Every evaluation is a full-batch forward pass.
 *
 * The points are `points` members of the final population's non-dominated set (all of it when
 * it is smaller), evenly spaced along it, sorted by l1 and reported one by one at the end. Nothing is saved during the search: a killed run repeats it (it is seeded, so it
 * finds the same set) and reports only the points not yet saved.
 */
export const nsga2Method: PathMethod = {
  name: 'nsga2',
  check(o: ResolvedPathOptions, layers: readonly number[], trainRows: number): void {
    const b = nsga2Budget(o, layers, trainRows);
    if (b.parameters > MAX_PARAMETERS || b.seconds > MAX_SECONDS) {
      const hours = b.seconds / 3600;
      fail('BAD_OPTION',
        `nsga2: refusing a network of ${b.parameters.toLocaleString('en-US')} parameters (layers ${layers.join('-')}): ` +
        `NSGA-II evaluates the training loss ${b.evaluations.toLocaleString('en-US')} times (population ${o.population} × ${o.generations + 1} generations), ` +
        `about ${hours >= 1 ? hours.toFixed(1) + ' hours' : Math.ceil(b.seconds / 60) + ' minutes'} here, and a genetic search in that many dimensions ` +
        `does not get near the front anyway; it is meant for networks up to ${MAX_PARAMETERS.toLocaleString('en-US')} parameters and runs up to 2 hours. ` +
        `Use --method continuation or --method sweep for this network, or fewer hidden units.`);
    }
  },
  run(ctx: MethodContext): void {
    const { k, problem, options: o, penalised } = ctx;
    const layout = problem.mlp.layout;
    const n = layout.size;
    const N = o.population;
    const rng = new Rng((o.seed ^ 0x6a09e667) >>> 0);
    const theta = k.alloc(n);
    const evaluate = (x: Float64Array): [number, number] => {
      for (let i = 0; i < n; i++) theta[i] = x[i]!;
      const loss = problem.evaluate(theta).loss;
      // a network whose loss overflowed is the worst possible, not a NaN that breaks the sort
      return [Number.isFinite(loss) ? loss : Number.MAX_VALUE, k.l1Norm(penalised, theta)];
    };

    // initial population: init(seed + i) · i/(N-1)
    let pop: Float64Array[] = [];
    let objs: Array<[number, number]> = [];
    for (let i = 0; i < N; i++) {
      initParameters(layout, problem.arch.activation, (o.seed + i) >>> 0, theta);
      const f = N > 1 ? i / (N - 1) : 1;
      const x = new Float64Array(n);
      for (let j = 0; j < n; j++) x[j] = clamp(theta[j]! * f);
      pop.push(x);
      objs.push(evaluate(x));
    }
    let { rank, crowd } = rankAndCrowd(objs);
    for (let g = 0; g < o.generations; g++) {
      const kids: Float64Array[] = [];
      while (kids.length < N) {
        const a = pop[tournament(rng, rank, crowd)]!;
        const b = pop[tournament(rng, rank, crowd)]!;
        const [c1, c2] = sbx(rng, a, b);
        mutate(rng, c1);
        mutate(rng, c2);
        kids.push(c1);
        if (kids.length < N) kids.push(c2);
      }
      const all = pop.concat(kids);
      const allObjs = objs.concat(kids.map(evaluate));
      const chosen = survivors(allObjs, N);
      pop = chosen.map((i) => all[i]!);
      objs = chosen.map((i) => allObjs[i]!);
      ({ rank, crowd } = rankAndCrowd(objs));
    }

    // the final non-dominated set, without duplicates, sparse to dense
    const seen = new Set<string>();
    const front = pop.map((_, i) => i).filter((i) => rank[i] === 0)
      .sort((a, b) => objs[a]![1] - objs[b]![1] || objs[a]![0] - objs[b]![0])
      .filter((i) => {
        const key = `${objs[i]![0]},${objs[i]![1]}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    // the population's front has up to `population` points; --points of them, evenly spaced
    const l1Scale = Math.max(...front.map((i) => objs[i]![1]), Number.MIN_VALUE);
    const picked = evenlySpaced(front.map((i) => [objs[i]![1] / l1Scale, objs[i]![0] / problem.nullLoss] as const), o.points).map((j) => front[j]!);
    const done = ctx.resume ? (ctx.resume as Nsga2State).reported : 0;
    for (let t = done; t < picked.length; t++) {
      const start = performance.now();
      const x = pop[picked[t]!]!;
      for (let i = 0; i < n; i++) theta[i] = x[i]!;
      const point = measurePoint(problem, theta, penalised, {
        index: t, phase: 'nsga2', lambda: null, steps: o.generations, converged: true, seconds: (performance.now() - start) / 1000,
      });
      ctx.sink(point, theta, { reported: t + 1, total: picked.length } satisfies Nsga2State);
    }
    k.free(theta);
  },
};

/**
 * `count` of the points (sorted along the front, normalised objectives), both ends included, the
 * others nearest to evenly spaced arc lengths of the polyline through them: indices in order.
 */
export function evenlySpaced(points: ReadonlyArray<readonly [number, number]>, count: number): number[] {
  const m = points.length;
  if (m <= count) return points.map((_, i) => i);
  const arc = [0];
  for (let i = 1; i < m; i++) arc.push(arc[i - 1]! + Math.hypot(points[i]![0] - points[i - 1]![0], points[i]![1] - points[i - 1]![1]));
  const total = arc[m - 1]!;
  const out: number[] = [];
  let j = 0;
  for (let k = 0; k < count; k++) {
    const target = (k / (count - 1)) * total;
    while (j + 1 < m && arc[j + 1]! <= target) j++;
    let pick = j + 1 < m && arc[j + 1]! - target < target - arc[j]! ? j + 1 : j;
    // strictly increasing, leaving room for the points still to pick
    pick = Math.min(Math.max(pick, (out[k - 1] ?? -1) + 1), m - (count - k));
    out.push(pick);
  }
  return out;
}

function clamp(v: number): number {
  return v < -BOUND ? -BOUND : v > BOUND ? BOUND : v;
}

/** Binary tournament: lower rank wins, then larger crowding distance, then a coin. */
function tournament(rng: Rng, rank: Int32Array, crowd: Float64Array): number {
  const a = rng.int(rank.length);
  const b = rng.int(rank.length);
  if (rank[a]! !== rank[b]!) return rank[a]! < rank[b]! ? a : b;
  if (crowd[a]! !== crowd[b]!) return crowd[a]! > crowd[b]! ? a : b;
  return rng.uniform() < 0.5 ? a : b;
}

/** Simulated binary crossover (Deb & Agrawal 1995) with the bounded spread of Deb's NSGA-II code. */
function sbx(rng: Rng, p1: Float64Array, p2: Float64Array): [Float64Array, Float64Array] {
  const c1 = Float64Array.from(p1);
  const c2 = Float64Array.from(p2);
  if (rng.uniform() > SBX_PROB) return [c1, c2];
  const lo = -BOUND;
  const hi = BOUND;
  const e1 = 1 / (SBX_ETA + 1);
  for (let i = 0; i < p1.length; i++) {
    if (rng.uniform() > SBX_VAR_PROB || Math.abs(p1[i]! - p2[i]!) <= 1e-14) continue;
    const y1 = Math.min(p1[i]!, p2[i]!);
    const y2 = Math.max(p1[i]!, p2[i]!);
    const u = rng.uniform();
    const spread = (beta: number): number => {
      const alpha = 2 - beta ** -(SBX_ETA + 1);
      return u <= 1 / alpha ? (u * alpha) ** e1 : (1 / (2 - u * alpha)) ** e1;
    };
    const b1 = spread(1 + (2 * (y1 - lo)) / (y2 - y1));
    const b2 = spread(1 + (2 * (hi - y2)) / (y2 - y1));
    let a = clamp(0.5 * (y1 + y2 - b1 * (y2 - y1)));
    let b = clamp(0.5 * (y1 + y2 + b2 * (y2 - y1)));
    if (rng.uniform() < 0.5) [a, b] = [b, a];
    c1[i] = a;
    c2[i] = b;
  }
  return [c1, c2];
}

/** Polynomial mutation (Deb & Goyal 1996), bounded variant, probability 1/n per variable. */
function mutate(rng: Rng, x: Float64Array): void {
  const lo = -BOUND;
  const hi = BOUND;
  const p = 1 / x.length;
  const e = 1 / (PM_ETA + 1);
  for (let i = 0; i < x.length; i++) {
    if (rng.uniform() >= p) continue;
    const y = x[i]!;
    const d1 = (y - lo) / (hi - lo);
    const d2 = (hi - y) / (hi - lo);
    const r = rng.uniform();
    let dq: number;
    if (r < 0.5) {
      const v = 2 * r + (1 - 2 * r) * (1 - d1) ** (PM_ETA + 1);
      dq = v ** e - 1;
    } else {
      const v = 2 * (1 - r) + 2 * (r - 0.5) * (1 - d2) ** (PM_ETA + 1);
      dq = 1 - v ** e;
    }
    x[i] = clamp(y + dq * (hi - lo));
  }
}

/** Fast non-dominated sort (Deb et al. 2002): the front number of every point, 0 = non-dominated. */
export function nonDominatedRanks(objs: ReadonlyArray<readonly [number, number]>): Int32Array {
  const m = objs.length;
  const rank = new Int32Array(m).fill(-1);
  const dominatedBy = new Int32Array(m);
  const dominates: number[][] = objs.map(() => []);
  const dom = (a: readonly [number, number], b: readonly [number, number]): boolean =>
    a[0] <= b[0] && a[1] <= b[1] && (a[0] < b[0] || a[1] < b[1]);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      if (dom(objs[i]!, objs[j]!)) {
        dominates[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dom(objs[j]!, objs[i]!)) {
        dominates[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  let current = [];
  for (let i = 0; i < m; i++) if (dominatedBy[i] === 0) current.push(i);
  for (let r = 0; current.length; r++) {
    const next: number[] = [];
    for (const i of current) {
      rank[i] = r;
      for (const j of dominates[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    current = next;
  }
  return rank;
}

/** Crowding distance within each front (boundary points infinite). */
function crowding(objs: ReadonlyArray<readonly [number, number]>, rank: Int32Array): Float64Array {
  const d = new Float64Array(objs.length);
  const fronts = new Map<number, number[]>();
  rank.forEach((r, i) => fronts.set(r, [...(fronts.get(r) ?? []), i]));
  for (const members of fronts.values()) {
    for (const m of [0, 1] as const) {
      const s = [...members].sort((a, b) => objs[a]![m] - objs[b]![m]);
      const span = objs[s[s.length - 1]!]![m] - objs[s[0]!]![m];
      d[s[0]!] = Infinity;
      d[s[s.length - 1]!] = Infinity;
      if (span <= 0) continue;
      for (let t = 1; t + 1 < s.length; t++) d[s[t]!]! += (objs[s[t + 1]!]![m] - objs[s[t - 1]!]![m]) / span;
    }
  }
  return d;
}

function rankAndCrowd(objs: ReadonlyArray<readonly [number, number]>): { rank: Int32Array; crowd: Float64Array } {
  const rank = nonDominatedRanks(objs);
  return { rank, crowd: crowding(objs, rank) };
}

/** (μ + λ) survival: whole fronts while they fit, then the most crowded-apart of the next. */
function survivors(objs: ReadonlyArray<readonly [number, number]>, N: number): number[] {
  const { rank, crowd } = rankAndCrowd(objs);
  const order = objs.map((_, i) => i).sort((a, b) => rank[a]! - rank[b]! || crowd[b]! - crowd[a]! || a - b);
  return order.slice(0, N);
}
