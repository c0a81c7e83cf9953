export { writeFileAtomic, writeJsonAtomic } from './atomic.js';
export { toCsv, type CsvCell } from './csv.js';
export { checkFormat } from './format.js';
export { readJsonFile, stringifyFinite } from './json.js';
export { appendJsonLine, readJsonLines } from './jsonl.js';
export { RunFolder, defaultRunDir, type CreateOptions } from './run-folder.js';
export {
  SETTINGS_FILE, SETTINGS_FORMAT, PATH_FILE, PATH_FORMAT, PREPROCESS_FILE, LOG_FILE,
  openPathRun, readSettings, readSummary, readPointWeights, readPreprocess, insideRun, checkFinite, refuseChangedOptions,
  type RunSettings, type RunSummary, type RunPoint, type OpenedRun,
} from './run.js';
export { fingerprintData, dataChange, refuseChangedData, type DataFingerprint } from './fingerprint.js';
export { lockFolder, LOCK_FILE } from './lock.js';
export {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
  type Dtype,
  type SafetensorsContent,
  type Tensor,
  type Tensors,
} from './safetensors.js';
