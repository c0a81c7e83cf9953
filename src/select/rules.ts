/**
 * Rules that pick one point of a computed front (`regpath select --rule`):
 *
 *   min          the point of least mean validation loss       (needs --folds or --validation-fraction)
 *   1se          the sparsest point within one standard error of min's loss      (needs the same)
 *   nonzeros=N   the densest point with at most N non-zero weights (ties: the lower training loss)
 *   accuracy=A   the sparsest point (least l1) whose accuracy is at least A; A is a fraction in
 *                (0, 1] or a percentage such as 95%. The accuracy is the validation accuracy when
 *                the run has one (the mean over folds for cross-validation), else the test accuracy.
 */
import { fail } from '../errors.js';
import type { PathSummary } from '../path/result.js';
import { minRow, oneSeRow, type PathSelection, type ValidatedPoint } from './selection.js';

export type SelectionRule =
  | { kind: 'min' }
  | { kind: '1se' }
  | { kind: 'nonzeros'; max: number }
  | { kind: 'accuracy'; min: number };

/** path.json as the selection reads it. */
export type SelectablePath = Omit<PathSummary, 'points'> & { points: ValidatedPoint[]; selection?: PathSelection };

const RULES = 'min, 1se, nonzeros=N or accuracy=A';

export function parseRule(text: string): SelectionRule {
  const t = String(text).trim().toLowerCase();
  if (t === 'min') return { kind: 'min' };
  if (t === '1se') return { kind: '1se' };
  const m = /^([a-z]+)\s*=\s*(.*)$/.exec(t);
  if (m && m[1] === 'nonzeros') {
    const v = m[2]!;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      fail('BAD_OPTION', `rule nonzeros=N: N must be a non-negative integer, got "${v}"`);
    }
    return { kind: 'nonzeros', max: Number(v) };
  }
  if (m && m[1] === 'accuracy') {
    const v = m[2]!;
    const pct = /^(\d+(?:\.\d*)?|\.\d+)%$/.exec(v);
    const num = /^(\d+(?:\.\d*)?|\.\d+)$/.test(v) ? Number(v) : NaN;
    const a = pct ? Number(pct[1]) / 100 : num;
    if (!(a > 0 && a <= 1)) {
      const hint = !pct && num > 1 && num <= 100 ? ` (write ${v}% for a percentage)` : '';
      fail('BAD_OPTION', `rule accuracy=A: A must be a fraction above 0 and at most 1, or a percentage above 0% and at most 100%, got "${v}"${hint}`);
    }
    return { kind: 'accuracy', min: a };
  }
  return fail('BAD_OPTION', `rule: expected ${RULES}, got "${text}"`);
}

/** Canonical text of a rule (as written to selected.json). */
export function ruleText(r: SelectionRule): string {
  switch (r.kind) {
    case 'min':
    case '1se':
      return r.kind;
    case 'nonzeros':
      return `nonzeros=${r.max}`;
    case 'accuracy':
      return `accuracy=${r.min}`;
  }
}

/** Position in `run.points` chosen by `rule`, and a sentence on what it was chosen by. */
export function applyRule(run: SelectablePath, rule: SelectionRule, name = 'the run'): { point: number; basis: string } {
  const points = run.points;
  if (!points.length) fail('BAD_RUN', `${name} has no front points`);
  switch (rule.kind) {
    case 'min':
    case '1se': {
      const sel = run.selection;
      if (!sel || !Array.isArray(sel.points) || sel.points.length !== points.length) {
        fail('BAD_RUN', `rule ${rule.kind} needs validation losses, and ${name} has none: compute the path with --folds K (cross-validation) or --validation-fraction f`);
      }
      const row = sel.points[rule.kind === 'min' ? minRow(sel.points) : oneSeRow(sel.points)]!;
      const over = sel.kind === 'cross-validation' ? `over ${sel.folds} folds` : `on the validation part (${sel.validationRows} rows)`;
      return {
        point: row.point,
        basis: rule.kind === 'min'
          ? `least mean validation loss ${over}`
          : `sparsest point with mean validation loss ${over} within one standard error of the least`,
      };
    }
    case 'nonzeros': {
      let best = -1;
      points.forEach((p, i) => {
        if (p.nonzeros > rule.max) return;
        const b = best < 0 ? null : points[best]!;
        if (!b || p.nonzeros > b.nonzeros || (p.nonzeros === b.nonzeros && p.trainLoss < b.trainLoss)) best = i;
      });
      if (best < 0) {
        const fewest = Math.min(...points.map((p) => p.nonzeros));
        fail('BAD_OPTION', `no point of ${name} has at most ${rule.max} non-zeros (the sparsest has ${fewest})`);
      }
      return { point: best, basis: `densest point with at most ${rule.max} non-zeros` };
    }
    case 'accuracy': {
      const useValidation = points.every((p) => p.validationAccuracy !== undefined);
      const useTest = !useValidation && points.every((p) => p.testAccuracy !== undefined);
      if (!useValidation && !useTest) {
        fail('BAD_RUN', `rule accuracy=A needs accuracies, and ${name} has neither validation nor test accuracy (a regression run, or no test part)`);
      }
      const which = useValidation ? 'validation' : 'test';
      const acc = (p: ValidatedPoint): number => (useValidation ? p.validationAccuracy! : p.testAccuracy!);
      let best = -1;
      points.forEach((p, i) => {
        if (acc(p) >= rule.min - 1e-12 && (best < 0 || p.l1 < points[best]!.l1)) best = i;
      });
      if (best < 0) {
        const top = points.reduce((a, b) => (acc(b) > acc(a) ? b : a));
        fail('BAD_OPTION', `no point of ${name} reaches ${which} accuracy ${pct(rule.min)} (the best is ${pct(acc(top))} at l1 ${top.l1.toPrecision(4)})`);
      }
      return { point: best, basis: `sparsest point with ${which} accuracy at least ${pct(rule.min)}` };
    }
  }
}

function pct(x: number): string {
  return `${Number((100 * x).toFixed(2))}%`;
}
