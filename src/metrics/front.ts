/**
 * Measures of a loss-vs-l1 front (hypervolume with reference point (1.1, 1.1), largest gap). Objectives are normalised as
 * f1 = loss / L_null and f2 = l1 / l1_ref, and the reference point is (1.1, 1.1).
 */

export interface FrontPoint {
  l1: number;
  loss: number;
}

/**
 * The non-dominated subset, sorted by l1 ascending (so loss strictly descending). A point is
 * dominated when another is no worse in both objectives and better in one; of exact duplicates
 * the first is kept. Returns the indices into `points`.
 */
export function nonDominated(points: readonly FrontPoint[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a]!.l1 - points[b]!.l1 || points[a]!.loss - points[b]!.loss || a - b);
  const keep: number[] = [];
  let best = Infinity;
  for (const i of order) {
    if (points[i]!.loss < best) {
      keep.push(i);
      best = points[i]!.loss;
    }
  }
  return keep;
}

/** The non-dominated (l1, loss) pairs of `pairs`, by l1 ascending (the rule of nonDominated). */
export function nonDominatedPairs(pairs: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const pts = pairs.map(([l1, loss]) => ({ l1, loss }));
  return nonDominated(pts).map((i) => [pts[i]!.l1, pts[i]!.loss]);
}

/**
 * Hypervolume dominated by the front in normalised objectives, bounded by the reference point
 * (1.1, 1.1): an exact 2-D sweep over the points sorted by l1, O(n log n). Points beyond the
 * reference point contribute nothing.
 */
export function hypervolume(points: readonly FrontPoint[], lossRef: number, l1Ref: number, ref: [number, number] = [1.1, 1.1]): number {
  const pts = nonDominated(points)
    .map((i) => [points[i]!.l1 / l1Ref, points[i]!.loss / lossRef] as const)
    .filter(([x, y]) => x < ref[0] && y < ref[1]);
  let hv = 0;
  let ceiling = ref[1];
  for (const [x, y] of pts) {
    // sorted by x ascending, y descending: each point adds the strip from its x to the reference
    if (y < ceiling) {
      hv += (ref[0] - x) * (ceiling - y);
      ceiling = y;
    }
  }
  return hv;
}

/** Largest Euclidean gap between neighbours of the (non-dominated, l1-sorted) front, normalised. */
export function largestGap(points: readonly FrontPoint[], lossRef: number, l1Ref: number): number {
  const idx = nonDominated(points);
  let gap = 0;
  for (let t = 1; t < idx.length; t++) {
    const a = points[idx[t - 1]!]!;
    const b = points[idx[t]!]!;
    gap = Math.max(gap, Math.hypot((b.l1 - a.l1) / l1Ref, (b.loss - a.loss) / lossRef));
  }
  return gap;
}
