// Synthetic, learnable CIFAR-10-shaped data in the official binary format, for timing the seed
// paper's CIFAR-10 run where the real data cannot be downloaded:
//
//   npm run build && node dist/bench/synth-cifar.js --out /tmp/cifar-synth [--rows 50000] [--test-rows 10000] [--seed 1]
//
// writes data_batch_1.bin … data_batch_5.bin (--rows training images split over the five files),
// test_batch.bin and batches.meta.txt; each record is 1 label byte (0-9) and 3,072 pixel bytes
// (32×32 red plane, then green, then blue), as in https://www.cs.toronto.edu/~kriz/cifar.html.
//
// An image of class c is a smooth class template (a random 4×4×3 grid, bilinearly upsampled to
// 32×32), moved by a random shift of up to ±4 pixels, at a random contrast, plus a smooth random
// distractor of the same kind drawn for that image (--distractor times the template's amplitude),
// a random brightness per channel and per-pixel noise (--noise). The class is thus in the image but
// hidden behind clutter of the same spatial scale; the defaults were chosen so that the seed's CNN
// learns it only partly (see the README's CIFAR paragraph for the measured accuracies).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from '../src/util/rng.js';
import { numberArg, stringArg } from './timing.js';

export const SIDE = 32;
export const PIXELS = 3 * SIDE * SIDE;
export const RECORD = 1 + PIXELS;
const CLASSES = 10;
const GRID = 4;
const SHIFT = 4;
const NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export interface SynthCifarOptions {
  /** Amplitude of each image's smooth distractor, relative to the class template's. */
  distractor: number;
  /** Standard deviation of the per-pixel noise, relative to the template's amplitude. */
  noise: number;
}

export const DEFAULT_SYNTH: SynthCifarOptions = { distractor: 3, noise: 1 };

/** A smooth random field: a GRID×GRID grid of N(0,1) values per channel, bilinearly upsampled to (SIDE + 2·SHIFT)², CHW. */
function smoothField(rng: Rng, side: number): Float32Array {
  const g = new Float32Array(3 * (GRID + 1) * (GRID + 1));
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  const out = new Float32Array(3 * side * side);
  const scale = GRID / (side - 1);
  for (let c = 0; c < 3; c++) {
    const gc = c * (GRID + 1) * (GRID + 1);
    for (let y = 0; y < side; y++) {
      const fy = y * scale;
      const y0 = Math.min(GRID - 1, Math.floor(fy));
      const ty = fy - y0;
      for (let x = 0; x < side; x++) {
        const fx = x * scale;
        const x0 = Math.min(GRID - 1, Math.floor(fx));
        const tx = fx - x0;
        const a = g[gc + y0 * (GRID + 1) + x0]!, b = g[gc + y0 * (GRID + 1) + x0 + 1]!;
        const d = g[gc + (y0 + 1) * (GRID + 1) + x0]!, e = g[gc + (y0 + 1) * (GRID + 1) + x0 + 1]!;
        out[(c * side + y) * side + x] = (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * d + tx * e);
      }
    }
  }
  return out;
}

/** The generator of one data set: the class templates come from `seed`, the images from the same stream. */
export class SynthCifar {
  private readonly rng: Rng;
  private readonly templates: Float32Array[];
  private readonly big = SIDE + 2 * SHIFT;

  constructor(seed: number, private readonly o: SynthCifarOptions = DEFAULT_SYNTH) {
    this.rng = new Rng(seed);
    this.templates = Array.from({ length: CLASSES }, () => smoothField(this.rng, this.big));
  }

  /** `rows` records in the official layout, classes balanced (row i has class i mod 10, rows shuffled). */
  records(rows: number): Uint8Array {
    const out = new Uint8Array(rows * RECORD);
    const labels = Array.from({ length: rows }, (_, i) => i % CLASSES);
    this.rng.shuffle(labels);
    const big = this.big;
    for (let r = 0; r < rows; r++) {
      const c = labels[r]!;
      const t = this.templates[c]!;
      const d = smoothField(this.rng, SIDE);
      const dx = this.rng.int(2 * SHIFT + 1), dy = this.rng.int(2 * SHIFT + 1);
      const contrast = 0.6 + 0.8 * this.rng.uniform();
      const o = r * RECORD;
      out[o] = c;
      for (let ch = 0; ch < 3; ch++) {
        const bright = 0.5 * this.rng.normal();
        for (let y = 0; y < SIDE; y++) {
          for (let x = 0; x < SIDE; x++) {
            const v = contrast * t[(ch * big + y + dy) * big + x + dx]! + this.o.distractor * d[(ch * SIDE + y) * SIDE + x]! + bright + this.o.noise * this.rng.normal();
            out[o + 1 + (ch * SIDE + y) * SIDE + x] = Math.max(0, Math.min(255, Math.round(128 + 40 * v)));
          }
        }
      }
    }
    return out;
  }
}

/** Writes the five training batches (rows split as evenly as possible), the test batch and the meta file. */
export function writeSynthCifar(dir: string, rows: number, testRows: number, seed: number, o: SynthCifarOptions = DEFAULT_SYNTH): void {
  if (!(Number.isInteger(rows) && rows >= 5)) throw new Error(`synth-cifar: --rows must be an integer of at least 5, got ${rows}`);
  mkdirSync(dir, { recursive: true });
  const gen = new SynthCifar(seed, o);
  for (let f = 0; f < 5; f++) {
    const n = Math.floor((rows * (f + 1)) / 5) - Math.floor((rows * f) / 5);
    writeFileSync(join(dir, `data_batch_${f + 1}.bin`), gen.records(n));
  }
  if (testRows > 0) writeFileSync(join(dir, 'test_batch.bin'), gen.records(testRows));
  writeFileSync(join(dir, 'batches.meta.txt'), NAMES.join('\n') + '\n');
}


if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = stringArg('--out', '');
  if (!out) throw new Error('synth-cifar: --out <folder> is required');
  const rows = numberArg('--rows', 50000);
  const testRows = numberArg('--test-rows', Math.round(rows / 5));
  const seed = numberArg('--seed', 1);
  const o = { distractor: numberArg('--distractor', DEFAULT_SYNTH.distractor), noise: numberArg('--noise', DEFAULT_SYNTH.noise) };
  const t0 = process.hrtime.bigint();
  writeSynthCifar(out, rows, testRows, seed, o);
  console.log(`synthetic CIFAR-10: ${rows} training + ${testRows} test images (seed ${seed}, distractor ${o.distractor}, noise ${o.noise}) → ${out} in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
}
