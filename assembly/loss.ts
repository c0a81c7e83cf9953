// Losses (means over the m rows) and accuracy.
//
// Softmax cross-entropy works one row at a time with max-shifted exponentials (stable for any
// finite logits). Its cost is the n exponentials per row, done once, two calls per corrector
// step: they are taken four at a time in float32 (expNonPositive4 of vmath.ts, within 2 ulps;
// the f64x2 exp it replaced made the kernel 1.6× slower at MNIST's 8,000 × 10), summed in four
// float32 lanes whose sums are added in f64, and parked in the gradient row, then scaled by
// 1/(sum·m). The float32 difference l_j - max is rounded to half an ulp of it, the size of the
// rounding already in the logits; the loss then differs from an all-f64 evaluation by at most
// (3 + n/4) float32 ulps of log(sum) a row. The label's entry is written as
// -(Σ_{j≠y} p_j)/sum/m rather than (p_y/sum - 1)/m, which avoids the cancellation when the
// prediction is confident. Labels are floats holding class indices; a label that is not an
// integer in 0..n-1 makes the row's loss NaN (as in the js twin) and never reads outside the row.
import { loadPart, storePart, high, hsum2 } from './simd';
import { demote4 } from './vector';
import { expNonPositive4 } from './vmath';

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
  const V = n >> 2; // whole vectors of four logits
  const T = n & 3; // and the tail's lanes
  const tOff: usize = <usize>V << 4;
  const tail = i32x4(T > 0 ? -1 : 0, T > 1 ? -1 : 0, T > 2 ? -1 : 0, 0);
  const negInf = f32x4.splat(-Infinity);
  const zero = f32x4.splat(0);
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
    // Max over the row; NaN entries are skipped like `if (v > max)` does (pmax keeps its first
    // operand when the second is NaN; the tail's unused lanes are -inf).
    let mv = negInf;
    for (let v = 0; v < V; v++) mv = f32x4.pmax(mv, v128.load(row + (<usize>v << 4)));
    if (T > 0) mv = f32x4.pmax(mv, v128.bitselect(loadPart(row + tOff, T), negInf, tail));
    mv = f32x4.pmax(mv, f32x4.shuffle(mv, mv, 2, 3, 0, 1));
    mv = f32x4.pmax(mv, f32x4.shuffle(mv, mv, 1, 0, 3, 2));
    const mx = f32x4.extract_lane(mv, 0);
    const y = labelIndex(labels, i, n);
    // Read the label's logit before the row may be overwritten (grad may alias logits).
    const ly: f64 = y >= 0 ? <f64>load<f32>(row + (<usize>y << 2)) : NaN;
    const yv = i32x4.splat(y);
    let jv = i32x4(0, 1, 2, 3);
    let sumv = zero;
    let othv = zero;
    // p_j = e^{l_j - max} ≤ 1 in float32, four at a time, parked in the gradient row.
    for (let v = 0; v < V; v++) {
      const o = <usize>v << 4;
      const p = expNonPositive4(f32x4.sub(v128.load(row + o), mv));
      sumv = f32x4.add(sumv, p);
      othv = f32x4.add(othv, v128.andnot(p, i32x4.eq(jv, yv)));
      v128.store(out + o, p);
      jv = i32x4.add(jv, i32x4.splat(4));
    }
    if (T > 0) {
      const p = v128.and(expNonPositive4(f32x4.sub(loadPart(row + tOff, T), mv)), tail);
      sumv = f32x4.add(sumv, p);
      othv = f32x4.add(othv, v128.andnot(p, i32x4.eq(jv, yv)));
      storePart(out + tOff, p, T);
    }
    // The four lane sums (of ≤ n/4 terms each) added in f64.
    const sum = hsum2(f64x2.add(f64x2.promote_low_f32x4(sumv), f64x2.promote_low_f32x4(high(sumv))));
    const others = hsum2(f64x2.add(f64x2.promote_low_f32x4(othv), f64x2.promote_low_f32x4(high(othv))));
    if (product > flushAt) {
      logs += Math.log(product);
      product = 1;
    }
    product *= sum;
    linear += ly - <f64>mx;
    // grad = p / (sum·m): one division per row and a float32 multiplication per entry; the
    // label's entry from the others' sum (see the file comment).
    const scale: f64 = 1 / (sum * fm);
    const sv = f32x4.splat(<f32>scale);
    for (let v = 0; v < V; v++) {
      const o = <usize>v << 4;
      v128.store(out + o, f32x4.mul(v128.load(out + o), sv));
    }
    if (T > 0) storePart(out + tOff, f32x4.mul(loadPart(out + tOff, T), sv), T);
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
