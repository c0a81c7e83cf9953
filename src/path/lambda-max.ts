import { rowChunks } from '../nn/chunks.js';
import { zeroNetwork, type Problem } from '../nn/problem.js';

/**
 * glmnet's λ_max: the smallest λ at which the all-zero weights minimise L(θ) + λ‖θ_pen‖₁,
 *
 *     λ_max = ‖∇_pen L(θ₀)‖∞,   θ₀ = zero weights, output bias of the best constant predictor
 *
 * (the target mean for squared error, the log class frequencies for cross-entropy; with
 * penalised biases θ₀ = 0). It is the scale of the trade-off λ along a linear model's path, in
 * the loss's own units, which makes it the reference of a scale-free end: glmnet stops at
 * λ = 1e-4·λ_max. For a network with two or more layers the weight gradients vanish at θ₀ and
 * λ_max is 0 (the all-zero network is critical for every λ).
 */
export function lambdaMax(problem: Problem, penalised: number): number {
  const { k, mlp, train } = problem;
  const theta = k.alloc(mlp.layout.size);
  const grad = k.alloc(mlp.layout.size);
  const sum = new Float64Array(penalised);
  try {
    zeroNetwork(problem, penalised, theta);
    // dense forward passes over chunks that fit the network's workspace, gradients weighted by rows
    for (const { rows, x, y } of rowChunks(train, mlp.maxRows)) {
      mlp.lossAndGradient(theta, x, y, rows, grad, null, false, null, false);
      for (let i = 0; i < penalised; i++) sum[i]! += grad[i]! * rows;
    }
    let worst = 0;
    for (let i = 0; i < penalised; i++) worst = Math.max(worst, Math.abs(sum[i]!) / train.rows);
    return worst;
  } finally {
    k.free(theta);
    k.free(grad);
  }
}
