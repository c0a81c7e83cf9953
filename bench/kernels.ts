// Kernel micro-benchmark: median time and GFLOP/s of the GEMM family on the hot shapes of a
// 784-20-20-10 MLP at batch 5,600, wasm vs js; then the other per-batch kernels (time only).
//
//   npm run build && node dist/bench/kernels.js [--reps N] [--batch M] [--no-js]
//
// The wasm backend uses the process default thread count (REGPATH_THREADS, else all cores):
// REGPATH_THREADS=1 for the single-threaded kernels. On a loaded machine the median moves; the
// min is printed too.
import { Act, createJsKernels, createWasmKernels, type Kernels } from '../src/kernels/index.js';
import { Rng } from '../src/util/rng.js';
import { numberArg, timeMedianMin } from './timing.js';

const reps = numberArg('--reps', 15);
const M = numberArg('--batch', 5600);
const withJs = !process.argv.includes('--no-js');

type GemmName = 'gemm' | 'gemmTN' | 'gemmNT';
const SHAPES: [GemmName, number, number, number, string][] = [
  ['gemm', M, 20, 784, 'forward layer 1'],
  ['gemm', M, 20, 20, 'forward layer 2'],
  ['gemm', M, 10, 20, 'forward layer 3'],
  ['gemmTN', 784, 20, M, 'weight gradient 1'],
  ['gemmTN', 20, 20, M, 'weight gradient 2'],
  ['gemmTN', 20, 10, M, 'weight gradient 3'],
  ['gemmNT', M, 20, 10, 'input gradient 3'],
  ['gemmNT', M, 20, 20, 'input gradient 2'],
];

function filled(k: Kernels, n: number, rng: Rng): Float32Array {
  const a = k.alloc(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

const time = (fn: () => void, n = reps): [number, number] => timeMedianMin(fn, n, 200);

function gemmOperands(kind: GemmName, m: number, n: number, k: number): [number, number] {
  return kind === 'gemm' ? [m * k, k * n] : kind === 'gemmTN' ? [k * m, k * n] : [m * k, n * k];
}

const backends: Kernels[] = [createWasmKernels(), ...(withJs ? [createJsKernels()] : [])];
const pad = (s: string, w: number): string => s.padEnd(w);
const num = (x: number, d: number, w: number): string => x.toFixed(d).padStart(w);

console.log(`GEMM family, batch ${M}, ${reps} reps (median / min ms, GFLOP/s at the median)`);
console.log(`${pad('kernel', 24)}${pad('', 20)}${backends.map((b) => pad(`  ${b.name}: ms (min)  GFLOP/s`, 30)).join('')}`);
for (const [kind, m, n, k, label] of SHAPES) {
  const flops = 2 * m * n * k;
  const cells: string[] = [];
  for (const kern of backends) {
    const rng = new Rng(1);
    const [sa, sb] = gemmOperands(kind, m, n, k);
    const a = filled(kern, sa, rng);
    const b = filled(kern, sb, rng);
    const c = kern.alloc(m * n);
    const [med, min] = time(() => kern[kind](m, n, k, a, b, c, false), kern.name === 'js' ? Math.min(reps, 5) : reps);
    cells.push(`  ${num(med, 3, 8)} (${num(min, 3, 7)}) ${num(flops / med / 1e6, 1, 6)}     `);
    kern.free(a);
    kern.free(b);
    kern.free(c);
  }
  console.log(`${pad(`${kind}(${m},${n},${k})`, 24)}${pad(label, 20)}${cells.join('')}`);
}

console.log(`\nOther per-batch kernels, batch ${M} (median / min ms)`);
for (const kern of backends) {
  const rng = new Rng(2);
  const z = filled(kern, M * 20, rng);
  const a = filled(kern, M * 20, rng);
  const bias = filled(kern, 20, rng);
  const logits = filled(kern, M * 10, rng);
  const grad = kern.alloc(M * 10);
  const labels = kern.alloc(M);
  for (let i = 0; i < M; i++) labels[i] = rng.int(10);
  const P = 784 * 20 + 20 + 20 * 20 + 20 + 20 * 10 + 10;
  const x = filled(kern, P, rng);
  const g = filled(kern, P, rng);
  const out = kern.alloc(P);
  const runs: [string, () => void][] = [
    ['biasActivate relu', () => kern.biasActivate(M, 20, z, bias, Act.relu)],
    ['biasActivate tanh', () => kern.biasActivate(M, 20, z, bias, Act.tanh)],
    ['biasActivate sigmoid', () => kern.biasActivate(M, 20, z, bias, Act.sigmoid)],
    ['activationBackward tanh', () => kern.activationBackward(M * 20, a, z, Act.tanh)],
    ['colSums', () => kern.colSums(M, 20, z, bias, false)],
    ['softmaxCrossEntropy', () => void kern.softmaxCrossEntropy(M, 10, logits, labels, grad)],
    ['proxGradient (all params)', () => kern.proxGradient(P, x, g, 1e-3, 1e-5, out)],
    ['proxL1 (all params)', () => void kern.proxL1(P, x, g, 1e-3, 1e-5)],
  ];
  for (const [label, fn] of runs) {
    const [med, min] = time(fn);
    console.log(`  ${pad(kern.name, 5)} ${pad(label, 28)} ${num(med, 3, 8)} (${num(min, 3, 7)})`);
  }
}
