// `npm run bench`: regpath's training step and MPG step against PyTorch's.
//
//   npm run bench [-- --reps N] [--seconds S] [--out file.json] [--no-torch] [--python exe] [--path]
//   npm run bench -- --suite ...   the continuation against the λ sweeps on eight problems (bench/suite.ts)
//   npm run bench -- --conv [--reps N] [--rounds R]   the CNN training steps instead (bench/conv.ts)
//
// Cases (seeded random data of the right shapes):
//   1. one training step (forward, backward, SGD update) of a 784-20-20-10 ReLU MLP with softmax
//      cross-entropy at batch 5,600: regpath with 1 thread and all cores, PyTorch with 1 and 2;
//   2. the same at batch 256 and 64;
//   3. the multiobjective proximal gradient step (MpgSolver.step) on the 16,330 parameters, as a
//      share of a training step at batch 5,600;
//   4. a full-batch step on the built-in MNIST training split (8,000 digits, standardised): the
//      sparse first layer (nn/sparse-input.ts) against the dense one, 1 thread and all cores;
//   5. with --path: the whole default `regpath path` run (built-in MNIST), per thread count:
//      seconds, points, train hypervolume (loss/ln 10, l1/450), peak RSS.
// Every time is the median and the min of several repetitions after a warm-up: on a machine
// shared with other jobs the min is the better estimate of the code's speed. PyTorch runs in a
// child process (bench/torch_bench.py) when a python3 that can import torch is found (python3 on
// PATH, then /usr/bin/python3); without it regpath's figures are printed alone.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWasmKernels, type WasmKernels } from '../src/kernels/index.js';
import { availableCores } from '../src/kernels/wasm/index.js';
import { Mlp, type Architecture } from '../src/nn/mlp.js';
import { initParameters } from '../src/nn/init.js';
import { MpgSolver } from '../src/optim/mpg.js';
import { hypervolume } from '../src/metrics/front.js';
import { Rng } from '../src/util/rng.js';
import { loadDataset } from '../src/data/load.js';
import { applyStandardizer, fitStandardizer } from '../src/data/standardize.js';
import { Problem, toDevice } from '../src/nn/problem.js';

// ---- arguments -------------------------------------------------------------------------------

const argv = process.argv.slice(2);
function flag(name: string): boolean {
  return argv.includes(name);
}
function value(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : undefined;
}
const root = packageRoot();
if (flag('--suite')) {
  // the benchmark suite (bench/suite.ts) instead of the kernel benchmarks below
  const suite = await import('./suite.js');
  try {
    await suite.runSuite(argv, root);
  } catch (e) {
    if (!(e instanceof suite.SuiteOptionError)) throw e;
    process.stderr.write(`bench --suite: ${e.message}\n`);
    process.exit(2);
  }
  process.exit();
}
const minReps = Number(value('--reps') ?? 15);
const seconds = Number(value('--seconds') ?? 1.5);
const outFile = resolve(value('--out') ?? join(root, 'bench', 'results.json'));
const cores = availableCores();
const threadCounts = [...new Set([1, cores])];
if (flag('--conv')) {
  // the CNN training steps only (bench/conv.ts)
  const { convBench } = await import('./conv.js');
  const result = convBench(root, { reps: Number(value('--reps') ?? 2), rounds: Number(value('--rounds') ?? 3), python: value('--python'), noTorch: flag('--no-torch') });
  const out = resolve(value('--out') ?? join(root, 'bench', 'results-conv.json'));
  writeFileSync(out, JSON.stringify({ format: 'regpath.bench-conv/1', date: new Date().toISOString(), node: process.version, cores, ...result }, null, 2) + '\n');
  console.log(`\nwrote ${out}`);
  process.exit(0);
}
const BATCHES = [5600, 256, 64];
const LAYERS = [784, 20, 20, 10];
const LR = 1e-3;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: package root not found');
    dir = up;
  }
  return dir;
}

// ---- timing ----------------------------------------------------------------------------------

interface Timing {
  median_ms: number;
  min_ms: number;
  reps: number;
}

/** Median and min over max(minReps, ~`seconds` worth) timed runs, after a 0.3 s warm-up. */
function time(fn: () => void): Timing {
  const warm = performance.now();
  do fn();
  while (performance.now() - warm < 300);
  const t0 = performance.now();
  fn();
  const one = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.round(Math.min(5000, Math.max(minReps, (seconds * 1000) / one)));
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    fn();
    ts.push(performance.now() - s);
  }
  ts.sort((a, b) => a - b);
  const mid = ts.length >> 1;
  const median = ts.length % 2 ? ts[mid]! : (ts[mid - 1]! + ts[mid]!) / 2;
  return { median_ms: median, min_ms: ts[0]!, reps };
}

/** Flops of one training step: forward GEMMs, weight gradients, input gradients of layers > 1. */
function stepFlops(batch: number): number {
  let f = 0;
  for (let l = 0; l + 1 < LAYERS.length; l++) {
    const w = LAYERS[l]! * LAYERS[l + 1]!;
    f += 2 * batch * w * (l === 0 ? 2 : 3);
  }
  return f;
}

// ---- regpath ---------------------------------------------------------------------------------

interface Workspace {
  k: WasmKernels;
  mlp: Mlp;
  theta: Float32Array;
  grad: Float32Array;
  x: Float32Array;
  y: Float32Array;
}

function workspace(threads: number, batch: number): Workspace {
  const k = createWasmKernels({ threads });
  const arch: Architecture = { layers: LAYERS, activation: 'relu', loss: 'cross-entropy' };
  const mlp = new Mlp(k, arch, batch);
  const theta = k.alloc(mlp.layout.size);
  initParameters(mlp.layout, 'relu', 1, theta);
  const grad = k.alloc(mlp.layout.size);
  const rng = new Rng(batch);
  const x = k.alloc(batch * LAYERS[0]!);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const y = k.alloc(batch);
  for (let i = 0; i < batch; i++) y[i] = rng.int(10);
  return { k, mlp, theta, grad, x, y };
}

function trainStep(w: Workspace, batch: number): () => void {
  const n = w.mlp.layout.size;
  return () => {
    w.mlp.lossAndGradient(w.theta, w.x, w.y, batch, w.grad);
    w.k.axpy(n, -LR, w.grad, w.theta);
  };
}

interface StepRow {
  batch: number;
  threads: number;
  gflop: number;
  regpath: Timing;
  torch?: Timing;
}

function measureSteps(): StepRow[] {
  const rows: StepRow[] = [];
  for (const threads of threadCounts) {
    for (const batch of BATCHES) {
      const w = workspace(threads, batch);
      const t = time(trainStep(w, batch));
      rows.push({ batch, threads, gflop: stepFlops(batch) / 1e9, regpath: t });
      w.k.close();
      process.stderr.write(`  regpath step batch ${batch}, ${threads} thread(s): ${t.median_ms.toFixed(3)} ms (min ${t.min_ms.toFixed(3)})\n`);
    }
  }
  return rows;
}

interface MnistRow {
  threads: number;
  density: number;
  sparse: Timing;
  dense: Timing;
}

/** Full-batch training step (loss + gradient + SGD update) on the 8,000 standardised MNIST digits. */
function measureMnist(): MnistRow[] {
  const ds = loadDataset('mnist');
  const rows = 8000;
  const std = applyStandardizer(ds, fitStandardizer(ds));
  const out: MnistRow[] = [];
  for (const threads of threadCounts) {
    const k = createWasmKernels({ threads });
    const arch: Architecture = { layers: LAYERS, activation: 'relu', loss: 'cross-entropy' };
    const problem = new Problem(k, arch, toDevice(k, std.x, std.y, rows, ds.features), null, rows, 1);
    const theta = k.alloc(problem.mlp.layout.size);
    initParameters(problem.mlp.layout, 'relu', 1, theta);
    const grad = k.alloc(theta.length);
    const batch = problem.nextBatch();
    const denseBatch = { x: batch.x, y: batch.y, rows: batch.rows };
    const step = (b: typeof batch) => () => {
      problem.lossAndGradient(theta, b, grad);
      k.axpy(theta.length, -LR, grad, theta);
    };
    const sparse = time(step(batch));
    const dense = time(step(denseBatch));
    out.push({ threads, density: problem.sparseDensity ?? 1, sparse, dense });
    k.close();
    process.stderr.write(`  MNIST full-batch step, ${threads} thread(s): sparse ${sparse.median_ms.toFixed(2)} ms, dense ${dense.median_ms.toFixed(2)} ms\n`);
  }
  return out;
}

function measureMpg(): Timing {
  const k = createWasmKernels({ threads: 1 });
  const arch: Architecture = { layers: LAYERS, activation: 'relu', loss: 'cross-entropy' };
  const mlp = new Mlp(k, arch, 1);
  const n = mlp.layout.size;
  const rng = new Rng(5);
  const theta = k.alloc(n);
  initParameters(mlp.layout, 'relu', 2, theta);
  // A partly sparse point, as on the path.
  for (let i = 0; i < n; i++) if (rng.uniform() < 0.5) theta[i] = 0;
  const g = k.alloc(n);
  for (let i = 0; i < n; i++) g[i] = 0.01 * rng.normal();
  const out = k.alloc(n);
  const solver = new MpgSolver(k);
  return time(() => void solver.step(theta, g, mlp.layout.weightCount, 0.1, out));
}

// ---- PyTorch ---------------------------------------------------------------------------------

interface TorchReport {
  torch: string;
  python: string;
  executable: string;
  results: (Timing & { batch: number; threads: number })[];
}

function runTorch(): TorchReport | string {
  if (flag('--no-torch')) return 'skipped (--no-torch)';
  const script = join(root, 'bench', 'torch_bench.py');
  const candidates = value('--python') ? [value('--python')!] : ['python3', '/usr/bin/python3'];
  const why: string[] = [];
  for (const exe of candidates) {
    const probe = spawnSync(exe, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      why.push(`${exe}: ${probe.error ? probe.error.message : 'cannot import torch'}`);
      continue;
    }
    process.stderr.write(`  PyTorch (${exe}) ...\n`);
    const r = spawnSync(exe, [script, '--batches', BATCHES.join(','), '--threads', '1,2', '--seconds', String(seconds), '--min-reps', String(minReps)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    if (r.status !== 0) {
      why.push(`${exe}: torch_bench.py failed: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`);
      continue;
    }
    return { ...(JSON.parse(r.stdout) as Omit<TorchReport, 'executable'>), executable: exe };
  }
  return `no python3 with torch (${why.join('; ')})`;
}

// ---- the whole path run (--path) ---------------------------------------------------------------

interface PathRow {
  threads: number;
  seconds: number;
  points: number;
  trainHypervolume: number;
  peakRssMiB: number;
}

function runPath(threads: number): PathRow {
  const dir = mkdtempSync(join(tmpdir(), 'regpath-bench-'));
  try {
    const usage = join(dir, 'usage.json');
    const hook = join(dir, 'hook.mjs');
    writeFileSync(hook, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(usage)}, JSON.stringify(process.resourceUsage())));\n`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', hook, join(root, 'bin', 'regpath.js'), 'path', '--json', '--threads', String(threads), '--out', join(dir, 'run')], {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`regpath path failed with status ${r.status}`);
    const summary = JSON.parse(r.stdout) as { seconds: number; points: { l1: number; trainLoss: number }[] };
    const ru = JSON.parse(readFileSync(usage, 'utf8')) as { maxRSS: number };
    const hv = hypervolume(summary.points.map((p) => ({ l1: p.l1, loss: p.trainLoss })), Math.LN10, 450);
    process.stderr.write(`  regpath path, ${threads} thread(s): ${wall.toFixed(1)} s wall\n`);
    return { threads, seconds: summary.seconds, points: summary.points.length, trainHypervolume: hv, peakRssMiB: ru.maxRSS / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- main ------------------------------------------------------------------------------------

const f = (x: number, d = 3): string => x.toFixed(d);
const cell = (t: Timing | undefined): string => (t ? `${f(t.median_ms)} (${f(t.min_ms)})` : '—');

console.log(`regpath bench: ${cores} core(s) available, Node ${process.version}; times in ms as median (min) over ≥ ${minReps} reps`);
process.stderr.write('measuring regpath ...\n');
const steps = measureSteps();
const mpg = measureMpg();
const mnist = measureMnist();
const torch = runTorch();
const torchOk = typeof torch !== 'string';
if (torchOk) {
  for (const row of steps) {
    const t = torch.results.find((r) => r.batch === row.batch && r.threads === row.threads);
    if (t) row.torch = { median_ms: t.median_ms, min_ms: t.min_ms, reps: t.reps };
  }
  // PyTorch with 2 threads is measured even where regpath's "all cores" is 1 (or > 2).
  for (const t of torch.results) {
    if (!steps.some((r) => r.batch === t.batch && r.threads === t.threads)) {
      steps.push({ batch: t.batch, threads: t.threads, gflop: stepFlops(t.batch) / 1e9, regpath: { median_ms: NaN, min_ms: NaN, reps: 0 }, torch: t });
    }
  }
}

console.log('\nTraining step of 784-20-20-10 ReLU, softmax CE (forward, backward, SGD update)');
console.log(torchOk ? `PyTorch ${torch.torch} (${torch.executable}, Python ${torch.python})` : `PyTorch: ${torch}`);
const head = ['batch', 'threads', 'regpath ms', 'GFLOP/s', ...(torchOk ? ['PyTorch ms', 'GFLOP/s', 'time ratio regpath/PyTorch (median, min)'] : [])];
const table: string[][] = [head];
for (const r of steps.sort((a, b) => b.batch - a.batch || a.threads - b.threads)) {
  const has = Number.isFinite(r.regpath.median_ms);
  const row = [String(r.batch), String(r.threads), has ? cell(r.regpath) : 'n/a', has ? f(r.gflop / (r.regpath.median_ms / 1e3), 1) : ''];
  if (torchOk) {
    row.push(cell(r.torch), r.torch ? f(r.gflop / (r.torch.median_ms / 1e3), 1) : '');
    row.push(has && r.torch ? `${f(r.regpath.median_ms / r.torch.median_ms, 2)}, ${f(r.regpath.min_ms / r.torch.min_ms, 2)}` : '');
  }
  table.push(row);
}
const widths = head.map((_, j) => Math.max(...table.map((r) => (r[j] ?? '').length)));
for (const r of table) console.log(r.map((c, j) => c.padStart(widths[j]!)).join('  '));

const base1 = steps.find((r) => r.batch === 5600 && r.threads === 1)!.regpath;
const baseN = steps.find((r) => r.batch === 5600 && r.threads === cores)!.regpath;
console.log(`\nMPG step (MpgSolver.step, 16,330 parameters, 1 thread): ${cell(mpg)} ms = ` +
  `${f((100 * mpg.median_ms) / base1.median_ms, 1)} % of a 1-thread training step at batch 5,600` +
  (cores > 1 ? `, ${f((100 * mpg.median_ms) / baseN.median_ms, 1)} % of a ${cores}-thread one` : ''));

console.log(`\nFull-batch step on the built-in MNIST training split (8,000 × 784, standardised; ${f(100 * (mnist[0]?.density ?? 1), 1)} % of S non-zero)`);
for (const r of mnist) {
  console.log(`  ${r.threads} thread(s): sparse first layer ${cell(r.sparse)} ms, dense ${cell(r.dense)} ms (${f(r.dense.median_ms / r.sparse.median_ms, 2)}× faster)`);
}

let paths: PathRow[] | undefined;
if (flag('--path')) {
  const list = (value('--path-threads') ?? String(cores)).split(',').map(Number);
  paths = list.map(runPath);
  console.log('\nWhole default `regpath path` run (built-in MNIST)');
  for (const p of paths) {
    console.log(`  ${p.threads} thread(s): ${f(p.seconds, 1)} s, ${p.points} points, train hypervolume ${f(p.trainHypervolume, 4)} (loss/ln 10, l1/450), peak RSS ${f(p.peakRssMiB, 0)} MiB`);
  }
}

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify({
  format: 'regpath.bench/1',
  date: new Date().toISOString(),
  node: process.version,
  cores,
  note: 'times in ms; median and min over reps; the machine may be shared, the min is the better estimate',
  torch: torchOk ? { version: torch.torch, python: torch.python, executable: torch.executable } : torch,
  trainingStep: steps.map((r) => ({
    batch: r.batch, threads: r.threads, gflopPerStep: r.gflop,
    regpath: Number.isFinite(r.regpath.median_ms) ? { ...r.regpath, gflops: r.gflop / (r.regpath.median_ms / 1e3) } : null,
    torch: r.torch ? { ...r.torch, gflops: r.gflop / (r.torch.median_ms / 1e3) } : null,
    ratioMedian: r.torch && Number.isFinite(r.regpath.median_ms) ? r.regpath.median_ms / r.torch.median_ms : null,
    ratioMin: r.torch && Number.isFinite(r.regpath.min_ms) ? r.regpath.min_ms / r.torch.min_ms : null,
  })),
  mnistFullBatchStep: mnist,
  mpgStep: { parameters: 16330, ...mpg, percentOfStep1Thread: (100 * mpg.median_ms) / base1.median_ms, percentOfStepAllCores: (100 * mpg.median_ms) / baseN.median_ms },
  ...(paths && { path: paths }),
}, null, 2) + '\n');
console.log(`\nwrote ${outFile}`);
