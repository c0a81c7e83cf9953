import { measurePoint, type MethodContext, type PathMethod } from '../method.js';
import { ProxFitter, fitEpochs, pointSeed } from './fit.js';
import { initNetwork, settleIfZero, zeroNetwork } from '../../nn/problem.js';

/** Saved with every point; a resumed run goes on from the next weight. */
export interface WeightedSumState {
  /** Raw index of the next point (= position on the weight grid). */
  next: number;
  /** Raw index of the point the next fit warm-starts from (-1: none yet). */
  last: number;
  /** l1 of the dense (w = 1) solution: the l1 term's normalisation. */
  l1Dense: number;
  lr: number;
  done: boolean;
}

/**
 * The weighted-sum scalarisation: for w on a uniform grid from 1 to 0
 * (`points` values) minimise
 *
 *     w · L(θ)/L_null + (1 - w) · ‖θ_pen‖₁/l1_dense
 *
 * warm-started from the previous w. Both objectives are normalised to about [0, 1] — L by the
 * null loss, the l1 norm by that of the dense (w = 1) solution — which is what keeps the grid
 * from collapsing: with raw objectives a network's l1 (hundreds) outweighs its loss (about 1)
 * for every w short of 1, and all but the first weight give the all-zero network. Divided by w
 * the objective is L + λ‖θ_pen‖₁ with λ = (1-w)/w · L_null/l1_dense, fitted like the sweep's
 * (proximal SGD, momentum 0.9, fitEpochs per weight); `lambda` of each point is that λ.
 * w = 1 is the dense fit (denseEpochs from the seeded initialisation); w = 0 is the exact
 * all-zero network.
 */
export const weightedSumMethod: PathMethod = {
  name: 'weighted-sum',
  run(ctx: MethodContext): void {
    const { k, problem, options: o, penalised } = ctx;
    const layout = problem.mlp.layout;
    const theta = k.alloc(layout.size);
    const fitter = new ProxFitter(k, problem, penalised);
    const P = o.points;
    let s: WeightedSumState = ctx.resume
      ? structuredClone(ctx.resume as WeightedSumState)
      : { next: 0, last: -1, l1Dense: 0, lr: o.learningRate, done: false };
    while (!s.done) {
      const start = performance.now();
      const j = s.next;
      const w = 1 - j / (P - 1);
      let lambda: number | null;
      let phase = 'weighted-sum';
      let report = { steps: 0, converged: true, lr: s.lr };
      if (j === P - 1) {
        zeroNetwork(problem, penalised, theta);
        lambda = null;
        phase = 'zero';
      } else if (j === 0) {
        initNetwork(problem, o.seed, theta);
        report = fitter.fit(theta, 0, s.lr, o.denseEpochs, pointSeed(o.seed, j));
        lambda = 0;
        phase = 'dense';
      } else {
        theta.set(ctx.load(s.last));
        lambda = ((1 - w) / w) * problem.nullLoss / Math.max(s.l1Dense, 1e-12);
        report = fitter.fit(theta, lambda, s.lr, fitEpochs(o, problem), pointSeed(o.seed, j));
      }
      settleIfZero(problem, penalised, theta);
      const point = measurePoint(problem, theta, penalised, {
        index: j, phase, lambda, steps: report.steps, converged: report.converged, seconds: (performance.now() - start) / 1000,
      });
      s = {
        next: j + 1, last: j, lr: report.lr, done: j >= P - 1,
        l1Dense: j === 0 ? point.l1 : s.l1Dense,
      };
      ctx.sink(point, theta, s);
    }
    k.free(theta);
  },
};
