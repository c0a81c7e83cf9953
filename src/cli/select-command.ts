import type { Command } from 'commander';
import { addFlags, readFlags, type FlagName } from './flags.js';
import type { StageEvent } from '../select/cross-validate.js';
import { selectFromRun, SELECTED_JSON, SELECTED_WEIGHTS, type SelectedPoint } from '../select/select-run.js';
import type { PathSelection, SelectionPick } from '../select/selection.js';

const SELECT_FLAGS = ['rule', 'json'] as const satisfies readonly FlagName[];

export function selectCommand(program: Command): void {
  const cmd = program
    .command('select')
    .description('pick one point of a computed front; writes RUN/selected.json and RUN/selected.safetensors')
    .argument('<run>', 'run folder written by regpath path');
  addFlags(cmd, SELECT_FLAGS, { required: ['rule'] });
  cmd.action((run: string, given: Record<string, unknown>) => {
    const flags = readFlags(given, SELECT_FLAGS) as { rule: string; json?: boolean };
    const s = selectFromRun(run, flags.rule);
    process.stdout.write(flags.json ? JSON.stringify(s) + '\n' : formatSelected(s, run));
  });
}

const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);

function formatSelected(s: SelectedPoint, run: string): string {
  let t = `rule ${s.rule}: ${s.basis}\n`;
  t += `point ${s.point} of the front (raw point ${s.index}): l1 ${s.l1.toPrecision(5)}, ${s.nonzeros} non-zeros, train loss ${s.trainLoss.toPrecision(4)}`;
  if (s.testLoss !== undefined) t += `, test loss ${s.testLoss.toPrecision(4)}`;
  if (s.testAccuracy !== undefined) t += `, test accuracy ${pct(s.testAccuracy)}`;
  if (s.validationLoss !== undefined) {
    t += `, validation loss ${s.validationLoss.toPrecision(4)}${s.validationLossSE !== undefined ? ` ± ${s.validationLossSE.toPrecision(2)}` : ''}`;
  }
  if (s.validationAccuracy !== undefined) t += `, validation accuracy ${pct(s.validationAccuracy)}`;
  return t + `\nwrote ${run}/${SELECTED_JSON} and ${run}/${SELECTED_WEIGHTS}\n`;
}

/** Progress prefix for each run of a cross-validation. */
export function stageLabel(s: StageEvent): string {
  if (s.stage === 'fold') return `[fold ${s.fold}/${s.folds}] `;
  if (s.stage === 'full') return `[full data, then ${s.folds} folds] `;
  return `[validation: ${s.validation} rows held out] `;
}

/** The model-selection lines after a path run's summary ('' without selection). */
export function formatSelection(sel: PathSelection | undefined): string {
  if (!sel) return '';
  const over = sel.kind === 'cross-validation' ? `${sel.folds}-fold cross-validation` : `validation part of ${sel.validationRows} rows`;
  const line = (name: string, p: SelectionPick): string =>
    `  ${name}: point ${p.point} (raw ${p.index}), l1 ${p.l1.toPrecision(4)}, ${p.nonzeros} non-zeros, ` +
    `validation loss ${p.validationLoss.toPrecision(4)} ± ${p.validationLossSE.toPrecision(2)}` +
    (p.validationAccuracy !== undefined ? `, validation acc ${pct(p.validationAccuracy)}` : '') +
    (p.testAccuracy !== undefined ? `, test acc ${pct(p.testAccuracy)}` : '') + '\n';
  return `model selection (${over}, standard errors over ${sel.standardError}):\n` + line('min', sel.min) + line('1se', sel['1se']);
}
