// The first thing the seed paper's CIFAR-10 run does (`regpath path --data DIR --arch
// conv32k3,pool2,conv32k4,pool2,fc512 --batch 750`): fit the network from its random init at
// λ = 0.1·(1−α*)/α* (the path's first fit, α* the MPG step's weight at the init) with the
// mini-batch corrector's solver (heavy-ball SGD, lr 0.1, momentum 0.9, soft-threshold after every
// step), timed pass by pass in CPU seconds and stopped after --max-cpu seconds, so a complete run
// can be planned. After every pass: the objective's loss on the corrector's fixed 8,192-row
// training subsample and its accuracy there, the test accuracy (on --test-rows test images), l1.
//
//   npm run build && node dist/bench/cifar-fit.js --data DIR [--max-cpu 900] [--test-rows 2000] [--lr 0.1] [--lambda-factor 0.1]
//
// One thread (REGPATH_THREADS=1 unless set). DIR: CIFAR-10 binary batches (bench/synth-cifar.ts
// writes synthetic ones of the real shape).
import { loadDataset, splitPreset, fitStandardizer, standardizeInPlace } from '../src/data/index.js';
import { createWasmKernels } from '../src/kernels/index.js';
import { parseArch } from '../src/nn/architecture.js';
import type { Architecture } from '../src/nn/mlp.js';
import { initParameters } from '../src/nn/init.js';
import { Problem, toDevice } from '../src/nn/problem.js';
import { MpgSolver, tradeoff } from '../src/optim/mpg.js';
import { Proximal, Sgd } from '../src/optim/optimizer.js';
import { fullGradient } from '../src/path/baselines/fit.js';
import { numberArg, stringArg } from './timing.js';

process.env['REGPATH_THREADS'] ??= '1';
const dir = stringArg('--data', '');
if (!dir) throw new Error('cifar-fit: --data <folder of CIFAR-10 binary batches> is required');
const maxCpu = numberArg('--max-cpu', 900);
const testRows = numberArg('--test-rows', 2000);
const lr = numberArg('--lr', 0.1);
/** λ as a fraction of the init's trade-off: 0.1 the path's first fit, 0.01 and 0.001 the dense-end walk's next ones. */
const lambdaFactor = numberArg('--lambda-factor', 0.1);
const archText = stringArg('--arch', 'conv32k3,pool2,conv32k4,pool2,fc512');
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const k = createWasmKernels();
const t0 = cpu();
const ds = loadDataset(dir, { alloc: (n) => k.alloc(n) });
const { train, test } = splitPreset(ds);
if (!test) throw new Error('cifar-fit: no test_batch.bin');
const st = fitStandardizer(train);
standardizeInPlace(train, st);
standardizeInPlace(test, st);
const [c, h, w] = ds.shape as [number, number, number];
const arch: Architecture = { layers: [ds.features, ds.classes], activation: 'relu', loss: 'cross-entropy', specs: parseArch(archText), inputShape: { h, w, c } };
const tr = toDevice(k, train.x, train.y, train.rows, train.features, true);
const te = toDevice(k, test.x.subarray(0, Math.min(testRows, test.rows) * test.features), test.y.subarray(0, Math.min(testRows, test.rows)), Math.min(testRows, test.rows), test.features, true);
const problem = new Problem(k, arch, tr, te, 750, 1);
const n = problem.mlp.layout.size;
const penalised = problem.mlp.layout.weightCount;
const theta = k.alloc(n);
initParameters(problem.mlp.layout, 'relu', 1, theta);
console.log(`${ds.name}: ${train.rows} training, ${te.rows} test images; ${archText} (${n} parameters); loaded in ${(cpu() - t0).toFixed(1)} CPU-s`);
const grad = k.alloc(n);
let t = cpu();
fullGradient(problem, theta, grad);
const mpgStep = new MpgSolver(k).step(theta, grad, penalised, lr / (1 - 0.9), k.alloc(n));
const lambda = lambdaFactor * tradeoff(mpgStep.alpha);
console.log(`full-batch gradient at the init: ${(cpu() - t).toFixed(1)} CPU-s; α* ${mpgStep.alpha.toFixed(6)}, fit's λ ${lambda.toExponential(3)} (${lambdaFactor} × the init's trade-off)`);
const sgd = new Sgd(k, n, lr, 0.9);
const prox = new Proximal(k, sgd, penalised, lambda);
const sample = problem.subsample();
t = cpu();
let e = problem.evaluate(theta, sample);
console.log(`pass 0: subsample loss ${e.loss.toFixed(4)}, accuracy ${(100 * e.accuracy!).toFixed(1)} % (evaluated in ${(cpu() - t).toFixed(1)} CPU-s)`);
const start = cpu();
for (let pass = 1; cpu() - start < maxCpu; pass++) {
  const p0 = cpu();
  for (let i = 0; i < problem.stepsPerEpoch; i++) {
    problem.lossAndGradient(theta, problem.nextBatch(), grad);
    prox.step(theta, grad);
  }
  const p1 = cpu();
  e = problem.evaluate(theta, sample);
  const p2 = cpu();
  const et = problem.evaluate(theta, te);
  const p3 = cpu();
  console.log(`pass ${pass}: ${problem.stepsPerEpoch} steps ${(p1 - p0).toFixed(1)} CPU-s, subsample ${(p2 - p1).toFixed(1)} s, test ${(p3 - p2).toFixed(1)} s; ` +
    `subsample loss ${e.loss.toFixed(4)} accuracy ${(100 * e.accuracy!).toFixed(1)} %, test accuracy ${(100 * et.accuracy!).toFixed(1)} %, l1 ${k.l1Norm(penalised, theta).toFixed(0)}; ${(p3 - start).toFixed(0)} CPU-s so far`);
}
