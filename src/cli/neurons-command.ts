import { formatLiveAlongPath, liveAlongPath } from '../neurons/live-path.js';
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { fail } from '../errors.js';
import { kernels } from '../kernels/index.js';
import { openRun, resolvePoint, type PointSpec } from '../export/run.js';
import { addFlags, readFlags, type FlagName } from './flags.js';
import { checkOutFree, defaultRunDir, RunFolder } from '../io/run-folder.js';
import { SETTINGS_FILE, SETTINGS_FORMAT } from '../io/run.js';
import { writeSafetensors } from '../io/safetensors.js';
import { analyseNeurons, checkReluNet, checkTolerance, type NeuronAnalysis } from '../neurons/analyse.js';
import { netToTensors } from '../neurons/network.js';
import { reduceNetwork, type NetState, type ReduceOptions, type ReduceReport } from '../neurons/reduce.js';
import { loadFromFile, loadFromRun, type NeuronSource } from '../neurons/source.js';
import { parseCount, parseLambda } from '../experiments/parse.js';
import { toDeviceSplit } from '../experiments/train.js';
import { pct, table, TaskProgress } from './task-progress.js';

/** The analysis's and the reduction's defaults (the reduction as in the reference experiment). */
export const NEURONS_DEFAULTS = {
  point: 'the densest', width: 'the widest', data: 'mnist', n: 'all', seed: 1, testFraction: 0.2, standardize: false, tol: 1e-6,
  lambda: 'the run\'s', maxIncrease: 0.05, retrainSteps: 300, learningRate: 1e-3, removeFraction: 0.1, maxRounds: 60,
} as const;

const NEURONS_FLAGS = [
  'point', 'width', 'network', 'data', 'n', 'seed', 'testFraction', 'standardize', 'tol', 'writeReduced', 'json',
  'reduce', 'lambda', 'maxIncrease', 'retrainSteps', 'learningRate', 'removeFraction', 'maxRounds', 'out', 'threads',
] as const satisfies readonly FlagName[];
type NeuronsFlags = Partial<{
  point: PointSpec; width: number; network: string; data: string; n: number; seed: number; testFraction: number; standardize: boolean;
  tol: number; writeReduced: string; json: boolean; reduce: boolean; lambda: number; maxIncrease: number; retrainSteps: number;
  learningRate: number; removeFraction: number; maxRounds: number; out: string;
}>;

export function neuronsCommand(program: Command): void {
  const cmd = program
    .command('neurons')
    .argument('[run]', 'a path run (with --point) or a widths run (with --width)')
    .description('neurons needed per hidden layer of a ReLU network: dead, constant, left after merging aligned ones, rank of K, N(N+1); --reduce shrinks it');
  addFlags(cmd, NEURONS_FLAGS, {
    defaults: NEURONS_DEFAULTS,
    notes: { point: 'path run', data: 'with --network', n: 'with --network', seed: 'with --network', testFraction: 'with --network', standardize: 'with --network',
      lambda: '--reduce', learningRate: '--reduce', out: '--reduce' },
  });
  cmd.action((run: string | undefined, given: Record<string, unknown>) => {
    const f = readFlags(given, NEURONS_FLAGS) as NeuronsFlags;
    const d = NEURONS_DEFAULTS;
    // every option is checked before anything is loaded or written
    const tol = checkTolerance('--tol', f.tol ?? d.tol);
    if (run !== undefined && f.network !== undefined) fail('BAD_OPTION', 'give either a run folder or --network <file>, not both');
    if (run === undefined && f.network === undefined) fail('BAD_OPTION', 'neurons needs a run folder or --network <file>');
    const point = f.point === undefined ? undefined : f.point === 'selected' ? resolvePoint(openRun(run!), 'selected') : f.point;
    const width = f.width === undefined ? undefined : parseCount(f.width, '--width', 1, 1e6);
    const reduceOpts = f.reduce ? {
      tolerance: checkTolerance('--max-increase', f.maxIncrease ?? d.maxIncrease),
      tol,
      retrainSteps: parseCount(f.retrainSteps ?? d.retrainSteps, '--retrain-steps', 1, 1e7),
      lr: parseLambda(f.learningRate ?? d.learningRate, '--lr'),
      removeFraction: checkTolerance('--remove-fraction', f.removeFraction ?? d.removeFraction),
      maxRounds: parseCount(f.maxRounds ?? d.maxRounds, '--max-rounds', 1, 100000),
    } : null;
    if (f.out !== undefined) {
      if (!f.reduce) fail('BAD_OPTION', '--out is for --reduce (plain analysis prints, or writes with --write-reduced)');
      checkOutFree(f.out);
    }
    if (f.writeReduced !== undefined && fs.existsSync(f.writeReduced)) fail('BAD_OPTION', `--write-reduced ${f.writeReduced} already exists; choose another file`);
    // a network with image layers: live units (conv channels) per layer along the path
    const live = run !== undefined && !reduceOpts && point === undefined && width === undefined && fs.existsSync(path.join(run, 'path.json')) ? liveAlongPath(run) : null;
    if (live) {
      process.stdout.write(f.json ? JSON.stringify(live) + '\n' : formatLiveAlongPath(live));
      return;
    }
    const src: NeuronSource = run !== undefined
      ? loadFromRun(run, { ...(point !== undefined && { point }), ...(width !== undefined && { width }) })
      : loadFromFile(f.network!, {
        data: f.data ?? d.data, n: f.n === undefined ? null : parseCount(f.n, '--n', 1, 1e9), seed: parseCount(f.seed ?? d.seed, '--seed', 0, 2 ** 32 - 1),
        testFraction: f.testFraction === undefined ? null : checkTolerance('--test-fraction', f.testFraction), standardize: f.standardize ?? d.standardize,
      });
    checkReluNet(src.net, src.label);
    if (!reduceOpts) {
      const a = analyseNeurons(src.net, src.train.x, src.train.rows, tol);
      if (f.writeReduced !== undefined) {
        const { tensors, metadata } = netToTensors(a.reduced);
        writeSafetensors(f.writeReduced, tensors, metadata);
      }
      const result = { format: 'regpath.neurons/1', network: src.label, layers: src.net.layers, reducedLayers: a.reduced.layers, rows: a.rows, tol, perLayer: a.layers };
      process.stdout.write(f.json ? JSON.stringify(result) + '\n' : formatAnalysis(src, a) + (f.writeReduced ? `reduced network (${a.reduced.layers.join('-')}) written to ${f.writeReduced}\n` : ''));
      return;
    }
    const lambda = f.lambda ?? src.lambda;
    if (lambda === null) fail('BAD_OPTION', `--reduce needs --lambda: ${src.label} does not record the l2 strength it was trained with`);
    const o: ReduceOptions = { lambda, ...reduceOpts };
    const k = kernels();
    const dev = toDeviceSplit(k, src.train, src.test);
    const folder = RunFolder.create(f.out ?? defaultRunDir(new Date(), 'runs'), { resume: false });
    folder.writeJson(SETTINGS_FILE, { format: SETTINGS_FORMAT, command: 'neurons-reduce', source: src.source, options: o });
    const progress = new TaskProgress(!f.json);
    progress.line(`regpath neurons --reduce: ${src.label} (${src.net.layers.join('-')}), N = ${src.train.rows}, λ ${lambda}, J within ${(100 * o.tolerance).toFixed(0)}% → ${folder.dir}`);
    try {
      const { report, reduced } = reduceNetwork(k, src.net, dev, o, (e) => {
        if (e.type === 'start') {
          progress.line(`  unreduced ${e.before.layers.join('-')}: J ${e.before.objective.toPrecision(5)} (limit ${e.limit.toPrecision(5)}); dead removed and aligned merged: ${e.pruned.layers.join('-')}, J ${e.pruned.objective.toPrecision(5)}`);
        } else {
          const r = e.round;
          progress.line(`  round ${r.round}: -${r.removed} → ${r.layers.join('-')}, J ${r.objective.toPrecision(5)} ${r.accepted ? 'kept' : 'over the limit, back'} (${progress.elapsed().toFixed(0)} s)`);
          folder.appendLog('rounds.jsonl', r);
        }
      });
      const { tensors, metadata } = netToTensors(reduced);
      folder.writeTensors('reduced.safetensors', tensors, { ...metadata, lambda: String(lambda) });
      if (f.writeReduced !== undefined) writeSafetensors(f.writeReduced, tensors, { ...metadata, lambda: String(lambda) });
      const result = { format: 'regpath.reduce/1', network: src.label, ...report };
      folder.writeJson('reduce.json', result);
      progress.stop();
      process.stdout.write(f.json ? JSON.stringify(result) + '\n' : formatReduce(report, folder.dir));
    } finally {
      progress.stop();
    }
  });
}

export function formatAnalysis(src: NeuronSource, a: NeuronAnalysis): string {
  const rows = a.layers.map((l) => [String(l.layer), String(l.neurons), String(l.dead), String(l.constant), String(l.merged), String(l.left), String(l.rank), l.bound.toLocaleString('en-US')]);
  let s = `\n${src.label}: layers ${src.net.layers.join('-')}, N = ${a.rows} training rows, tolerance ${a.tol}\n\n`;
  s += table(['hidden layer', 'neurons', 'dead', 'constant (into bias)', 'merged', 'left (upper bound)', 'rank of K (lower bound)', 'N(N+1)'], rows);
  return s;
}

function stateRow(name: string, s: NetState): string[] {
  return [name, s.layers.slice(1, -1).join(', '), s.objective.toFixed(5), s.loss.toFixed(5), s.penalty.toFixed(2), pct(s.trainAccuracy), pct(s.testAccuracy)];
}

export function formatReduce(r: ReduceReport, dir: string): string {
  let s = '\n' + table(['network', 'hidden neurons', 'J', 'CE loss', 'Σ‖W‖²', 'train acc', 'test acc'], [
    stateRow('unreduced', r.before), stateRow('dead/merged', r.pruned), stateRow('reduced', r.after),
  ]);
  const change = (r.after.objective / r.before.objective - 1) * 100;
  s += `\nJ = CE + ${r.lambda}·Σ‖W‖²: reduced ${r.after.objective.toFixed(5)} vs unreduced ${r.before.objective.toFixed(5)} (${change >= 0 ? '+' : ''}${change.toFixed(2)}%, limit +${(100 * r.tolerance).toFixed(0)}%)\n`;
  s += `${r.rounds.length} rounds (${r.rounds.filter((x) => x.accepted).length} kept) in ${r.seconds.toFixed(0)} s; saved in ${dir}\n`;
  return s;
}
