export { writeFileAtomic, writeJsonAtomic } from './atomic.js';
export { toCsv, type CsvCell } from './csv.js';
export { checkFormat } from './format.js';
export { readJsonFile, stringifyFinite } from './json.js';
export { appendJsonLine, readJsonLines } from './jsonl.js';
export { RunFolder, defaultRunDir, SETTINGS_FILE, type CreateOptions } from './run-folder.js';
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
