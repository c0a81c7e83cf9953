// Losses (means over the m rows) and accuracy.
//
// Softmax cross-entropy works one row at a time in f64 with max-shifted exponentials (stable
// for any finite logits). Its cost is the n exponentials per row, done once, two per step with
// the f64x2 exp of vmath.ts: they are summed in f64 and parked, rounded, in the gradient row,
// then divided by the sum. The label's entry is written as
// -(Σ_{j≠y} p_j)/sum/m rather than (p_y/sum - 1)/m, which avoids the cancellation when the
// prediction is confident. Labels are floats holding class indices; a label that is not an
// integer in 0..n-1 makes the row's loss NaN (as in the js twin) and never reads outside the row.
import { loadPart, storePart, high, hsum2 } from './simd';
import { demote4 } from './vector';
import { expv } from './vmath';

/** The label of row i as a class index, or -1 when it is not an integer in [0, n). */
@inline function labelIndex(labels: usize, i: i32, n: i32): i32 {
  const yf = load<f32>(labels + (<usize>i << 2));
  if (!(yf >= 0 && yf < <f32>n)) return -1;
  const y = <i32>yf;
  return <f32>y == yf ? y : -1;
}

/**
 * Softmax cross-entropy of logits (m×n) against labels, by blocks of `blockRows` rows: writes
 * grad = (softmax - onehot)/divisor (grad may alias logits) and, per block, the SUM of its rows'
 * losses into partials (f64, one per block). The caller adds the partials in order: the blocks
 * are fixed by the row index, so a split of the rows over threads at block boundaries gives the
 * same loss to the last bit as one thread does.
 */
export function softmaxCrossEntropyBlocks(
  m: i32, n: i32, logits: usize, labels: usize, grad: usize, divisor: f64, blockRows: i32, partials: usize,
): void {
  if (m <= 0 || n <= 0) return;
  const step = max(blockRows, 1);
  for (let r0 = 0, b = 0; r0 < m; r0 += step, b++) {
    const rows = min(step, m - r0);
    const off = <usize>r0 * (<usize>n << 2);
    store<f64>(partials + (<usize>b << 3), softmaxRows(rows, n, logits + off, labels + (<usize>r0 << 2), grad + off, divisor));
  }
}

/** Sum of the losses of m rows; writes their gradient divided by `divisor`. */
function softmaxRows(m: i32, n: i32, logits: usize, labels: usize, grad: usize, fm: f64): f64 {
  const rowBytes = <usize>n << 2;
  const lane0 = i64x2(-1, 0);
  const two = i64x2.splat(2);
  // Σ_i log(sum_i) is taken as the log of running products of the row sums (each in [1, n]:
  // the max term is 1), flushed before they could overflow: a log per ~100 rows instead of per
  // row (the software log was a quarter of the kernel's time).
  let linear: f64 = 0;
  let product: f64 = 1;
  let logs: f64 = 0;
  const flushAt: f64 = 1e300 / <f64>max(n, 1);
  for (let i = 0; i < m; i++) {
    const row = logits + <usize>i * rowBytes;
    const out = grad + <usize>i * rowBytes;
    // Max over the row; NaN entries are skipped like `if (v > max)` does.
    let mx: f32 = -Infinity;
    for (let j = 0; j < n; j++) {
      const v = load<f32>(row + (<usize>j << 2));
      if (v > mx) mx = v;
    }
    const y = labelIndex(labels, i, n);
    // Read the label's logit before the row may be overwritten (grad may alias logits).
    const ly: f64 = y >= 0 ? <f64>load<f32>(row + (<usize>y << 2)) : NaN;
    const shift = f64x2.splat(<f64>mx);
    const yv = i64x2.splat(<i64>y);
    let jv = i64x2(0, 1);
    let sumv = f64x2.splat(0);
    let othv = sumv;
    // p_j = e^{l_j - max}, two per step: summed in f64, parked (rounded) in the gradient row.
    let j = 0;
    for (; j + 2 <= n; j += 2) {
      const o = <usize>j << 2;
      const p = expv(f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(row + o)), shift));
      sumv = f64x2.add(sumv, p);
      othv = f64x2.add(othv, v128.andnot(p, i64x2.eq(jv, yv)));
      v128.store64_lane(out + o, f32x4.demote_f64x2_zero(p), 0);
      jv = i64x2.add(jv, two);
    }
    if (j < n) {
      const o = <usize>j << 2;
      const p = v128.and(expv(f64x2.sub(f64x2.promote_low_f32x4(v128.load32_zero(row + o)), shift)), lane0);
      sumv = f64x2.add(sumv, p);
      if (j != y) othv = f64x2.add(othv, p);
      v128.store32_lane(out + o, f32x4.demote_f64x2_zero(p), 0);
    }
    const sum = hsum2(sumv);
    const others = hsum2(othv);
    if (product > flushAt) {
      logs += Math.log(product);
      product = 1;
    }
    product *= sum;
    linear += ly - <f64>mx;
    // grad = p / (sum·m), then the label's entry from the sum of the others. One f64 division
    // per row and a multiplication per entry (two divisions per entry were a third of the
    // kernel's time); the f64 result differs from p / sum / m in its last bits only, far below
    // the float32 it is rounded to.
    const scale: f64 = 1 / (sum * fm);
    const sv = f64x2.splat(scale);
    j = 0;
    for (; j + 2 <= n; j += 2) {
      const o = <usize>j << 2;
      const g = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(out + o)), sv);
      v128.store64_lane(out + o, f32x4.demote_f64x2_zero(g), 0);
    }
    if (j < n) {
      const o = <usize>j << 2;
      store<f32>(out + o, <f32>(<f64>load<f32>(out + o) * scale));
    }
    if (y >= 0) store<f32>(out + (<usize>y << 2), <f32>(0 - others * scale));
  }
  return logs + Math.log(product) - linear;
}

/** Number of rows whose (first) arg-max of logits (m×n) equals the label. */
export function countCorrect(m: i32, n: i32, logits: usize, labels: usize): i32 {
  if (m <= 0 || n <= 0) return 0;
  const rowBytes = <usize>n << 2;
  let correct = 0;
  for (let i = 0; i < m; i++) {
    const row = logits + <usize>i * rowBytes;
    let best = 0;
    let bv = load<f32>(row);
    for (let j = 1; j < n; j++) {
      const v = load<f32>(row + (<usize>j << 2));
      if (v > bv) {
        bv = v;
        best = j;
      }
    }
    if (<f32>best == load<f32>(labels + (<usize>i << 2))) correct++;
  }
  return correct;
}

/** Mean squared error over m·n entries; writes grad = 2(pred - target)/(m·n) (may alias pred). */
export function meanSquaredError(m: i32, n: i32, pred: usize, target: usize, grad: usize): f64 {
  if (m <= 0 || n <= 0) return NaN;
  const count = <f64>m * <f64>n;
  const cv = f64x2.splat(count);
  const two = f64x2.splat(2);
  let s0 = f64x2.splat(0), s1 = s0;
  const total = m * n;
  const nv = <usize>(total & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) {
    const p = v128.load(pred + o);
    const q = v128.load(target + o);
    const dlo = f64x2.sub(f64x2.promote_low_f32x4(p), f64x2.promote_low_f32x4(q));
    const dhi = f64x2.sub(f64x2.promote_low_f32x4(high(p)), f64x2.promote_low_f32x4(high(q)));
    s0 = f64x2.add(s0, f64x2.mul(dlo, dlo));
    s1 = f64x2.add(s1, f64x2.mul(dhi, dhi));
    v128.store(grad + o, demote4(f64x2.div(f64x2.mul(two, dlo), cv), f64x2.div(f64x2.mul(two, dhi), cv)));
  }
  const t = total & 3;
  if (t) {
    // Unused lanes are 0 - 0: they add nothing.
    const p = loadPart(pred + o, t);
    const q = loadPart(target + o, t);
    const dlo = f64x2.sub(f64x2.promote_low_f32x4(p), f64x2.promote_low_f32x4(q));
    const dhi = f64x2.sub(f64x2.promote_low_f32x4(high(p)), f64x2.promote_low_f32x4(high(q)));
    s0 = f64x2.add(s0, f64x2.mul(dlo, dlo));
    s1 = f64x2.add(s1, f64x2.mul(dhi, dhi));
    storePart(grad + o, demote4(f64x2.div(f64x2.mul(two, dlo), cv), f64x2.div(f64x2.mul(two, dhi), cv)), t);
  }
  return hsum2(f64x2.add(s0, s1)) / count;
}
