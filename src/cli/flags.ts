/**
 * Every command-line flag of regpath, declared once: its syntax, what it means, and how its text
 * is parsed. Commands pick flags from this table by name (`addFlags`), so a flag means the same
 * and parses the same in every command. Defaults are not written here: each command passes the
 * defaults of the library options it fills (PATH_DEFAULTS, ENSEMBLE_DEFAULTS, …), which are
 * the same objects the library's check*Options functions apply, and the help text states them
 * from there. A flag left out on the command line stays undefined, so the library's default
 * applies.
 *
 * To add a flag: add one entry below (key = the library option it fills), then name it in the
 * command's `addFlags(cmd, [...], DEFAULTS)` list. `readFlags` copies every given flag into the
 * options object under its key.
 *
 * Parsers check only the form of the text (an integer, a number, a list); ranges and everything
 * that depends on other options are checked by the library, so the CLI and the library say the
 * same thing. Every parse error is a RegpathError: `--flag: expected …, got "text"`.
 */
import { Command, Option } from 'commander';
import { fail } from '../errors.js';
import { parseHidden, parseInputShape } from '../path/options.js';
import { methodNames } from '../path/methods.js';
import { parsePointSpec } from '../export/run.js';
import { EXPORT_FORMATS } from '../export/export.js';
import { REPORT_FORMATS } from '../report/formats.js';
import { MAX_THREADS } from '../kernels/wasm/threads.js';
import { parseLambda, parseWidths } from '../experiments/parse.js';

export interface FlagSpec {
  /** commander syntax: '--seed <n>', or '--resume' for a switch. */
  syntax: string;
  help: string;
  /** Text → value (throws a RegpathError naming the flag); a switch has none. */
  parse?: (text: string, flag: string) => unknown;
  /** Allowed values (listed in the help, checked by commander). */
  choices?: readonly string[];
  /** A switch with a `--no-` form (`--standardize` / `--no-standardize`). */
  negatable?: string;
}

const integer = (text: string, flag: string): number => {
  if (!/^-?\d+$/.test(text.trim())) fail('BAD_OPTION', `${flag}: expected an integer, got "${text}"`);
  return Number(text);
};
const number = (text: string, flag: string): number => {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) fail('BAD_OPTION', `${flag}: expected a number, got "${text}"`);
  return x;
};
const numbers = (text: string, flag: string): number[] => {
  const parts = text.split(',').map((s) => s.trim());
  const xs = parts.map(Number);
  if (parts.some((s) => s === '') || xs.some((x) => !Number.isFinite(x))) fail('BAD_OPTION', `${flag}: expected comma-separated numbers such as 0,0.5,1, got "${text}"`);
  return xs;
};
const strings = (text: string): string[] => text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
const threads = (text: string, flag: string): number => {
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > MAX_THREADS) fail('BAD_OPTION', `${flag}: expected an integer from 1 to ${MAX_THREADS}, got "${text}"`);
  return n;
};
const text = (t: string): string => t;

/** The table. Keys are the library option each flag fills (commander's attribute may differ: --lr → learningRate). */
export const FLAGS = {
  // data and split (path, compare, ensemble, credit, widths, neurons --network, l1-vs-l2)
  data: { syntax: '--data <spec>', help: 'mnist | iris | fashion-mnist | file.csv | folder of IDX files', parse: text },
  target: { syntax: '--target <column>', help: 'CSV target column', parse: text },
  task: { syntax: '--task <task>', help: 'classification or regression (auto: inferred from the target)', choices: ['classify', 'regress', 'auto'] },
  seed: { syntax: '--seed <n>', help: 'seed of the split, the initialisation, the batches (and the ensemble\'s noise)', parse: integer },
  testFraction: { syntax: '--test-fraction <f>', help: 'share of rows held out for testing, stratified (0 for none)', parse: number },
  standardize: {
    syntax: '--standardize', negatable: '--no-standardize',
    help: 'standardise features with the training part\'s mean and std (--no-standardize: use them as they are)',
  },
  standardizeTarget: {
    syntax: '--standardize-target', negatable: '--no-standardize-target',
    help: 'regression: fit the target standardised (losses in units of its variance; predictions and exports in its units)',
  },
  // the model
  hidden: { syntax: '--hidden <widths>', help: 'hidden layer widths, e.g. 20,20; 0 for a linear model', parse: (t: string) => parseHidden(t) },
  arch: {
    syntax: '--arch <layers>', parse: text,
    help: 'hidden layers as a list instead of --hidden: conv<C>k<K>[s<S>][p<P>], pool<K>, avgpool<K>, fc<N>, e.g. conv6k5,pool2,conv16k5,pool2,fc32 (the output layer is implied by the data)',
  },
  inputShape: { syntax: '--input-shape <C,H,W>', help: 'shape of a CSV row for --arch, e.g. 3,32,32 (columns channel by channel); IDX and CIFAR images know theirs', parse: (t: string) => parseInputShape(t) },
  activation: { syntax: '--activation <name>', help: 'hidden activation', choices: ['relu', 'tanh', 'sigmoid', 'identity'] },
  penalizeBias: { syntax: '--penalize-bias', help: 'penalise biases too (off: weights only)' },
  // path methods
  method: { syntax: '--method <name>', help: `path method: ${methodNames().join(' | ')}`, parse: text },
  methods: { syntax: '--methods <list>', help: `comma-separated path methods: ${methodNames().join(', ')}`, parse: strings },
  penalty: { syntax: '--penalty <p>', help: 'second objective: l1 (‖θ‖₁) or l2 (‖θ‖², the weight-decay path; --method sweep)', choices: ['l1', 'l2'] },
  points: { syntax: '--points <n>', help: 'target number of front points', parse: integer },
  batch: { syntax: '--batch <n>', help: 'mini-batch size', parse: integer },
  direction: { syntax: '--direction <d>', help: 'branches to follow from the initial point', choices: ['both', 'denser', 'sparser'] },
  step: { syntax: '--step <h>', help: 'continuation: initial multiobjective proximal gradient step size (adapted)', parse: number },
  tolerance: { syntax: '--tolerance <t>', help: 'continuation: a linear model\'s corrector stops when its stationarity falls to t × its start value; a network\'s when a check moves the point less than t × spacing', parse: number },
  maxCorrectorSteps: { syntax: '--max-corrector-steps <n>', help: 'continuation: cap on steps per corrector', parse: integer },
  nlambda: { syntax: '--nlambda <n>', help: 'sweep: number of λ values', parse: integer },
  lambdaMinRatio: { syntax: '--lambda-min-ratio <r>', help: 'sweep: smallest λ as a fraction of λ_max', parse: number },
  fitEpochs: { syntax: '--fit-epochs <n>', help: 'sweep, weighted-sum: cap on epochs per fit', parse: integer },
  denseEpochs: { syntax: '--dense-epochs <n>', help: 'sweep, weighted-sum: SGD epochs of the dense start of a network; continuation: of the dense probe at a regression network\'s flat end (0: none)', parse: integer },
  learningRate: { syntax: '--lr <rate>', help: 'learning rate of the command\'s optimiser (path: the heavy-ball SGD, momentum 0.9, of the baselines and of the continuation on mini-batches; ensemble, widths, neurons --reduce: Adam)', parse: number },
  population: { syntax: '--population <n>', help: 'nsga2: population size', parse: integer },
  generations: { syntax: '--generations <n>', help: 'nsga2: number of generations', parse: integer },
  l1Ref: { syntax: '--l1-ref <x>', help: 'l1 normalisation of the hypervolume and gap', parse: number },
  folds: { syntax: '--folds <k>', help: 'K-fold cross-validation of the training part: mean/SE validation loss, min and 1-SE points', parse: integer },
  validationFraction: { syntax: '--validation-fraction <f>', help: 'hold out this share of the training part for validation (model selection)', parse: number },
  runs: { syntax: '--runs <list>', help: 'comma-separated finished run folders to include', parse: strings },
  // run folders and output
  out: { syntax: '--out <folder>', help: 'run folder', parse: text },
  resume: { syntax: '--resume', help: 'finish the interrupted run in --out' },
  json: { syntax: '--json', help: 'print only a machine-readable result on stdout' },
  threads: { syntax: '--threads <n>', help: `threads of the WebAssembly kernels, 1..${MAX_THREADS} `, parse: threads },
  // one point of a run
  point: { syntax: '--point <i|selected>', help: 'a front point: its index into path.json "points" (0-based, l1 ascending; not the raw "point" number of the printed table), or "selected" (RUN/selected.json)', parse: (t: string) => parsePointSpec(t) },
  // one flag, the output's format; each command checks its own set (export: the model, report: the page or a figure)
  format: { syntax: '--format <format>', help: `output format (export: ${EXPORT_FORMATS.join(' | ')}; report: ${REPORT_FORMATS.join(' | ')})`, parse: text },
  input: { syntax: '--input <file.csv>', help: 'rows to predict: a header with the training feature names (any order; the target column may be present)', parse: text },
  rule: {
    syntax: '--rule <rule>', parse: text,
    help: 'min | 1se (need --folds or --validation-fraction) | nonzeros=N (densest with at most N non-zeros) | accuracy=A (sparsest with validation, else test, accuracy ≥ A; 0.95 or 95%)',
  },
  // the ensemble of subnetworks
  recipe: { syntax: '--recipe <name>', help: 'training recipe of the published code (see the README)', choices: ['prl2020', 'code2022', 'hybrid'] },
  epochs: { syntax: '--epochs <n>', help: 'training epochs', parse: integer },
  lrHalveEvery: { syntax: '--lr-halve-every <epochs>', help: 'halve the learning rate every this many epochs (0: constant)', parse: integer },
  decay: { syntax: '--decay <d>', help: 'decoupled decay per step: x ← x − lr·d·x (of m and Ξ, and of π in code2022)', parse: number },
  samples: { syntax: '--samples <k>', help: 'sampled subnetworks for the accuracy spread and each perturbation', parse: integer },
  checkpointEvery: { syntax: '--checkpoint-every <epochs>', help: 'write a resumable checkpoint every this many epochs', parse: integer },
  evalEvery: { syntax: '--eval-every <epochs>', help: 'test accuracy of the mean-field network every this many epochs', parse: integer },
  perturb: { syntax: '--perturb', help: 'also run the perturbation checks of the first layer' },
  fractions: { syntax: '--fractions <list>', help: 'perturbation fractions in [0, 1]', parse: numbers },
  // credit: two finished runs
  path: { syntax: '--path <run>', help: 'finished run folder of regpath path', parse: text },
  ensemble: { syntax: '--ensemble <run>', help: 'finished run folder of regpath ensemble (same layers, data, seed and test fraction)', parse: text },
  // neurons, widths, l1-vs-l2
  width: { syntax: '--width <w>', help: 'widths run: the network of this width', parse: integer },
  network: { syntax: '--network <file>', help: 'any regpath weights file (.safetensors) instead of a run; data from --data, --n, --seed', parse: text },
  n: { syntax: '--n <rows>', help: 'training rows N: the first N of the seeded training part', parse: integer },
  tol: { syntax: '--tol <t>', help: 'relative tolerance (0,1) of dead neurons, merging and the rank of K', parse: number },
  writeReduced: { syntax: '--write-reduced <file>', help: 'write the network without dead neurons and with aligned ones merged (.safetensors)', parse: text },
  reduce: { syntax: '--reduce', help: 'prune, merge, then remove the weakest neurons with retraining while J stays within --max-increase' },
  lambda: { syntax: '--lambda <λ>', help: 'l2 strength of J = CE + λ Σ‖W‖² (weights of every layer, not biases)', parse: (t: string, flag: string) => parseLambda(t, flag) },
  maxIncrease: { syntax: '--max-increase <f>', help: '--reduce: allowed relative increase of J over the unreduced network\'s', parse: number },
  retrainSteps: { syntax: '--retrain-steps <n>', help: '--reduce: full-batch Adam steps after each removal', parse: integer },
  removeFraction: { syntax: '--remove-fraction <f>', help: '--reduce: first round removes this share of the live neurons (halved on failure)', parse: number },
  maxRounds: { syntax: '--max-rounds <n>', help: '--reduce: cap on removal rounds', parse: integer },
  widths: { syntax: '--widths <list>', help: 'hidden widths to train', parse: (t: string) => parseWidths(t) },
  steps: { syntax: '--steps <n>', help: 'full-batch Adam steps per network', parse: integer },
  seeds: { syntax: '--seeds <k>', help: 'initialisations per width (the best is kept)', parse: integer },
  plateau: { syntax: '--plateau <f>', help: 'the plateau starts at the first width within this fraction of the widest\'s objective', parse: number },
  hiddenLayers: { syntax: '--hidden-layers <n>', help: 'hidden layers of width w (2: depth 3)', parse: integer },
  init: { syntax: '--init <name>', help: 'torch (PyTorch nn.Linear default: U(±1/√fan_in)) or he (regpath path\'s)', choices: ['torch', 'he'] },
  targets: { syntax: '--targets <list>', help: 'percentages of the weights left non-zero', parse: text },
  l1Run: { syntax: '--l1 <run>', help: 'use this l1 path run instead of computing one (same data, --hidden and --seed)', parse: text },
  l1Method: { syntax: '--l1-method <name>', help: 'method of the l1 path when it is computed', parse: text },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

/** Defaults that are the same in every command (the library options have none for them). */
const COMMON_DEFAULTS: Defaults = { target: 'the last column', out: 'runs/<date-time>', threads: 'REGPATH_THREADS, else the available cores' };

/** Default values as the help shows them: a value, or a sentence for a default that depends on something. */
export type Defaults = Partial<Record<FlagName, unknown>>;

export type HelpNotes = Partial<Record<FlagName, string>>;

function showDefault(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (Array.isArray(v)) return v.join(',');
  return String(v);
}

/** commander's attribute for a flag: --max-corrector-steps → maxCorrectorSteps, --no-standardize → standardize. */
function attribute(syntax: string): string {
  return syntax.split(' ')[0]!.replace(/^--(no-)?/, '').replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export interface CommandFlags {
  /** The defaults of the library options this command fills, as the help states them. */
  defaults?: Defaults;
  /** Flags the command cannot run without. */
  required?: readonly FlagName[];
  /** A word of context for a flag in this command (the meaning stays the table's). */
  notes?: HelpNotes;
}

/** Adds the named flags to a command, each with the help of the table and the command's default. */
export function addFlags(cmd: Command, names: readonly FlagName[], { defaults = {}, required = [], notes = {} }: CommandFlags = {}): Command {
  for (const name of names) {
    const spec: FlagSpec = FLAGS[name];
    const d = name in defaults ? defaults[name] : COMMON_DEFAULTS[name];
    const help = (notes[name] ? `${notes[name]}: ` : '') + spec.help + (d !== undefined ? ` (default: ${showDefault(d)})` : '');
    const option = new Option(spec.syntax, help);
    if (spec.choices) option.choices(spec.choices);
    if (required.includes(name)) option.makeOptionMandatory();
    if (spec.parse) {
      const parse = spec.parse;
      const flag = spec.syntax.split(' ')[0]!;
      option.argParser((t: string) => parse(t, flag));
    }
    cmd.addOption(option);
    if (spec.negatable) cmd.addOption(new Option(spec.negatable, `(${spec.syntax} off)`));
  }
  return cmd;
}

/**
 * The flags given on the command line, under their option keys (flags left out are absent, so
 * the library applies its defaults).
 */
export function readFlags<K extends FlagName>(given: Record<string, unknown>, names: readonly K[]): Partial<Record<K, unknown>> {
  const out: Partial<Record<K, unknown>> = {};
  for (const name of names) {
    const v = given[attribute(FLAGS[name].syntax)];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** The threads flag of whichever command runs, applied before it runs (one place for all commands). */
export function threadsHook(program: Command, apply: (n: number) => void): void {
  program.hook('preAction', (_root, action) => {
    const n = action.opts()['threads'];
    if (typeof n === 'number') apply(n);
  });
}
