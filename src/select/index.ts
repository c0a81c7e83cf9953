/** Model selection along the path: validation parts, cross-validation, and rules that pick a point. */
export {
  crossValidatePath, FOLDS_DIR,
  type CrossValidateOptions, type SelectedPathResult, type SelectionOptions, type StageEvent,
} from './cross-validate.js';
export { stratifiedFolds, holdOut, foldParts, checkFolds, checkValidationFraction } from './folds.js';
export { HeldOutEvaluator, type HeldOutScore } from './evaluate.js';
export {
  alignFolds, interpolateAt, meanAndSE, minRow, oneSeRow,
  type FoldFront, type FoldRunInfo, type PathSelection, type SelectionPick, type SelectionRow, type ValidatedPoint,
} from './selection.js';
export { parseRule, ruleText, applyRule, type SelectionRule, type SelectablePath } from './rules.js';
export { selectFromRun, readRun, SELECTION_FORMAT, SELECTED_JSON, SELECTED_WEIGHTS, type SelectedPoint } from './select-run.js';
