// The CIFAR-10 binary loader on small batch files written here in the official format (1 label
// byte + 3,072 pixel bytes, red/green/blue planes), through loadDataset's folder dispatch: the
// CHW → HWC reordering, the scaling, the preset test split, class names, and the exact errors
// for truncated files, bad labels, a short meta file and a folder without training batches.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RegpathError, type ErrorCode } from '../src/errors.js';
import { CIFAR10_CLASSES, loadDataset, splitPreset } from '../src/data/index.js';
import { tempDir } from './helpers/tmp.js';

const root = tempDir('cifar');

/** Byte of image `id`, channel c, row y, column x: distinct enough to catch any mix-up. */
const pixel = (id: number, c: number, y: number, x: number): number => (id * 31 + c * 101 + y * 7 + x * 3) % 256;

/** A batch file: the images ids[i] with labels[i], in the official record layout. */
function batch(ids: number[], labels: number[]): Uint8Array {
  const out = new Uint8Array(ids.length * 3073);
  ids.forEach((id, i) => {
    const o = i * 3073;
    out[o] = labels[i]!;
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) out[o + 1 + c * 1024 + y * 32 + x] = pixel(id, c, y, x);
  });
  return out;
}

function folder(name: string, files: Record<string, Uint8Array | string>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, bytes] of Object.entries(files)) writeFileSync(join(d, f), bytes);
  return d;
}

function rejects(spec: string, code: ErrorCode, message: string): void {
  assert.throws(() => loadDataset(spec), (e: unknown) => {
    assert.ok(e instanceof RegpathError, `not a RegpathError: ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    return true;
  });
}

describe('CIFAR-10 binary batches', () => {
  const names = ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  const dir = folder('cifar', {
    'data_batch_1.bin': batch([0, 1, 2], [3, 0, 9]),
    'data_batch_2.bin': batch([3, 4], [1, 1]),
    'test_batch.bin': batch([5, 6], [7, 2]),
    'batches.meta.txt': names.join('\n') + '\n\n',
  });

  test('reads the training batches in order, then the test batch, as 3×32×32 images in HWC order scaled to [0, 1]', () => {
    const ds = loadDataset(dir);
    assert.equal(ds.rows, 7);
    assert.equal(ds.features, 3072);
    assert.deepEqual(ds.shape, [3, 32, 32]);
    assert.equal(ds.classes, 10);
    assert.deepEqual(ds.classNames, names);
    assert.deepEqual([...ds.y], [3, 0, 9, 1, 1, 7, 2]);
    assert.equal(ds.presetTestRows, 2);
    for (let r = 0; r < 7; r++) {
      for (const [y, x, c] of [[0, 0, 0], [0, 0, 2], [5, 17, 1], [31, 31, 2], [31, 0, 0]] as const) {
        assert.equal(ds.x[r * 3072 + (y * 32 + x) * 3 + c], Math.fround(pixel(r, c, y, x) / 255), `image ${r} pixel (${y}, ${x}) channel ${c}`);
      }
    }
    const { train, test: held } = splitPreset(ds);
    assert.deepEqual([...train.y], [3, 0, 9, 1, 1]);
    assert.deepEqual([...held!.y], [7, 2]);
  });

  test('finds the extracted cifar-10-batches-bin folder inside the given one; without the meta file, the official names', () => {
    folder('outer/cifar-10-batches-bin', { 'data_batch_1.bin': batch([0], [4]) });
    const ds = loadDataset(join(root, 'outer'));
    assert.equal(ds.rows, 1);
    assert.deepEqual(ds.classNames, CIFAR10_CLASSES);
    assert.equal(ds.presetTestRows, undefined);
  });

  test('a truncated batch, a bad label, a short meta file and a missing training batch are named errors', () => {
    const cut = folder('cut', { 'data_batch_1.bin': batch([0, 1], [0, 1]).subarray(0, 3073 + 1000) });
    rejects(cut, 'BAD_FILE', `${join(cut, 'data_batch_1.bin')}: 4073 bytes is not a whole number of CIFAR-10 records (3073 bytes each: 1 label byte + 3,072 pixels); the file looks truncated after record 1`);
    const empty = folder('empty', { 'data_batch_1.bin': new Uint8Array(0) });
    rejects(empty, 'BAD_FILE', `${join(empty, 'data_batch_1.bin')}: 0 bytes is not a whole number of CIFAR-10 records (3073 bytes each: 1 label byte + 3,072 pixels)`);
    const bad = folder('bad', { 'data_batch_1.bin': batch([0, 1], [2, 10]) });
    rejects(bad, 'BAD_DATA', `${join(bad, 'data_batch_1.bin')}: record 2 (byte 3073) has label 10; CIFAR-10 labels are 0-9`);
    const meta = folder('meta', { 'data_batch_1.bin': batch([0], [0]), 'batches.meta.txt': 'cat\ndog\n' });
    rejects(meta, 'BAD_FILE', `${join(meta, 'batches.meta.txt')}: lists 2 class names; CIFAR-10 has 10`);
    const testOnly = folder('test-only', { 'test_batch.bin': batch([0], [0]) });
    rejects(testOnly, 'BAD_DATA', `${testOnly}: has test_batch.bin but no training batch (data_batch_1.bin … data_batch_5.bin)`);
  });
});
