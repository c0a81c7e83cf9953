import type { RawPoint } from './types.js';

/** The factor on λ per step of the walk: a decade. */
const DENSE_WALK = 0.1;
/**
 * A decade of the dense-end walk is kept only when it at least halves the training loss: on the
 * LeNet-like net on MNIST the decades took it 0.093 → 0.0066 → 0.0024 (best test accuracy 95.5 →
 * 96.5 %), while on Fashion-MNIST's MLP two decades took 0.283 to an under-trained 0.252 at l1
 * 1,041 and spent a quarter of the points above the l1 that matters (train HV 0.980 → 0.971).
 */
const DENSE_WALK_MIN_FALL = 0.5;
/**
 * … or, for a squared error, when it explains at least this share of the target's variance more
 * (L_null). A regression's training loss cannot fall below the noise's share of the variance, so
 * its decades stop halving long before they stop paying: Friedman #1 (25,000 rows, 20,20 ReLU
 * units, batch 5,600) started at l1 13 and loss 0.061 where the decade below reaches l1 31 and
 * 0.044 (train HV 1.1106 against the sweep's 1.1260, l1/120; with the rule 1.1267, 37 front points
 * instead of 26). Classifiers keep the halving test alone (Fashion-MNIST's decade explains 1.3 %).
 */
const DENSE_WALK_MIN_EXPLAINED = 0.01;

/** The walk's state between its fits from the random init. */
export interface DenseWalk {
  /** The last fit kept (its θ is the caller's to remember). */
  point: RawPoint;
  /** The λ the walk may not go below: lambdaMinRatio times the init's trade-off. */
  floor: number;
  /** Seconds of the walk's fits so far. */
  seconds: number;
}

/** What the walk does after a fit (see denseWalkStep). */
export type WalkStep = { next: number; walk: DenseWalk } | { start: RawPoint; restore: boolean };

/**
 * Where a mini-batch path's dense end lies, glmnet's way: the first fit is at DENSE_START times
 * the init's trade-off (continuation.ts); while that fit does not yet fit the training rows (a
 * classifier that still misclassifies some, or a loss above minLossFraction·L_null: 99.9 % of the
 * null loss explained, glmnet's deviance-ratio stop), λ goes down a decade and the net is fitted again,
 * and the path starts at the last fit that lowered the training loss. The walk also stops once
 * a decade lowers the loss by less than minLossChange·L_null or does not at least halve it
 * (DENSE_WALK_MIN_FALL; that fit is dropped and θ goes back to the one before), and at
 * lambdaMinRatio times the init's trade-off (glmnet's λ_min = 1e-4·λ_max). A squared error's
 * decade is also kept when it explains DENSE_WALK_MIN_EXPLAINED more of the variance. Every fit
 * starts from the random init, not from the last fit:
 * a network's path is not unique, and one grown back from a sparse fit stays sparse (the
 * LeNet-like net on MNIST: warm-started from the fit at a tenth, l1 80, the fit at a thousandth
 * reached only l1 195 at loss 0.014 and 96.0 % test accuracy). A classifier whose first fit
 * already separates its training rows stops at once: the default MNIST MLP at batch 500 (its
 * first fit: l1 456, loss 0.0037, all 8,000 right) walked on to l1 1,159 at loss 0.0019, with
 * the same test accuracy and the front's points spread over l1 that buys no loss. One that
 * needed a lower λ to separate them walks on by the loss rules alone: the LeNet-like net on
 * MNIST (first fit 97.4 % of the training digits right, loss 0.096) gets all right a decade
 * lower (loss 0.0056, l1 240) and a decade below that still falls to 0.0010 (l1 1,175); shrunk
 * from there its path reaches 97.2 % test accuracy at l1 402, where stopping at l1 240 gave at
 * most 96.9 %. Every fit from the init stops on its trend (the stochastic corrector's `trend`):
 * stopped at the first pass that rose by batch noise, the LeNet-like fit a hundredth of the way
 * down stopped at loss 0.0059 where its trend reaches 0.0010, and failed the halving test for lack
 * of training, not of gain (the first fit too, since later points inherit it: see the stochastic
 * corrector's TREND_MIN_STEPS). On Fashion-MNIST's MLP the decade below the first fit lowers the
 * loss by less than half (two decades: 0.283 → 0.252, an under-trained fit at l1 1,041), so
 * its start stays where it was. 

 *
 * One decision, after the fit at λ: fit again from the init at λ `next` (the caller remembers this
 * fit's θ), or start the path at `start`, with θ restored to the remembered fit when `restore`
 * (the last decade was dropped). The start point's `seconds` becomes the walk's total: the fits
 * dropped or walked past count in its time. `firstFloor` is the floor of a walk that starts here.
 */
export function denseWalkStep(
  prev: DenseWalk | undefined, point: RawPoint, lambda: number, firstFloor: number,
  rules: { minLossChange: number; minLossFraction: number }, nullLoss: number, squaredError = false,
): WalkStep {
  const seconds = (prev?.seconds ?? 0) + point.seconds;
  let start = point;
  let restore = false;
  const gain = prev === undefined ? 0 : (prev.point.trainLoss - point.trainLoss) / nullLoss;
  const halved = prev !== undefined && point.trainLoss <= DENSE_WALK_MIN_FALL * prev.point.trainLoss;
  const gainedTooLittle = prev !== undefined && (gain < rules.minLossChange || (!halved && !(squaredError && gain >= DENSE_WALK_MIN_EXPLAINED)));
  if (gainedTooLittle) {
    start = prev!.point;
    restore = true;
  } else {
    const floor = prev ? prev.floor : firstFloor;
    const next = lambda * DENSE_WALK;
    const fitsTraining = point.trainLoss <= rules.minLossFraction * nullLoss || (point.trainAccuracy === 1 && !prev);
    if (!fitsTraining && next >= floor * (1 - 1e-9)) return { next, walk: { point, floor, seconds } };
  }
  start.seconds = seconds;
  return { start, restore };
}
