// `npm run bench -- --conv`: one training step (forward, backward, SGD update) of two small CNNs
// with softmax cross-entropy, regpath's kernels against PyTorch (bench/torch_conv.py) on the same
// shapes and seeded random data, at 1 thread and at all cores for both.
//
//   cifar: the seed paper's CIFAR-10 CNN (conv32k3, pool2, conv32k4, pool2, fc512, fc10) on
//          32×32×3 inputs at batch 750 (612,778 parameters);
//   lenet: conv6k5, pool2, conv16k5, pool2, fc32, fc10 on 28×28×1 inputs at batch 256.
//
// regpath's side calls the kernels directly in the network's order (conv → bias+ReLU → max-pool,
// …, dense layers, loss, then the backward pass in reverse and one axpy over the flat parameter
// vector), with every buffer allocated once: the same work a model made of layers does, without
// depending on one. The first convolution computes no input gradient (neither does PyTorch: the
// input does not require one).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  Act, conv2dOutput, createWasmKernels, pool2dOutput, type Conv2DShape, type Pool2DShape, type WasmKernels,
} from '../src/kernels/index.js';
import { availableCores } from '../src/kernels/wasm/index.js';
import { Rng } from '../src/util/rng.js';

type Spec = { conv: number; k: number } | { pool: number } | { fc: number };

export const CONV_NETS: Record<string, { batch: number; input: [number, number, number]; layers: Spec[] }> = {
  cifar: { batch: 750, input: [32, 32, 3], layers: [{ conv: 32, k: 3 }, { pool: 2 }, { conv: 32, k: 4 }, { pool: 2 }, { fc: 512 }, { fc: 10 }] },
  lenet: { batch: 256, input: [28, 28, 1], layers: [{ conv: 6, k: 5 }, { pool: 2 }, { conv: 16, k: 5 }, { pool: 2 }, { fc: 32 }, { fc: 10 }] },
};

type Layer =
  | { kind: 'conv'; s: Conv2DShape; w: Float32Array; b: Float32Array; dw: Float32Array; db: Float32Array; y: Float32Array; dy: Float32Array }
  | { kind: 'pool'; s: Pool2DShape; y: Float32Array; dy: Float32Array; arg: Int32Array }
  | { kind: 'fc'; m: number; n: number; k: number; w: Float32Array; b: Float32Array; dw: Float32Array; db: Float32Array; y: Float32Array; dy: Float32Array; last: boolean };

/** The network's buffers on backend k, and its training step. */
export function convNet(k: WasmKernels, name: string, seed = 1): { step: () => number; parameters: number; flops: number } {
  const net = CONV_NETS[name]!;
  const B = net.batch;
  let [h, w, c] = net.input;
  // parameter count first: one flat θ and one flat gradient, views per layer
  const sizes: number[] = [];
  {
    let hh = h, ww = w, cc = c;
    for (const l of net.layers) {
      if ('conv' in l) {
        sizes.push(l.k * l.k * cc * l.conv, l.conv);
        [hh, ww, cc] = [hh - l.k + 1, ww - l.k + 1, l.conv];
      } else if ('pool' in l) {
        [hh, ww] = [Math.floor(hh / l.pool), Math.floor(ww / l.pool)];
      } else {
        sizes.push(hh * ww * cc * l.fc, l.fc);
        [hh, ww, cc] = [1, 1, l.fc];
      }
    }
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  const theta = k.alloc(total), grad = k.alloc(total);
  const rng = new Rng(seed);
  let off = 0;
  const take = (n: number, fanIn: number): [Float32Array, Float32Array] => {
    const v = theta.subarray(off, off + n), g = grad.subarray(off, off + n);
    const sd = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) v[i] = fanIn > 0 ? sd * rng.normal() : 0;
    off += n;
    return [v, g];
  };
  const x = k.alloc(B * h * w * c);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const labels = k.alloc(B);
  for (let i = 0; i < B; i++) labels[i] = rng.int(10);

  const layers: Layer[] = [];
  let scratchSize = 0;
  let flops = 0;
  for (const [i, l] of net.layers.entries()) {
    if ('conv' in l) {
      const s: Conv2DShape = { batch: B, inH: h, inW: w, inC: c, outC: l.conv, kH: l.k, kW: l.k, strideH: 1, strideW: 1, padH: 0, padW: 0 };
      const [oh, ow] = conv2dOutput(s);
      const [wv, dw] = take(l.k * l.k * c * l.conv, l.k * l.k * c);
      const [bv, db] = take(l.conv, 0);
      layers.push({ kind: 'conv', s, w: wv, b: bv, dw, db, y: k.alloc(B * oh * ow * l.conv), dy: k.alloc(B * oh * ow * l.conv) });
      scratchSize = Math.max(scratchSize, k.conv2dScratchSize(s));
      flops += 2 * B * oh * ow * l.k * l.k * c * l.conv * (i === 0 ? 2 : 3);
      [h, w, c] = [oh, ow, l.conv];
    } else if ('pool' in l) {
      const s: Pool2DShape = { batch: B, inH: h, inW: w, channels: c, kH: l.pool, kW: l.pool, strideH: l.pool, strideW: l.pool };
      const [oh, ow] = pool2dOutput(s);
      layers.push({ kind: 'pool', s, y: k.alloc(B * oh * ow * c), dy: k.alloc(B * oh * ow * c), arg: k.allocInt(B * oh * ow * c) });
      [h, w] = [oh, ow];
    } else {
      const kk = h * w * c;
      const [wv, dw] = take(kk * l.fc, kk);
      const [bv, db] = take(l.fc, 0);
      const last = i === net.layers.length - 1;
      layers.push({ kind: 'fc', m: B, n: l.fc, k: kk, w: wv, b: bv, dw, db, y: k.alloc(B * l.fc), dy: k.alloc(B * l.fc), last });
      flops += 2 * B * kk * l.fc * 3;
      [h, w, c] = [1, 1, l.fc];
    }
  }
  const scratch = k.alloc(scratchSize);

  const step = (): number => {
    let a = x;
    for (const l of layers) {
      if (l.kind === 'conv') {
        k.conv2dForward(l.s, a, l.w, l.y, scratch);
        k.biasActivate(l.y.length / l.s.outC, l.s.outC, l.y, l.b, Act.relu);
      } else if (l.kind === 'pool') {
        k.maxPool2dForward(l.s, a, l.y, l.arg);
      } else {
        k.gemm(l.m, l.n, l.k, a, l.w, l.y, false);
        k.biasActivate(l.m, l.n, l.y, l.b, l.last ? Act.identity : Act.relu);
      }
      a = l.y;
    }
    const top = layers[layers.length - 1]!;
    const loss = k.softmaxCrossEntropy(B, 10, top.y, labels, top.dy);
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i]!;
      const input = i === 0 ? x : layers[i - 1]!.y;
      const dInput = i === 0 ? null : layers[i - 1]!.dy;
      if (l.kind === 'conv') {
        k.activationBackward(l.y.length, l.y, l.dy, Act.relu);
        k.colSums(l.y.length / l.s.outC, l.s.outC, l.dy, l.db, false);
        k.conv2dBackwardWeight(l.s, input, l.dy, l.dw, scratch, false);
        if (dInput) k.conv2dBackwardInput(l.s, l.dy, l.w, dInput, scratch);
      } else if (l.kind === 'pool') {
        if (dInput) k.maxPool2dBackward(l.s, l.dy, l.arg, dInput);
      } else {
        if (!l.last) k.activationBackward(l.y.length, l.y, l.dy, Act.relu);
        k.colSums(l.m, l.n, l.dy, l.db, false);
        k.gemmTN(l.k, l.n, l.m, input, l.dy, l.dw, false);
        if (dInput) k.gemmNT(l.m, l.k, l.n, l.dy, l.w, dInput, false);
      }
    }
    k.axpy(total, -1e-3, grad, theta);
    return loss;
  };
  return { step, parameters: total, flops };
}

interface Row {
  net: string;
  threads: number;
  median_ms: number;
  min_ms: number;
  reps: number;
}

/** Times of `reps` runs of fn in ms, after a warm-up of ~1 s (V8 tier-up, pool start). */
function samples(fn: () => void, reps: number): number[] {
  const warm = performance.now();
  do fn();
  while (performance.now() - warm < 1000);
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return ts;
}

function summary(net: string, threads: number, ts: number[]): Row {
  const s = [...ts].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { net, threads, median_ms: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min_ms: s[0]!, reps: s.length };
}

interface TorchRound {
  version: string;
  times: Map<string, number[]>;
}

/** One round of bench/torch_conv.py: `reps` timed steps per net and thread count. */
function torchRound(root: string, exe: string, threads: number[], reps: number): TorchRound | string {
  const r = spawnSync(exe, [join(root, 'bench', 'torch_conv.py'), '--threads', threads.join(','), '--min-reps', String(reps), '--seconds', '0', '--samples'], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) return `${exe}: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`;
  const out = JSON.parse(r.stdout) as { torch: string; results: { net: string; threads: number; samples_ms: number[] }[] };
  const times = new Map<string, number[]>();
  for (const q of out.results) times.set(`${q.net}/${q.threads}`, q.samples_ms);
  return { version: `PyTorch ${out.torch} (${exe})`, times };
}

/**
 * The conv bench: `rounds` rounds, each timing regpath's steps (both nets, 1 thread and all
 * cores) and then PyTorch's in a child process, so that both sides see the same load on a shared
 * machine. Prints a table; returns the rows for the caller's JSON.
 */
export function convBench(root: string, opts: { reps: number; rounds: number; python?: string; noTorch: boolean }): { regpath: Row[]; torch: Row[] | string; torchVersion?: string } {
  const cores = availableCores();
  const threads = [...new Set([1, cores])];
  const names = Object.keys(CONV_NETS);
  const ours = new Map<string, number[]>();
  const theirs = new Map<string, number[]>();
  const flopsOf: Record<string, number> = {};
  let torchStatus: string | undefined = opts.noTorch ? 'skipped (--no-torch)' : undefined;
  let version = '';
  const exe = opts.python ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const backends = threads.map((t) => createWasmKernels({ threads: t }));
  const nets = backends.map((k) => names.map((name) => convNet(k, name)));
  for (let round = 0; round < opts.rounds; round++) {
    process.stderr.write(`round ${round + 1}/${opts.rounds}: regpath ...\n`);
    threads.forEach((t, ti) => names.forEach((name, ni) => {
      const net = nets[ti]![ni]!;
      flopsOf[name] = net.flops;
      const key = `${name}/${t}`;
      ours.set(key, [...(ours.get(key) ?? []), ...samples(net.step, opts.reps)]);
    }));
    if (torchStatus !== undefined) continue;
    process.stderr.write(`round ${round + 1}/${opts.rounds}: PyTorch ...\n`);
    const tr = torchRound(root, exe, threads, opts.reps);
    if (typeof tr === 'string') {
      torchStatus = `no python3 with torch (${tr})`;
      continue;
    }
    version = tr.version;
    for (const [key, ts] of tr.times) theirs.set(key, [...(theirs.get(key) ?? []), ...ts]);
  }
  for (const k of backends) k.close();
  const rows = (m: Map<string, number[]>): Row[] => [...m].map(([key, ts]) => summary(key.split('/')[0]!, Number(key.split('/')[1]), ts));
  const regpath = rows(ours), torch = torchStatus ?? rows(theirs);
  const f = (x: number, d = 1): string => x.toFixed(d);
  console.log(`\nTraining step of a CNN (forward, backward, SGD update), ms as median (min) over ${opts.rounds} rounds × ${opts.reps} reps; ${torchStatus ?? version}`);
  for (const name of names) {
    const gf = flopsOf[name]! / 1e9;
    console.log(`  ${name} (batch ${CONV_NETS[name]!.batch}, ${f(gf, 2)} GFLOP per step):`);
    for (const r of regpath.filter((r) => r.net === name)) {
      const tr = typeof torch === 'string' ? undefined : torch.find((q) => q.net === name && q.threads === r.threads);
      console.log(
        `    ${r.threads} thread(s): regpath ${f(r.median_ms)} (${f(r.min_ms)}) = ${f(gf / (r.median_ms / 1e3))} GFLOP/s` +
        (tr ? `;  PyTorch ${f(tr.median_ms)} (${f(tr.min_ms)}) = ${f(gf / (tr.median_ms / 1e3))} GFLOP/s; ratio ${f(r.median_ms / tr.median_ms, 2)}` : ''),
      );
    }
    if (typeof torch !== 'string') {
      const best = torch.filter((r) => r.net === name).sort((a, b) => a.median_ms - b.median_ms)[0]!;
      const def = regpath.find((r) => r.net === name && r.threads === cores)!;
      console.log(`    regpath at ${cores} thread(s) / PyTorch's best (${best.threads} thread(s)): ${f(def.median_ms / best.median_ms, 2)} (median), ${f(def.min_ms / Math.min(...torch.filter((r) => r.net === name).map((r) => r.min_ms)), 2)} (min)`);
    }
  }
  return { regpath, torch, ...(version && { torchVersion: version }) };
}
