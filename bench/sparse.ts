// Sparse (CSR) inference vs dense: the forward pass of a 784-20-20-10 ReLU MLP at batch 10,000,
// with 0, 90, 95 and 99 % of the weights exactly zero (uniformly at random; biases dense), on dense
// random inputs (as standardised features are). Three ways:
//   wasm gemm  — regpath's Mlp.forward on the wasm kernels (kernels().gemm + biasActivate)
//   js loop    — the same layers on the plain-TypeScript kernels (denseForward in src/nn/sparse.ts)
//   csr        — SparseMlp.forward (what `regpath predict` uses)
//
//   npm run build && node dist/bench/sparse.js [--reps N] [--batch M]
//
// Single-threaded (the wasm kernels get REGPATH_THREADS=1 unless it is set); median (min) ms of N timed runs after a warm-up.
import { createWasmKernels } from '../src/kernels/index.js';
import { Mlp } from '../src/nn/mlp.js';
import { SparseMlp, denseForward, type DenseLayer } from '../src/nn/sparse.js';
import { Rng } from '../src/util/rng.js';
import { numberArg, timeMedianMin } from './timing.js';

const reps = numberArg('--reps', 9);
const rows = numberArg('--batch', 10000);
const widths = [784, 20, 20, 10];

const time = (fn: () => void, n = reps): [number, number] => timeMedianMin(fn, n, 300);

function layersWithZeros(zeros: number, rng: Rng): DenseLayer[] {
  return widths.slice(1).map((fanOut, l) => {
    const fanIn = widths[l]!;
    const kernel = Float32Array.from({ length: fanIn * fanOut }, () => (rng.uniform() < zeros ? 0 : rng.normal() * 0.1));
    return { fanIn, fanOut, kernel, bias: Float32Array.from({ length: fanOut }, () => rng.normal() * 0.1) };
  });
}

// one thread for the wasm GEMM too, like the CSR pass (REGPATH_THREADS, if set, wins)
process.env['REGPATH_THREADS'] ??= '1';
const k = createWasmKernels();
const rng = new Rng(1);
const xs = Float32Array.from({ length: rows * widths[0]! }, () => rng.normal());
const xw = k.alloc(xs.length);
xw.set(xs);
const mlp = new Mlp(k, { layers: widths, activation: 'relu', loss: 'cross-entropy' }, rows);
const theta = k.alloc(mlp.layout.size);

console.log(`forward pass of ${widths.join('-')} ReLU at batch ${rows}, ${reps} reps: median (min) ms; speed-up of CSR over each`);
console.log('zeros    non-zeros   wasm gemm          js loop            csr                csr speed-up vs wasm, vs js loop (from medians; from mins)');
for (const zeros of [0, 0.9, 0.95, 0.99]) {
  const layers = layersWithZeros(zeros, rng);
  layers.forEach((l, i) => {
    mlp.layout.weights(theta, i).set(l.kernel);
    mlp.layout.bias(theta, i).set(l.bias);
  });
  const sparse = new SparseMlp(layers, 'relu');
  // same answer first
  const ref = denseForward(layers, 'relu', xs, rows);
  const got = sparse.forward(xs, rows);
  const w = mlp.forward(theta, xw, rows);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(got[i]! - ref[i]!), Math.abs(w[i]! - ref[i]!));
  if (worst > 1e-4) throw new Error(`outputs differ by ${worst}`);
  const [wm, wmin] = time(() => mlp.forward(theta, xw, rows));
  const [jm, jmin] = time(() => denseForward(layers, 'relu', xs, rows), Math.min(reps, 5));
  const [cm, cmin] = time(() => sparse.forward(xs, rows));
  const cell = (m: number, mn: number): string => `${m.toFixed(2).padStart(8)} (${mn.toFixed(2).padStart(7)})  `;
  console.log(
    `${(zeros * 100).toFixed(0).padStart(3)} %  ${String(sparse.nonzeros).padStart(9)}   ${cell(wm, wmin)}${cell(jm, jmin)}${cell(cm, cmin)}` +
    `${(wm / cm).toFixed(2)}×, ${(jm / cm).toFixed(1)}×  (${(wmin / cmin).toFixed(2)}×, ${(jmin / cmin).toFixed(1)}×)`,
  );
}
