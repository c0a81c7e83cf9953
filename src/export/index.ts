/** Public face of src/export: exporting a front point's network, and prediction with it. */
export { exportModel, EXPORT_FORMATS, MODEL_INFO_FILE, MODEL_INFO_FORMAT, ONNX_FILE, type ExportFormat, type ExportOptions, type ExportResult, type ModelInfo } from './export.js';
export { foldStandardizer } from './fold.js';
export { encodeOnnx, ONNX_INPUT, ONNX_LOGITS, ONNX_PROBABILITIES, ONNX_VALUE } from './onnx.js';
export { encodeTfjs, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from './tfjs.js';
export { encodeExportSafetensors, SAFETENSORS_FILE } from './safetensors.js';
export { predict, predictionsCsv, type PredictOptions, type Predictions } from './predict.js';
export { openRun, resolvePoint, loadRunModel, runNames, parsePointSpec, SELECTION_FILE, SELECTION_FORMAT, type PointSpec, type RunInfo, type RunModel, type RunNames } from './run.js';
