import { Command, InvalidArgumentError, Option } from 'commander';
import { computePath, type PathEvent } from '../path/compute-path.js';
import { crossValidatePath } from '../select/cross-validate.js';
import { formatSelection, stageLabel } from './select-command.js';
import { parseHidden } from '../path/options.js';
import { methodNames } from '../path/methods.js';
import { RegpathError } from '../errors.js';
import { intArg, numArg } from './main.js';
import { Progress } from './progress.js';
import { formatSummary } from './report.js';
import { configureThreads } from '../kernels/index.js';
import { MAX_THREADS } from '../kernels/wasm/threads.js';

interface PathFlags {
  method?: string;
  penalty: 'l1' | 'l2';
  data: string;
  target?: string;
  task: 'classify' | 'regress' | 'auto';
  hidden?: number[];
  activation: 'relu' | 'tanh' | 'sigmoid' | 'identity';
  points?: number;
  batch?: number;
  seed?: number;
  penalizeBias?: boolean;
  standardize: boolean;
  testFraction?: number;
  direction: 'both' | 'denser' | 'sparser';
  step?: number;
  tolerance?: number;
  maxCorrectorSteps?: number;
  nlambda?: number;
  lambdaMinRatio?: number;
  fitEpochs?: number;
  denseEpochs?: number;
  lr?: number;
  population?: number;
  generations?: number;
  l1Ref?: number;
  out?: string;
  resume?: boolean;
  json?: boolean;
  folds?: number;
  validationFraction?: number;
  threads?: number;
}

export function pathCommand(program: Command): void {
  program
    .command('path')
    .description('compute the regularization path (loss vs l1 front) by the predictor-corrector continuation method or a baseline (--method)')
    .option('--method <name>', `path method: ${methodNames().join(' | ')} (default: continuation; sweep with --penalty l2)`)
    .addOption(new Option('--penalty <p>', 'second objective: l1 (‖θ‖₁) or l2 (‖θ‖², the weight-decay path; --method sweep)').choices(['l1', 'l2']).default('l1'))
    .option('--data <spec>', 'mnist | iris | fashion-mnist | file.csv | folder of IDX files', 'mnist')
    .option('--target <column>', 'CSV target column (default: the last column)')
    .addOption(new Option('--task <task>', 'classification or regression (default: inferred)').choices(['classify', 'regress', 'auto']).default('auto'))
    .option('--hidden <widths>', 'hidden layer widths, e.g. 20,20; 0 for a linear model (default: 20,20)', (v: string) => {
      try {
        return parseHidden(v);
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message.replace(/^--hidden: /, ''));
      }
    })
    .addOption(new Option('--activation <name>', 'hidden activation').choices(['relu', 'tanh', 'sigmoid', 'identity']).default('relu'))
    .option('--points <n>', 'target number of front points (default: 40)', intArg('--points'))
    .option('--batch <n>', 'mini-batch size (default: full batch up to 10,000 rows, else 5,600)', intArg('--batch'))
    .option('--seed <n>', 'seed for init, split and batches (default: 1)', intArg('--seed'))
    .option('--penalize-bias', 'penalise biases too (default: weights only)')
    .option('--standardize', 'standardise features on the training part (default)', true)
    .option('--no-standardize', 'use the features as they are')
    .option('--test-fraction <f>', 'share of rows held out for testing, 0 for none (default: 0.2)', numArg('--test-fraction'))
    .option('--validation-fraction <f>', 'hold out this share of the training part for validation (model selection)', numArg('--validation-fraction'))
    .option('--folds <k>', 'K-fold cross-validation of the training part: mean/SE validation loss, min and 1-SE points', intArg('--folds'))
    .addOption(new Option('--direction <d>', 'branches to follow from the initial point').choices(['both', 'denser', 'sparser']).default('both'))
    .option('--step <h>', 'initial multiobjective proximal gradient step size (default: 1, adapted)', numArg('--step'))
    .option('--tolerance <t>', 'linear model: corrector stops when its stationarity falls to t × its start value (default 0.01); network: when a check moves the point less than t × spacing (default 0.05; 0.02 with --batch)', numArg('--tolerance'))
    .option('--max-corrector-steps <n>', 'cap on steps per corrector (default: 2000)', intArg('--max-corrector-steps'))
    .option('--nlambda <n>', 'sweep: number of λ values (default: 100)', intArg('--nlambda'))
    .option('--lambda-min-ratio <r>', 'sweep: smallest λ as a fraction of λ_max (default: 1e-4)', numArg('--lambda-min-ratio'))
    .option('--fit-epochs <n>', 'sweep, weighted-sum: cap on epochs per fit (default: 1000 linear, 50 network)', intArg('--fit-epochs'))
    .option('--dense-epochs <n>', 'sweep, weighted-sum: SGD epochs of the dense start of a network (default: 300)', intArg('--dense-epochs'))
    .option('--lr <rate>', 'sweep, weighted-sum: SGD learning rate, momentum 0.9 (default: 0.1)', numArg('--lr'))
    .option('--population <n>', 'nsga2: population size (default: 100)', intArg('--population'))
    .option('--generations <n>', 'nsga2: number of generations (default: 250)', intArg('--generations'))
    .option('--l1-ref <x>', 'l1 normalisation of the hypervolume and gap (default: the largest l1 on the front)', numArg('--l1-ref'))
    .option('--out <folder>', 'run folder (default: runs/<date-time>)')
    .option('--resume', 'finish the interrupted run in --out')
    .option('--json', 'print only a machine-readable summary on stdout')
    .option('--threads <n>', `threads of the WebAssembly kernels, 1..${MAX_THREADS} (default: REGPATH_THREADS, else the available cores)`, (v: string) => {
      const n = Number(v.trim());
      if (!/^\d+$/.test(v.trim()) || n < 1 || n > MAX_THREADS) {
        throw new InvalidArgumentError(`--threads expects an integer from 1 to ${MAX_THREADS}, got "${v}"`);
      }
      return n;
    })
    .action(async (flags: PathFlags) => {
      if (flags.threads !== undefined) configureThreads(flags.threads);
      if (flags.resume && !flags.out) throw new RegpathError('BAD_OPTION', '--resume needs --out <folder> naming the run to finish');
      if (flags.penalty === 'l2' && (flags.folds !== undefined || flags.validationFraction !== undefined)) {
        throw new RegpathError('BAD_OPTION', '--penalty l2 does not support --folds or --validation-fraction (model selection is for l1 paths)');
      }
      const progress = flags.json ? null : new Progress();
      try {
        const result = await crossValidatePath({
          ...(flags.method !== undefined && { method: flags.method }),
          ...(flags.penalty === 'l2' && { penalty: 'l2' as const }),
          data: flags.data, task: flags.task, activation: flags.activation, standardize: flags.standardize,
          direction: flags.direction, resume: flags.resume ?? false,
          ...(flags.out !== undefined ? { out: flags.out } : { outParent: 'runs' }),
          ...(flags.target !== undefined && { target: flags.target }),
          ...(flags.hidden !== undefined && { hidden: flags.hidden }),
          ...(flags.points !== undefined && { points: flags.points }),
          ...(flags.batch !== undefined && { batch: flags.batch }),
          ...(flags.seed !== undefined && { seed: flags.seed }),
          ...(flags.penalizeBias !== undefined && { penalizeBias: flags.penalizeBias }),
          ...(flags.testFraction !== undefined && { testFraction: flags.testFraction }),
          ...(flags.step !== undefined && { step: flags.step }),
          ...(flags.tolerance !== undefined && { tolerance: flags.tolerance }),
          ...(flags.maxCorrectorSteps !== undefined && { maxCorrectorSteps: flags.maxCorrectorSteps }),
          ...(flags.nlambda !== undefined && { nlambda: flags.nlambda }),
          ...(flags.lambdaMinRatio !== undefined && { lambdaMinRatio: flags.lambdaMinRatio }),
          ...(flags.fitEpochs !== undefined && { fitEpochs: flags.fitEpochs }),
          ...(flags.denseEpochs !== undefined && { denseEpochs: flags.denseEpochs }),
          ...(flags.lr !== undefined && { learningRate: flags.lr }),
          ...(flags.population !== undefined && { population: flags.population }),
          ...(flags.generations !== undefined && { generations: flags.generations }),
          ...(flags.l1Ref !== undefined && { l1Ref: flags.l1Ref }),
          ...(flags.folds !== undefined && { folds: flags.folds }),
          ...(flags.validationFraction !== undefined && { validationFraction: flags.validationFraction }),
          onProgress: (e: PathEvent) => progress?.update(e),
          onStage: (s) => progress?.setPrefix(stageLabel(s)),
        });
        progress?.stop();
        if (flags.json) {
          const { parameters: _p, raw: _r, ...rest } = result;
          process.stdout.write(JSON.stringify({ ...rest, points: rest.points }) + '\n');
        } else {
          process.stdout.write(formatSummary(result) + formatSelection(result.selection));
        }
      } finally {
        progress?.stop();
      }
    });
}
