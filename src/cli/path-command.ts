import type { Command } from 'commander';
import type { PathEvent } from '../path/compute-path.js';
import { crossValidatePath, type CrossValidateOptions } from '../select/cross-validate.js';
import { formatSelection, stageLabel } from './select-command.js';
import { PATH_DEFAULTS, PATH_DEFAULTS_TEXT } from '../path/options.js';
import { RegpathError } from '../errors.js';
import { addFlags, readFlags, type FlagName } from './flags.js';
import { Progress } from './progress.js';
import { formatSummary } from './report.js';
import { LiveReport, writeReportAfterRun } from './report-command.js';

/** `regpath path`'s flags: every option of PathOptions, plus the run folder and output. */
const PATH_FLAGS = [
  'method', 'penalty', 'data', 'target', 'task', 'hidden', 'arch', 'inputShape', 'activation', 'points', 'batch', 'seed', 'penalizeBias', 'standardize', 'standardizeTarget',
  'testFraction', 'validationFraction', 'folds', 'direction', 'step', 'tolerance', 'maxCorrectorSteps', 'nlambda', 'lambdaMinRatio',
  'fitEpochs', 'denseEpochs', 'learningRate', 'population', 'generations', 'l1Ref', 'out', 'resume', 'json', 'threads',
] as const satisfies readonly FlagName[];

export function pathCommand(program: Command): void {
  const cmd = program
    .command('path')
    .description('compute the regularization path (loss vs l1 front) by the predictor-corrector continuation method or a baseline (--method)');
  addFlags(cmd, PATH_FLAGS, { defaults: { ...PATH_DEFAULTS, ...PATH_DEFAULTS_TEXT } });
  cmd.action(async (given: Record<string, unknown>) => {
    const { out, resume, json, threads: _t, ...options } = readFlags(given, PATH_FLAGS) as CrossValidateOptions & { out?: string; json?: boolean; threads?: number };
    if (resume && !out) throw new RegpathError('BAD_OPTION', '--resume needs --out <folder> naming the run to finish');
    if (options.penalty === 'l2' && (options.folds !== undefined || options.validationFraction !== undefined)) {
      throw new RegpathError('BAD_OPTION', '--penalty l2 does not support --folds or --validation-fraction (model selection is for l1 paths)');
    }
    const progress = json ? null : new Progress();
    const live = new LiveReport();
    try {
      const result = await crossValidatePath({
        ...options, resume: resume ?? false,
        ...(out !== undefined ? { out } : { outParent: 'runs' }),
        onProgress: (e: PathEvent) => {
          progress?.update(e);
          live.update(e);
        },
        onStage: (s) => {
          progress?.setPrefix(stageLabel(s));
          live.setStage(s.stage);
        },
      });
      progress?.stop();
      writeReportAfterRun(result.out, json);
      if (json) {
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
