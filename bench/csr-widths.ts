// The first layer's CSR products on MNIST's real inputs, by output width: S·W (forward, the
// 8,000 × 784 training inputs with ~19 % of pixels non-zero, times a 784 × n weight matrix) and
// Sᵀ·Δ (the weight gradient, 784 × 8,000 times 8,000 × n). On the path the first layer's width
// n is 20 at the dense end and falls as units die, so both ends of that range matter. Products of
// at most 12 columns run two CSR rows side by side (assembly/sparse.ts); wider ones one row at a
// time, bound by the multiply-add latency of their accumulator chains.
//
//   npm run build && node dist/bench/csr-widths.js [--reps N]
//
// One thread (REGPATH_THREADS=1 unless set); median (min) ms of N timed runs after a warm-up.
import { createWasmKernels } from '../src/kernels/index.js';
import { loadDataset } from '../src/data/index.js';
import { sparseInput } from '../src/nn/sparse-input.js';
import { Rng } from '../src/util/rng.js';
import { numberArg, timeMedianMin } from './timing.js';

const reps = numberArg('--reps', 15);
const rows = 8000;
process.env['REGPATH_THREADS'] ??= '1';
const k = createWasmKernels();
const ds = loadDataset('mnist');
const x = k.alloc(rows * ds.features);
x.set(ds.x.subarray(0, rows * ds.features));
const s = sparseInput(k, x, rows, ds.features, 1);
if (!s) throw new Error('no sparse form of the MNIST inputs');
const rng = new Rng(1);
console.log(`CSR products on ${rows} MNIST digits × ${ds.features} pixels (${(100 * s.density).toFixed(1)} % non-zero), ${reps} reps, median (min) ms`);
console.log('  n   S·W (forward)       Sᵀ·Δ (weight gradient)');
for (const n of [4, 8, 12, 16, 20]) {
  // filled in place: the kernels read operands from their own memory
  const w = k.alloc(ds.features * n);
  for (let i = 0; i < w.length; i++) w[i] = rng.normal();
  const out = k.alloc(rows * n);
  const delta = k.alloc(rows * n);
  for (let i = 0; i < delta.length; i++) delta[i] = rng.normal();
  const grad = k.alloc(ds.features * n);
  const [fm, fmin] = timeMedianMin(() => k.csrGemm(rows, n, s.byRow, w, out, false), reps);
  const [gm, gmin] = timeMedianMin(() => k.csrGemm(ds.features, n, s.byColumn, delta, grad, false), reps);
  const cell = (m: number, mn: number): string => `${m.toFixed(2).padStart(7)} (${mn.toFixed(2).padStart(6)})`;
  console.log(`${String(n).padStart(3)}  ${cell(fm, fmin)}     ${cell(gm, gmin)}`);
}
