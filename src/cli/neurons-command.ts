import { formatLiveAlongPath, liveAlongPath } from '../neurons/live-path.js';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { fail } from '../errors.js';
import { configureThreads, kernels } from '../kernels/index.js';
import { MAX_THREADS } from '../kernels/wasm/threads.js';
import { defaultRunDir, RunFolder } from '../io/run-folder.js';
import { SETTINGS_FILE, SETTINGS_FORMAT } from '../io/run.js';
import { writeSafetensors } from '../io/safetensors.js';
import { analyseNeurons, checkReluNet, checkTolerance, type NeuronAnalysis } from '../neurons/analyse.js';
import { netToTensors } from '../neurons/network.js';
import { reduceNetwork, type NetState, type ReduceOptions, type ReduceReport } from '../neurons/reduce.js';
import { loadFromFile, loadFromRun, type NeuronSource } from '../neurons/source.js';
import { parseCount, parseLambda } from '../experiments/parse.js';
import { toDeviceSplit } from '../experiments/train.js';
import { pct, table, TaskProgress } from './task-progress.js';

export function threadsArg(v: string): number {
  const n = Number(v.trim());
  if (!/^\d+$/.test(v.trim()) || n < 1 || n > MAX_THREADS) throw new InvalidArgumentError(`--threads expects an integer from 1 to ${MAX_THREADS}, got "${v}"`);
  return n;
}

/** --out must be absent or an empty folder: checked before any work, without creating it. */
export function checkOutFree(dir: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) fail('BAD_RUN', `${dir} exists and is not a folder; choose another --out`);
  if (fs.readdirSync(dir).length > 0) fail('BAD_RUN', `${dir} already exists and is not empty; choose another --out`);
}

interface NeuronsFlags {
  point?: string; width?: string; network?: string;
  data: string; n?: string; seed: string; testFraction?: string; standardize: boolean;
  tol: string; writeReduced?: string; json?: boolean;
  reduce?: boolean; lambda?: string; tolerance: string; retrainSteps: string; lr: string; removeFraction: string; maxRounds: string;
  out?: string; threads?: number;
}

export function neuronsCommand(program: Command): void {
  program
    .command('neurons')
    .argument('[run]', 'a path run (with --point) or a widths run (with --width)')
    .description('neurons needed per hidden layer of a ReLU network: dead, constant, left after merging aligned ones, rank of K, N(N+1); --reduce shrinks it')
    .option('--point <i>', 'path run: front point (index into path.json points; default: the last, densest)')
    .option('--width <w>', 'widths run: the network of this width (default: the widest)')
    .option('--network <file>', 'any regpath weights file (.safetensors) instead of a run; data from --data, --n, --seed')
    .option('--data <spec>', 'with --network: its training data, as for regpath path', 'mnist')
    .option('--n <rows>', 'with --network: the first N rows of the training part (default: all)')
    .option('--seed <n>', 'with --network: seed of the train/test split', '1')
    .option('--test-fraction <f>', 'with --network: share held out for testing (default: 0.2)')
    .option('--standardize', 'with --network: standardise features on the training rows', false)
    .option('--tol <t>', 'relative tolerance (0,1) of dead neurons, merging and the rank of K', '1e-6')
    .option('--write-reduced <file>', 'write the network without dead neurons and with aligned ones merged (.safetensors)')
    .option('--json', 'print the result as JSON on stdout')
    .option('--reduce', 'prune, merge, then remove the weakest neurons with retraining while J stays within --tolerance')
    .option('--lambda <λ>', '--reduce: l2 strength of J = CE + λ Σ‖W‖² (default: the run\'s)')
    .option('--tolerance <f>', '--reduce: allowed relative increase of J over the unreduced network\'s', '0.05')
    .option('--retrain-steps <n>', '--reduce: full-batch Adam steps after each removal', '300')
    .option('--lr <rate>', '--reduce: Adam learning rate', '1e-3')
    .option('--remove-fraction <f>', '--reduce: first round removes this share of the live neurons (halved on failure)', '0.1')
    .option('--max-rounds <n>', '--reduce: cap on removal rounds', '60')
    .option('--out <folder>', '--reduce: run folder (default: runs/<date-time>)')
    .option('--threads <n>', 'threads of the WebAssembly kernels', threadsArg)
    .action((run: string | undefined, f: NeuronsFlags) => {
      // every option is checked before anything is loaded or written
      const tol = checkTolerance('--tol', Number(f.tol));
      if (run !== undefined && f.network !== undefined) fail('BAD_OPTION', 'give either a run folder or --network <file>, not both');
      if (run === undefined && f.network === undefined) fail('BAD_OPTION', 'neurons needs a run folder or --network <file>');
      const point = f.point === undefined ? undefined : parseCount(f.point, '--point', 0, 1e9);
      const width = f.width === undefined ? undefined : parseCount(f.width, '--width', 1, 1e6);
      const lambdaFlag = f.lambda === undefined ? undefined : parseLambda(f.lambda);
      const reduceOpts = f.reduce ? {
        tolerance: checkTolerance('--tolerance', Number(f.tolerance)),
        tol,
        retrainSteps: parseCount(f.retrainSteps, '--retrain-steps', 1, 1e7),
        lr: parseLambda(f.lr, '--lr'),
        removeFraction: checkTolerance('--remove-fraction', Number(f.removeFraction)),
        maxRounds: parseCount(f.maxRounds, '--max-rounds', 1, 100000),
      } : null;
      if (f.out !== undefined) {
        if (!f.reduce) fail('BAD_OPTION', '--out is for --reduce (plain analysis prints, or writes with --write-reduced)');
        checkOutFree(f.out);
      }
      if (f.writeReduced !== undefined && fs.existsSync(f.writeReduced)) fail('BAD_OPTION', `--write-reduced ${f.writeReduced} already exists; choose another file`);
      if (f.threads !== undefined) configureThreads(f.threads);
      // a network with image layers: live units (conv channels) per layer along the path
      const live = run !== undefined && !reduceOpts && point === undefined && width === undefined && fs.existsSync(path.join(run, 'path.json')) ? liveAlongPath(run) : null;
      if (live) {
        process.stdout.write(f.json ? JSON.stringify(live) + '\n' : formatLiveAlongPath(live));
        return;
      }
      const src: NeuronSource = run !== undefined
        ? loadFromRun(run, { ...(point !== undefined && { point }), ...(width !== undefined && { width }) })
        : loadFromFile(f.network!, {
          data: f.data, n: f.n === undefined ? null : parseCount(f.n, '--n', 1, 1e9), seed: parseCount(f.seed, '--seed', 0, 2 ** 32 - 1),
          testFraction: f.testFraction === undefined ? null : checkTolerance('--test-fraction', Number(f.testFraction)), standardize: f.standardize,
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
      const lambda = lambdaFlag ?? src.lambda;
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
