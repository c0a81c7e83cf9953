// Column bookkeeping (twin of assembly/columns.ts).

export function nonzeroPattern(m: number, n: number, a: Float32Array, rowAny: Int32Array, colAny: Int32Array): void {
  colAny.fill(0, 0, n);
  for (let i = 0; i < m; i++) {
    let any = 0;
    for (let j = 0; j < n; j++) {
      if (a[i * n + j] !== 0) {
        any = 1;
        colAny[j] = 1;
      }
    }
    rowAny[i] = any;
  }
}

export function gatherColumns(m: number, n: number, a: Float32Array, cols: Int32Array, count: number, out: Float32Array): void {
  for (let i = 0; i < m; i++) for (let t = 0; t < count; t++) out[i * count + t] = a[i * n + cols[t]!]!;
}

export function scatterColumns(m: number, n: number, narrow: Float32Array, cols: Int32Array, count: number, a: Float32Array): void {
  a.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) for (let t = 0; t < count; t++) a[i * n + cols[t]!] = narrow[i * count + t]!;
}
