// Column bookkeeping for narrowing a layer to its live units (src/nn/first-layer.ts): which rows
// and columns of a weight matrix hold a non-zero, and copying chosen columns out of and back into
// a row-major matrix. Pure data movement, exact.

/**
 * For a row-major m×n matrix: rowAny[i] ≠ 0 iff row i has a non-zero entry, colAny[j] ≠ 0 iff
 * column j has one (i32 flags; -0 counts as zero, NaN as non-zero).
 */
export function nonzeroPattern(m: i32, n: i32, a: usize, rowAny: usize, colAny: usize): void {
  const magnitude = i32x4.splat(0x7fffffff);
  memory.fill(colAny, 0, <usize>n << 2);
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const row = a + ((<usize>i * <usize>n) << 2);
    let any = v128.splat<i32>(0);
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      const bits = v128.and(v128.load(row + o), magnitude);
      v128.store(colAny + o, v128.or(v128.load(colAny + o), bits));
      any = v128.or(any, bits);
    }
    let rest: i32 = 0;
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const bits = load<i32>(row + o) & 0x7fffffff;
      store<i32>(colAny + o, load<i32>(colAny + o) | bits);
      rest |= bits;
    }
    store<i32>(rowAny + (<usize>i << 2), i32(v128.any_true(any)) | i32(rest != 0));
  }
}

/** out (m × count, row-major) = the columns cols[0 ..< count] of a (m × n). */
export function gatherColumns(m: i32, n: i32, a: usize, cols: usize, count: i32, out: usize): void {
  for (let i = 0; i < m; i++) {
    const row = a + ((<usize>i * <usize>n) << 2);
    const dst = out + ((<usize>i * <usize>count) << 2);
    for (let t = 0; t < count; t++) {
      store<f32>(dst + (<usize>t << 2), load<f32>(row + (<usize>load<i32>(cols + (<usize>t << 2)) << 2)));
    }
  }
}

/** a (m × n) = zeros, with narrow's columns (m × count) at the columns cols[0 ..< count]. */
export function scatterColumns(m: i32, n: i32, narrow: usize, cols: usize, count: i32, a: usize): void {
  memory.fill(a, 0, (<usize>m * <usize>n) << 2);
  for (let i = 0; i < m; i++) {
    const row = a + ((<usize>i * <usize>n) << 2);
    const src = narrow + ((<usize>i * <usize>count) << 2);
    for (let t = 0; t < count; t++) {
      store<f32>(row + (<usize>load<i32>(cols + (<usize>t << 2)) << 2), load<f32>(src + (<usize>t << 2)));
    }
  }
}
