// The column kernels behind the narrowed first layer: wasm against the js twin and against the
// definition, including -0 (counts as zero), NaN (counts as non-zero) and widths that are not a
// multiple of 4.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsKernels, createWasmKernels, type Kernels } from '../src/kernels/index.js';
import { Rng } from '../src/util/rng.js';

const backends: Kernels[] = [createJsKernels(), createWasmKernels({ threads: 1 })];

describe('column kernels', () => {
  for (const k of backends) {
    test(`${k.name}: nonzeroPattern flags exactly the rows and columns with a non-zero`, () => {
      const rng = new Rng(4);
      for (const [m, n] of [[1, 1], [5, 3], [7, 20], [30, 13]] as [number, number][]) {
        const a = k.alloc(m * n);
        for (let i = 0; i < m * n; i++) {
          const r = rng.uniform();
          a[i] = r < 0.6 ? 0 : r < 0.7 ? -0 : r < 0.72 ? NaN : rng.normal();
        }
        if (m > 2) a.fill(-0, n, 2 * n); // a row of negative zeros
        const rowAny = k.allocInt(m), colAny = k.allocInt(n);
        k.nonzeroPattern(m, n, a, rowAny, colAny);
        for (let i = 0; i < m; i++) {
          const expected = a.subarray(i * n, i * n + n).some((v) => v !== 0);
          assert.equal(rowAny[i] !== 0, expected, `${m}×${n} row ${i}`);
        }
        for (let j = 0; j < n; j++) {
          let expected = false;
          for (let i = 0; i < m; i++) if (a[i * n + j] !== 0) expected = true;
          assert.equal(colAny[j] !== 0, expected, `${m}×${n} column ${j}`);
        }
      }
    });

    test(`${k.name}: gatherColumns and scatterColumns move exactly the listed columns`, () => {
      const rng = new Rng(9);
      const m = 11, n = 19;
      const a = k.alloc(m * n);
      for (let i = 0; i < a.length; i++) a[i] = rng.normal();
      const cols = k.allocInt(6);
      cols.set([0, 3, 4, 11, 17, 18]);
      const narrow = k.alloc(m * 6);
      k.gatherColumns(m, n, a, cols, 6, narrow);
      for (let i = 0; i < m; i++) for (let t = 0; t < 6; t++) assert.equal(narrow[i * 6 + t], a[i * n + cols[t]!]);
      const back = k.alloc(m * n);
      back.fill(7);
      k.scatterColumns(m, n, narrow, cols, 6, back);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) assert.equal(back[i * n + j], [...cols].includes(j) ? a[i * n + j] : 0, `(${i}, ${j})`);
      }
    });
  }
});
