import type { PathOptions } from '../../src/path/options.js';

/**
 * The problems of `npm run bench -- --suite`. `options` are regpath path's options (every method
 * of a problem gets the same data, split, seed and model); `args` the same as CLI flags.
 */
export interface SuiteProblem {
  name: string;
  title: string;
  options: PathOptions;
  args: string[];
  /**
   * l1 normalisation of the hypervolume and the gap, fixed across methods so their numbers compare
   * (null: the exact lasso path's l1 at glmnet's end, λ_max·1e-4, computed by the suite).
   */
  l1Ref: number | null;
  /** A linear model: its front is checked against the exact lasso path. */
  linear: boolean;
  /** The PyTorch λ sweep (bench/torch_sweep.py) runs on it. */
  torch: boolean;
  /** Extra flags per method, e.g. the bound on the Fashion-MNIST sweep. */
  methodArgs?: Partial<Record<string, string[]>>;
}

/**
 * Fashion-MNIST's sweeps are bounded by epochs, not left to run: regpath's sweep gets the PyTorch
 * recipe's 22 epochs per λ (`--fit-epochs 22`; its default cap of 50 took 1,179 s and was still
 * running), and every child process is stopped after the suite's --max-seconds (what it computed
 * so far is kept and marked "stopped").
 */
export const PROBLEMS: SuiteProblem[] = [
  { name: 'mnist', title: 'MNIST 10k, 784-20-20-10 ReLU', options: { data: 'mnist' }, args: ['--data', 'mnist'], l1Ref: 450, linear: false, torch: true },
  {
    name: 'fashion-mnist', title: 'Fashion-MNIST 60k, 784-20-20-10 ReLU', options: { data: 'fashion-mnist' }, args: ['--data', 'fashion-mnist'],
    l1Ref: 300, linear: false, torch: true, methodArgs: { sweep: ['--fit-epochs', '22'] },
  },
  {
    name: 'iris', title: 'Iris, 4-4-4-3 tanh', options: { data: 'iris', hidden: [4, 4], activation: 'tanh' },
    args: ['--data', 'iris', '--hidden', '4,4', '--activation', 'tanh'], l1Ref: 40, linear: false, torch: false,
  },
  {
    // a classifier on small images no rule was tuned on (scikit-learn's digits, 8×8, 10 classes)
    name: 'digits', title: 'digits (scikit-learn), 64-20-20-10 ReLU', options: { data: 'bench/data/digits.csv', hidden: [20, 20] },
    args: ['--data', 'bench/data/digits.csv', '--hidden', '20,20'], l1Ref: 150, linear: false, torch: true,
  },
  {
    // a regression network as a user runs it: features and target (mean 152, std 77) standardised
    name: 'diabetes-net', title: 'diabetes, 10 ReLU units, target standardised', options: { data: 'bench/data/diabetes.csv', hidden: [10] },
    args: ['--data', 'bench/data/diabetes.csv', '--hidden', '10'], l1Ref: 60, linear: false, torch: false,
  },
  {
    // the same network fitted to the target in its own units, features standardised
    name: 'diabetes-net-raw', title: 'diabetes, 10 ReLU units, target in its own units', options: { data: 'bench/data/diabetes.csv', hidden: [10], standardizeTarget: false },
    args: ['--data', 'bench/data/diabetes.csv', '--hidden', '10', '--no-standardize-target'], l1Ref: 400, linear: false, torch: false,
  },
  {
    // a regression network on synthetic data with known structure (5 of 10 features matter), target in the thousands
    name: 'friedman-net', title: 'Friedman #1, 20,20 ReLU units, target standardised', options: { data: 'bench/data/friedman1.csv', hidden: [20, 20] },
    args: ['--data', 'bench/data/friedman1.csv', '--hidden', '20,20'], l1Ref: 120, linear: false, torch: false,
  },
  {
    // the same network fitted to the target in its own units (variance 2.7e5): the sweep's dense
    // fit reaches l1 ≈ 900, where the continuation's front ends near 300
    name: 'friedman-net-raw', title: 'Friedman #1, 20,20 ReLU units, target in its own units', options: { data: 'bench/data/friedman1.csv', hidden: [20, 20], standardizeTarget: false },
    args: ['--data', 'bench/data/friedman1.csv', '--hidden', '20,20', '--no-standardize-target'], l1Ref: 900, linear: false, torch: false,
  },
  {
    // a classification network on two features no rule was tuned on (scikit-learn's make_moons)
    name: 'moons', title: 'two moons, 2-16-16-2 ReLU', options: { data: 'bench/data/moons.csv', hidden: [16, 16] },
    args: ['--data', 'bench/data/moons.csv', '--hidden', '16,16'], l1Ref: 120, linear: false, torch: true,
  },
  {
    // a classifier with more than 10,000 training rows: the path runs on mini-batches by default,
    // as on Fashion-MNIST, on data it was not tuned on (the two moons, 30,000 rows)
    name: 'moons-30k', title: 'two moons, 30,000 rows (mini-batches), 2-16-16-2 ReLU', options: { data: 'bench/data/moons-30k.csv', hidden: [16, 16] },
    args: ['--data', 'bench/data/moons-30k.csv', '--hidden', '16,16'], l1Ref: 120, linear: false, torch: true,
  },
  {
    // a regression network on features of very different ranges, standardised (Friedman #3)
    name: 'friedman3-net', title: 'Friedman #3, 20,20 ReLU units, target standardised', options: { data: 'bench/data/friedman3.csv', hidden: [20, 20] },
    args: ['--data', 'bench/data/friedman3.csv', '--hidden', '20,20'], l1Ref: 160, linear: false, torch: false,
  },
  {
    name: 'diabetes', title: 'diabetes, linear regression, unscaled target', options: { data: 'bench/data/diabetes.csv', hidden: [], standardize: false },
    args: ['--data', 'bench/data/diabetes.csv', '--hidden', '0', '--no-standardize'], l1Ref: null, linear: true, torch: false,
  },
  {
    name: 'breast-cancer', title: 'breast cancer, logistic (2 classes, 30 features)', options: { data: 'bench/data/breast-cancer.csv', hidden: [] },
    args: ['--data', 'bench/data/breast-cancer.csv', '--hidden', '0'], l1Ref: null, linear: true, torch: false,
  },
  {
    name: 'wine', title: 'wine, softmax (3 classes, 13 features)', options: { data: 'bench/data/wine.csv', hidden: [] },
    args: ['--data', 'bench/data/wine.csv', '--hidden', '0'], l1Ref: null, linear: true, torch: false,
  },
];

export const METHODS = ['continuation', 'sweep', 'torch'] as const;
export type SuiteMethod = (typeof METHODS)[number];
