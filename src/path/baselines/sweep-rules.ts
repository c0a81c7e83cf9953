/** Constants both λ sweeps (the fixed grid of sweep.ts and the spaced one of spaced-sweep.ts) share. */

/**
 * l2 (--penalty l2): glmnet's ridge convention, λ_max = λ_max(l1) / 1e-3 (glmnet computes the
 * alpha = 0 grid as if alpha were 0.001). Weight decay never zeroes a weight, so a network
 * counts as zero once ‖θ_pen‖² has fallen below ZERO_L2 of the largest seen on the path (the
 * exact all-zero network then replaces it).
 */
export const L2_LAMBDA_FACTOR = 1e3;
export const ZERO_L2 = 1e-12;

/** glmnet's path end: the deviance ratio 1 - L/L_null grew by less than this (relative)… */
export const DEVIANCE_CHANGE = 1e-5;
/** … or more than this share of the null loss is explained. */
export const DEVIANCE_EXPLAINED = 0.999;
/** glmnet does not apply the deviance-change test before this many λ values. */
export const MIN_POINTS = 5;
