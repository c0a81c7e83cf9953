// Writes the exact training/test split and per-pixel standardisation that `regpath path --seed S`
// uses on a data set, as raw little-endian float32 files, so an outside trainer (PyTorch in
// bench/torch_lenet_ceiling.py) sees the same rows in the same order:
//
//   npm run build && node dist/bench/export-split.js --data mnist --seed 2 --out /tmp/split2
//
// writes trainx.bin (rows × features), trainy.bin (rows, class index as float32), testx.bin,
// testy.bin and shape.json ({ train, test, features, shape }). Test fraction 0.2 (the CLI's default).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, splitDataset, fitStandardizer, standardizeInPlace } from '../src/data/index.js';
import { numberArg, stringArg } from './timing.js';


const data = stringArg('--data', 'mnist');
const seed = numberArg('--seed', 1);
const out = stringArg('--out', '');
if (!out) throw new Error('export-split: --out <folder> is required');
mkdirSync(out, { recursive: true });
const ds = loadDataset(data);
const split = splitDataset(ds, 0.2, seed);
if (!split.test) throw new Error('export-split: no test part');
const s = fitStandardizer(split.train);
standardizeInPlace(split.train, s);
standardizeInPlace(split.test, s);
const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
for (const [name, part] of [['train', split.train], ['test', split.test]] as const) {
  writeFileSync(join(out, `${name}x.bin`), bytes(part.x));
  writeFileSync(join(out, `${name}y.bin`), bytes(part.y));
}
writeFileSync(join(out, 'shape.json'), JSON.stringify({ train: split.train.rows, test: split.test.rows, features: ds.features, shape: ds.shape ?? null }) + '\n');
console.log(`${data} seed ${seed}: ${split.train.rows} training and ${split.test.rows} test rows × ${ds.features} features → ${out}`);
