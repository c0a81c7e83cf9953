// regpath's library API. Everything a user needs is re-exported here; deeper paths are internal.
export { computePath, type ComputePathOptions, type PathResult, type PathEvent } from './path/compute-path.js';
export { checkPathOptions, parseHidden, parseInputShape, type PathOptions, type ResolvedPathOptions } from './path/options.js';
export type { PathPoint, PathSummary, FrontMetrics } from './path/result.js';
export type { FrontPosition, Coefficients, Prediction } from './path/front-model.js';
export { datasetFromArrays, type ArrayData } from './data/arrays.js';
export { comparePaths, type CompareOptions, type CompareResult, type CompareRow } from './path/compare.js';
export type { RawPoint, Direction } from './path/types.js';
export { hypervolume, largestGap, nonDominated, type FrontPoint } from './metrics/front.js';
export { loadDataset, splitDataset, fitStandardizer, applyStandardizer, unstandardizeTarget, type Dataset, type Split, type Standardizer, type TargetScale } from './data/index.js';
export { ParameterLayout } from './nn/layout.js';
export { Mlp, type Architecture } from './nn/mlp.js';
export { parseArch, formatArch, planModel, ARCH_GRAMMAR, type LayerSpec, type PlannedLayer } from './nn/architecture.js';
export type { Layer, Shape } from './nn/layers/layer.js';
export { Sgd, Adam, Proximal, type Optimizer } from './optim/optimizer.js';
export { MpgSolver, tradeoff, type MpgStep } from './optim/mpg.js';
export { kernels, setKernels, createJsKernels, configureThreads, type Kernels } from './kernels/index.js';
export { readSafetensors, writeSafetensors } from './io/safetensors.js';
export { RegpathError, type ErrorCode } from './errors.js';
export { exportModel, predict, predictionsCsv, foldStandardizer, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult, type ModelInfo, type PointSpec, type PredictOptions, type Predictions } from './export/index.js';
export { SparseMlp, csrFromDense, denseForward, type CsrMatrix, type DenseLayer } from './nn/sparse.js';
export {
  crossValidatePath, selectFromRun, parseRule, applyRule, stratifiedFolds, alignFolds, interpolateAt, minRow, oneSeRow,
  type CrossValidateOptions, type SelectedPathResult, type SelectionOptions, type StageEvent, type PathSelection,
  type SelectionRow, type SelectionPick, type SelectionRule, type SelectedPoint, type ValidatedPoint,
} from './select/index.js';
export { VERSION } from './version.js';
