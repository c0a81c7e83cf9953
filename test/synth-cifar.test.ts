// bench/synth-cifar.ts, the synthetic CIFAR-10-shaped data for timing the seed paper's CIFAR run:
// regpath's CIFAR-10 loader reads a small output of it (file sizes, balanced labels, the pixels
// of the records in HWC order), the same seed gives the same bytes and another seed other bytes,
// and the images carry their class: a nearest-class-mean rule fitted on the training batches
// labels the test batch well above chance (1 in 10), while the clutter keeps it well below 100 %.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RECORD, writeSynthCifar } from '../bench/synth-cifar.js';
import { loadDataset, splitPreset } from '../src/data/index.js';
import { tempDir } from './helpers/tmp.js';

const root = tempDir('synth-cifar');

describe('synthetic CIFAR-10 batches', () => {
  test('the CIFAR-10 loader reads them: 5 training batches, a test batch, balanced labels, the records\' pixels', () => {
    const dir = join(root, 'a');
    writeSynthCifar(dir, 23, 10, 7);
    const sizes = [1, 2, 3, 4, 5].map((i) => statSync(join(dir, `data_batch_${i}.bin`)).size / RECORD);
    assert.deepEqual(sizes, [4, 5, 4, 5, 5]);
    assert.equal(statSync(join(dir, 'test_batch.bin')).size, 10 * RECORD);
    const ds = loadDataset(dir);
    assert.equal(ds.rows, 33);
    assert.equal(ds.features, 3072);
    assert.deepEqual(ds.shape, [3, 32, 32]);
    assert.equal(ds.classes, 10);
    assert.equal(ds.classNames[0], 'airplane');
    assert.equal(ds.presetTestRows, 10);
    const { test: held } = splitPreset(ds);
    // the test batch has every class once
    assert.deepEqual([...held!.y].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const bytes = readFileSync(join(dir, 'data_batch_2.bin'));
    for (let i = 0; i < 5; i++) {
      const row = 4 + i;
      assert.equal(ds.y[row], bytes[i * RECORD]);
      for (const [y, x, c] of [[0, 0, 0], [3, 29, 1], [31, 31, 2], [16, 8, 2]] as const) {
        assert.equal(ds.x[row * 3072 + (y * 32 + x) * 3 + c], Math.fround(bytes[i * RECORD + 1 + c * 1024 + y * 32 + x]! / 255));
      }
    }
  });

  test('seeded: the same seed writes the same bytes, another seed others', () => {
    writeSynthCifar(join(root, 'b1'), 10, 10, 3);
    writeSynthCifar(join(root, 'b2'), 10, 10, 3);
    writeSynthCifar(join(root, 'b3'), 10, 10, 4);
    const file = (d: string): Buffer => readFileSync(join(root, d, 'test_batch.bin'));
    assert.ok(file('b1').equals(file('b2')));
    assert.ok(!file('b1').equals(file('b3')));
  });

  test('learnable but not trivial: nearest class mean on 1,000 images labels 500 others at 25-90 %', () => {
    const dir = join(root, 'c');
    writeSynthCifar(dir, 1000, 500, 1);
    const ds = loadDataset(dir);
    const { train, test: held } = splitPreset(ds);
    const f = ds.features;
    const means = new Float64Array(10 * f);
    const counts = new Float64Array(10);
    for (let r = 0; r < train.rows; r++) {
      const c = train.y[r]!;
      counts[c]++;
      for (let j = 0; j < f; j++) means[c * f + j] += train.x[r * f + j]!;
    }
    for (let c = 0; c < 10; c++) for (let j = 0; j < f; j++) means[c * f + j] /= counts[c]!;
    let right = 0;
    for (let r = 0; r < held!.rows; r++) {
      let best = -1, bestD = Infinity;
      for (let c = 0; c < 10; c++) {
        let d = 0;
        for (let j = 0; j < f; j++) { const e = held!.x[r * f + j]! - means[c * f + j]!; d += e * e; }
        if (d < bestD) { bestD = d; best = c; }
      }
      if (best === held!.y[r]) right++;
    }
    const acc = right / held!.rows;
    assert.ok(acc > 0.25 && acc < 0.9, `nearest-mean test accuracy ${acc}`);
  });
});
