/**
 * The rows a full-batch classification network's settling run works on (see
 * Continuation.settleInitial).
 *
 * At the front's flat dense end the network fits most training rows almost exactly: on the
 * default MNIST run half the 8,000 digits have a cross-entropy below 1e-5 while the mean is
 * 0.0008. Such a row hardly moves the weights. For cross-entropy the gradient with respect to
 * a row's logits is p − e_y, and
 *
 *     ‖p − e_y‖₂ ≤ √2·(1 − p_y) ≤ √2·ℓ   (ℓ = −ln p_y ≥ 1 − p_y),
 *
 * so rows whose losses are each at most `share` × the mean loss carry at most that share of the
 * loss and about √2 times that share of the logit gradients. The settling run first solves
 *
 *     min (1/|W|) Σ_{i∈W} ℓ_i(θ) + λ·(N/|W|)·‖θ_pen‖₁
 *
 * on the rows above that bound, W, alone (the full objective divided by |W|/N, with the left-out
 * rows' losses held where they were), then on all rows from there: the left-out rows' losses
 * grow a little unseen (MNIST: the initial point's loss 0.0010 instead of 0.0008 at the same
 * l1), and the full-batch run and the sparser branch take that back.
 */

/**
 * Indices of the rows whose loss is above `share` × the mean loss, in row order (all rows when
 * the mean is 0 or not finite).
 */
export function workingSetRows(losses: Float64Array, share: number): Int32Array {
  const n = losses.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += losses[i]!;
  mean /= n;
  const bound = share * mean;
  if (!(mean > 0) || !Number.isFinite(mean)) return Int32Array.from({ length: n }, (_, i) => i);
  let count = 0;
  for (let i = 0; i < n; i++) if (losses[i]! > bound) count++;
  const rows = new Int32Array(count);
  for (let i = 0, j = 0; i < n; i++) if (losses[i]! > bound) rows[j++] = i;
  return rows;
}
