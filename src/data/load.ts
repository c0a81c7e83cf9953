/**
 * loadDataset: a user's data spec → Dataset. Built-in names win over same-named paths
 * (write ./mnist for a local folder called mnist).
 */
import { statSync } from 'node:fs';
import { fail } from '../errors.js';
import { findCifar10Dir, loadCifar10 } from './cifar.js';
import { loadCsv } from './csv.js';
import { loadFashionMnist } from './fashion-mnist.js';
import { loadIdxDir } from './idx-dir.js';
import { loadIris } from './iris.js';
import { loadMnist } from './mnist.js';
import type { Dataset, LoadOptions } from './types.js';

export const ACCEPTED_SPECS =
  "'mnist', 'iris', 'fashion-mnist', a folder of MNIST-format IDX files or CIFAR-10 binary batches, or a .csv file";

const BUILT_IN: Record<string, (opts: LoadOptions) => Dataset> = {
  mnist: () => loadMnist(),
  iris: () => loadIris(),
  'fashion-mnist': (opts) => loadFashionMnist(undefined, opts.alloc),
};

export function loadDataset(spec: string, opts: LoadOptions = {}): Dataset {
  const task = opts.task ?? 'auto';
  if (task !== 'auto' && task !== 'classification' && task !== 'regression') {
    fail('BAD_OPTION', `task must be classification, regression or auto, got "${String(task)}"`);
  }
  if (spec.trim() === '') fail('BAD_OPTION', `no dataset given; expected ${ACCEPTED_SPECS}`);

  const builtIn = BUILT_IN[spec.trim().toLowerCase()];
  if (builtIn) {
    // The built-ins (and IDX folders) are image classification sets: a target or task
    // option is a user mistake, better reported than ignored.
    checkNotCsvOptions(spec, opts);
    return builtIn(opts);
  }

  const isCsv = /\.csv$/i.test(spec);
  let stat;
  try {
    stat = statSync(spec);
  } catch {
    if (isCsv) fail('FILE_NOT_FOUND', `${spec}: file not found`);
    return fail('FILE_NOT_FOUND', `${spec}: no such file or folder; expected ${ACCEPTED_SPECS}`);
  }
  if (stat.isDirectory()) {
    checkNotCsvOptions(spec, opts);
    return findCifar10Dir(spec) ? loadCifar10(spec, opts.alloc) : loadIdxDir(spec, { ...(opts.alloc && { alloc: opts.alloc }) });
  }
  if (isCsv) return loadCsv(spec, opts);
  return fail('BAD_FILE', `${spec}: not a dataset regpath reads; expected ${ACCEPTED_SPECS}`);
}

function checkNotCsvOptions(spec: string, opts: LoadOptions): void {
  if (opts.target !== undefined) fail('BAD_OPTION', `${spec}: a target column can only be chosen for a .csv file`);
  if (opts.task === 'regression') fail('BAD_OPTION', `${spec}: is a classification dataset; task regression does not apply`);
}
