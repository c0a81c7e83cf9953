// `npm run bench -- --suite`: the continuation against the λ sweeps on twelve problems.
//
//   npm run bench -- --suite [--problems mnist,iris,...] [--methods continuation,sweep,torch]
//                            [--max-seconds S] [--python EXE] [--no-torch] [--seeds N]
//
// For every problem (bench/suite/problems.ts) and method, one child process (`regpath path
// --json`, or bench/torch_sweep.py on the same arrays): train hypervolume on a fixed
// normalisation (loss/L_null, l1/l1_ref), front points, largest gap, best test accuracy (an oracle
// choice: picked with the test set), wall seconds and peak RSS of the child. Linear problems also
// get the exact lasso path (test/reference/lasso.ts): the worst loss excess at the same l1 as % of
// the loss range, and the coverage of that range. Results go to bench/results/suite/<problem>.json
// as soon as each method finishes (an interrupted suite keeps what it did); the table of all saved
// results is written into docs/performance.md between the suite markers. `--seeds N` also runs
// regpath's methods with seeds 2..N (one run each, untimed) and records each seed's train
// hypervolume and best test accuracy: a network's front moves by a few thousandths of HV from seed
// to seed (and with any change to the path), so one seed's value is one draw.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode, run } from './suite/child.js';
import { preparedFor, writeArrays } from './suite/arrays.js';
import { ExactLasso, measureFront, nullLossOf, type FrontMeasures, type SuitePoint } from './suite/measure.js';
import { METHODS, PROBLEMS, type SuiteMethod, type SuiteProblem } from './suite/problems.js';
import { summarizeSeeds, writeSuiteTable, type ProblemResult, type MethodResult, type SeedSpread } from './suite/table.js';

/** A bad suite option: bench/run.ts prints its message alone and exits with status 2. */
export class SuiteOptionError extends Error {}

export async function runSuite(argv: string[], root: string): Promise<void> {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : undefined;
  };
  const list = <T extends string>(name: string, all: readonly T[]): T[] => {
    const v = value(name);
    if (v === undefined) return [...all];
    const asked = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = asked.filter((a) => !all.includes(a as T));
    if (bad.length) throw new SuiteOptionError(`${name}: unknown ${bad.join(', ')} (expected some of ${all.join(', ')})`);
    return asked as T[];
  };
  const problems = list('--problems', PROBLEMS.map((p) => p.name)).map((n) => PROBLEMS.find((p) => p.name === n)!);
  const methods = list('--methods', METHODS).filter((m) => m !== 'torch' || !argv.includes('--no-torch'));
  const maxSeconds = Number(value('--max-seconds') ?? 1800);
  const seeds = Number(value('--seeds') ?? 1);
  if (!Number.isInteger(seeds) || seeds < 1) throw new SuiteOptionError(`--seeds: expected a whole number of seeds ≥ 1, got ${value('--seeds')}`);
  const python = value('--python') ?? '/usr/bin/python3';
  const outDir = join(root, 'bench', 'results', 'suite');
  mkdirSync(outDir, { recursive: true });
  const log = (s: string): void => void process.stderr.write(`[suite ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  log(`problems ${problems.map((p) => p.name).join(', ')}; methods ${methods.join(', ')}; each run stopped after ${maxSeconds} s`);

  const torch = methods.includes('torch') ? torchInfo(python) : null;
  if (torch) log(`PyTorch ${torch.version} (${python}), BLAS: ${torch.blas}`);

  for (const problem of problems) {
    const file = join(outDir, `${problem.name}.json`);
    // methods not run this time keep their earlier results
    const previous: ProblemResult | null = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ProblemResult) : null;
    let prepared;
    try {
      prepared = preparedFor({ ...problem.options, data: resolveData(root, problem.options.data as string) });
    } catch (e) {
      log(`${problem.name}: skipped, data not available (${(e as Error).message})`);
      continue;
    }
    const exact = problem.linear ? new ExactLasso(prepared) : null;
    const l1Ref = problem.l1Ref ?? exact!.end.l1;
    const nullLoss = nullLossOf(prepared);
    const result: ProblemResult = {
      format: 'regpath.bench-suite/1', problem: problem.name, title: problem.title, date: new Date().toISOString(),
      l1Ref, l1RefNote: problem.l1Ref === null ? 'l1 of the exact lasso path at λ_max·1e-4' : 'fixed',
      nullLoss, trainRows: prepared.train.rows, testRows: prepared.test?.rows ?? 0,
      methods: { ...(previous?.l1Ref === l1Ref ? previous.methods : {}) },
      ...(exact && { exactEnd: exact.end }),
    };
    if (exact) result.methods['exact lasso'] = { ...measureFront(exact.front(200), nullLoss, l1Ref), seconds: null, peakRssMiB: null, stopped: false, note: 'reference: 200 points of the exact path up to λ_max·1e-4' };
    const save = (): void => writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    // One round runs every method once. When every method of the problem finished within a
    // minute, more rounds follow (see roundsFor) and each method's seconds is the median: on this
    // VM one run's time varies by ±10 % (±0.1 s on the one-second problems, where start-up is most
    // of it), as much as the methods differ. The rounds alternate the methods, so the VM's drift
    // falls on all alike. Runs are deterministic (seeded), so the front is the first run's.
    const runs = new Map<SuiteMethod, Outcome[]>();
    let rounds = 1;
    for (let round = 0; round < rounds; round++) {
      for (const method of methods) {
        if (method === 'torch' && (!problem.torch || !torch)) continue;
        if (round > 0 && !runs.has(method)) continue;
        if (round === 0) log(`${problem.name}: ${method} ...`);
        const r = method === 'torch' ? runTorch(root, problem, prepared, python, maxSeconds) : runRegpath(root, problem, method, maxSeconds);
        if (!r) continue;
        runs.set(method, [...(runs.get(method) ?? []), r]);
        const m = methodResult(runs.get(method)!, nullLoss, l1Ref, exact);
        result.methods[method] = m;
        save();
        if (round === 0) {
          log(`${problem.name}: ${method}: HV ${m.hypervolumeTrain.toFixed(4)}, ${m.points} points, gap ${m.largestGap.toFixed(3)}, ` +
            `${m.seconds!.toFixed(1)} s, ${m.peakRssMiB?.toFixed(0) ?? '?'} MiB${m.stopped ? ' (stopped at the time limit)' : ''}` +
            (m.lasso ? `, lasso excess ${m.lasso.worstExcessPercent.toFixed(3)} %, coverage ${m.lasso.coveragePercent.toFixed(1)} %` : ''));
        }
      }
      const all = [...runs.values()];
      if (round === 0) rounds = all.length > 0 && all.every((o) => !o[0]!.stopped) ? roundsFor(Math.max(...all.map((o) => o[0]!.seconds))) : 1;
      if (round === rounds - 1 && rounds > 1) {
        log(`${problem.name}: median of ${rounds} alternating runs: ` +
          [...runs].map(([method]) => `${method} ${result.methods[method]!.seconds!.toFixed(2)} s`).join(', '));
      }
    }
    // the other seeds (the seed flag also moves a random split: their training sets differ too)
    for (const method of seeds > 1 ? [...runs.keys()].filter((m) => m !== 'torch') : []) {
      const m = result.methods[method]!;
      const spread: SeedSpread = { seeds, hypervolumeTrain: [m.hypervolumeTrain], bestTestAccuracy: [m.bestTestAccuracy] };
      for (let seed = 2; seed <= seeds; seed++) {
        const r = runRegpath(root, problem, method, maxSeconds, seed);
        // a run stopped at the time limit has part of a front: it counts as failed
        const f = r && !r.stopped ? measureFront(r.points, nullLoss, l1Ref) : null;
        spread.hypervolumeTrain.push(f ? f.hypervolumeTrain : null);
        spread.bestTestAccuracy.push(f ? f.bestTestAccuracy : null);
      }
      m.seedSpread = spread;
      save();
      const s = summarizeSeeds(spread.hypervolumeTrain);
      log(`${problem.name}: ${method}: train HV over seeds 1–${seeds}: mean ${s.mean.toFixed(4)}, ${s.min.toFixed(4)}–${s.max.toFixed(4)}`);
    }
    if (torch) result.torch = torch;
    save();
  }
  const docs = join(root, 'docs', 'performance.md');
  writeSuiteTable(docs, outDir, PROBLEMS.map((p) => p.name));
  log(`table written to ${docs}`);
}

/** Rounds of a problem whose slowest method took `seconds` in the first: 5 within 10 s, 3 within a minute, else 1. */
export function roundsFor(seconds: number): number {
  return seconds <= 10 ? 5 : seconds <= 60 ? 3 : 1;
}

/** A method's measures from its runs: the first run's front, the median wall seconds, the largest peak RSS. */
function methodResult(runs: Outcome[], nullLoss: number, l1Ref: number, exact: ExactLasso | null): MethodResult {
  const r = runs[0]!;
  const seconds = runs.map((o) => o.seconds).sort((a, b) => a - b);
  const rss = runs.map((o) => o.peakRssMiB).filter((x): x is number => x !== null);
  const m: MethodResult = {
    ...measureFront(r.points, nullLoss, l1Ref), seconds: median(seconds),
    ...(runs.length > 1 && { runs: runs.length, secondsRange: [seconds[0]!, seconds[seconds.length - 1]!] as [number, number] }),
    peakRssMiB: rss.length ? Math.max(...rss) : null, stopped: r.stopped, ...(r.note && { note: r.note }),
  };
  if (exact && r.points.length) m.lasso = exact.deviation(r.points);
  return m;
}

/** The median of sorted numbers. */
export function median(sorted: number[]): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

/** The children's stderr (not committed: bench/results/suite/.gitignore). */
function logDir(root: string): string {
  const dir = join(root, 'bench', 'results', 'suite', 'logs');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Built-in names stay; a CSV under bench/data is found from the package root. */
function resolveData(root: string, data: string): string {
  return data.endsWith('.csv') ? join(root, data) : data;
}

interface Outcome {
  points: SuitePoint[];
  seconds: number;
  peakRssMiB: number | null;
  stopped: boolean;
  note?: string;
}

/** One `regpath path` child; `seed` (default: the CLI's) is passed as --seed. */
function runRegpath(root: string, problem: SuiteProblem, method: SuiteMethod, maxSeconds: number, seed?: number): Outcome | null {
  const dir = mkdtempSync(join(tmpdir(), `regpath-suite-${problem.name}-`));
  const out = join(dir, 'run');
  const args = problem.args.map((a) => (a.endsWith('.csv') ? join(root, a) : a));
  const seedArgs = seed === undefined ? [] : ['--seed', String(seed)];
  const c = runNode(dir, [join(root, 'bin', 'regpath.js'), 'path', '--json', '--method', method, ...args, ...(problem.methodArgs?.[method] ?? []), ...seedArgs, '--out', out],
    maxSeconds, join(logDir(root), `${problem.name}.${method}${seed === undefined ? '' : `.seed${seed}`}.log`));
  try {
    const pathJson = join(out, 'path.json');
    if (!existsSync(pathJson)) {
      process.stderr.write(`  ${method} on ${problem.name} failed (status ${c.status}) before its first point; see bench/results/suite/logs/${problem.name}.${method}.log\n`);
      return null;
    }
    const j = JSON.parse(readFileSync(pathJson, 'utf8')) as { status: string; points: SuitePoint[] };
    if (c.status !== 0 && !c.stopped) process.stderr.write(`  ${method} on ${problem.name} exited with status ${c.status}; its saved points are used\n`);
    return { points: j.points, seconds: c.seconds, peakRssMiB: c.peakRssMiB, stopped: c.stopped || j.status !== 'complete', ...(problem.methodArgs?.[method] && { note: problem.methodArgs[method]!.join(' ') }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runTorch(root: string, problem: SuiteProblem, prepared: ReturnType<typeof preparedFor>, python: string, maxSeconds: number): Outcome | null {
  const dir = mkdtempSync(join(tmpdir(), `regpath-suite-torch-${problem.name}-`));
  try {
    writeArrays(dir, prepared);
    const hidden = (problem.options.hidden ?? [20, 20]).join(',') || '0';
    // the script's own bound stops between two λ values; the hard one is a safety net
    const c = run(python, [join(root, 'bench', 'torch_sweep.py'), '--data', dir, '--hidden', hidden, '--activation', problem.options.activation ?? 'relu', '--max-seconds', String(0.9 * maxSeconds)],
      maxSeconds * 1.2, join(logDir(root), `${problem.name}.torch.log`));
    if (c.status !== 0) {
      process.stderr.write(`  torch_sweep.py on ${problem.name} failed (status ${c.status}); see bench/results/suite/logs/${problem.name}.torch.log\n`);
      return null;
    }
    const j = JSON.parse(c.stdout) as { points: SuitePoint[]; maxRssMiB: number; stopped: string | null; blas: { kind: string } };
    return { points: j.points, seconds: c.seconds, peakRssMiB: j.maxRssMiB, stopped: j.stopped !== null, note: `PyTorch prox-SGD sweep, BLAS ${j.blas.kind}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** torch's version and BLAS (from its build configuration and the library it loads), or null. */
function torchInfo(python: string): { version: string; blas: string } | null {
  const code = [
    'import torch, os, re',
    'a = torch.ones(64, 64); (a @ a).sum().item()',
    'm = re.search(r"BLAS_INFO=[^,\\s]*", torch.__config__.show())',
    'libs = sorted({os.path.realpath(l.split()[-1]) for l in open("/proc/self/maps") if "blas" in l.split()[-1]})',
    'print(torch.__version__); print((m.group(0) if m else "BLAS_INFO=?") + "; loaded: " + ", ".join(libs))',
  ].join('\n');
  const r = run(python, ['-c', code], 120, join(tmpdir(), 'regpath-suite-torch-probe.log'));
  if (r.status !== 0) {
    process.stderr.write(`[suite] no PyTorch sweep: ${python} cannot import torch\n`);
    return null;
  }
  const [version, blas] = r.stdout.trim().split('\n');
  if (!/openblas/i.test(blas ?? '')) process.stderr.write(`[suite] WARNING: torch does not use OpenBLAS (${blas}); with the reference BLAS it is ~8× slower and the comparison is meaningless\n`);
  return { version: version!, blas: blas! };
}

export type { FrontMeasures };
