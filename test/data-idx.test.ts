import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { RegpathError, type ErrorCode } from '../src/errors.js';
import { encodeIdx, loadDataset, loadFashionMnist, parseIdx, splitPreset } from '../src/data/index.js';
import { tempDir } from './helpers/tmp.js';

const root = tempDir('idx');

/** A made-up MNIST-style set: n images of 2×3 pixels whose bytes encode (row, pixel). */
function images(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n * 6 }, (_, i) => (i * 37 + seed) % 256);
}
function labels(n: number, classes: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i % classes);
}

function folder(name: string, files: Record<string, Uint8Array>): string {
  const d = join(root, name);
  mkdirSync(d);
  for (const [f, bytes] of Object.entries(files)) writeFileSync(join(d, f), bytes);
  return d;
}

function rejects(spec: string, code: ErrorCode, message: string): void {
  assert.throws(
    () => loadDataset(spec),
    (e: unknown) => {
      assert.ok(e instanceof RegpathError, `not a RegpathError: ${String(e)}`);
      assert.equal(e.message, message);
      assert.equal(e.code, code);
      return true;
    },
  );
}

describe('IDX folders', () => {
  const trainX = images(5, 1);
  const trainY = labels(5, 3);
  const testX = images(2, 99);
  const testY = Uint8Array.from([2, 0]);

  function check(d: string): void {
    const ds = loadDataset(d);
    assert.equal(ds.task, 'classification');
    assert.equal(ds.rows, 7);
    assert.equal(ds.features, 6);
    assert.equal(ds.classes, 3);
    assert.deepEqual(ds.classNames, ['0', '1', '2']);
    assert.equal(ds.presetTestRows, 2);
    assert.equal(ds.featureNames[5], 'pixel5');
    // Train then test, pixels scaled by 1/255.
    const bytes = [...trainX, ...testX];
    assert.deepEqual([...ds.x], bytes.map((b) => Math.fround(b / 255)));
    assert.deepEqual([...ds.y], [...trainY, ...testY]);
    const { train, test } = splitPreset(ds);
    assert.equal(train.rows, 5);
    assert.deepEqual([...test!.y], [2, 0]);
    assert.equal(train.presetTestRows, undefined);
  }

  test('raw files round-trip', () => {
    check(
      folder('raw', {
        'train-images-idx3-ubyte': encodeIdx([5, 2, 3], trainX),
        'train-labels-idx1-ubyte': encodeIdx([5], trainY),
        't10k-images-idx3-ubyte': encodeIdx([2, 2, 3], testX),
        't10k-labels-idx1-ubyte': encodeIdx([2], testY),
        'README.txt': new Uint8Array([1, 2, 3]),
      }),
    );
  });

  test('gzipped files (and dotted name variants) round-trip', () => {
    check(
      folder('gz', {
        'train-images.idx3-ubyte.gz': gzipSync(encodeIdx([5, 2, 3], trainX)),
        'train-labels.idx1-ubyte.gz': gzipSync(encodeIdx([5], trainY)),
        't10k-images.idx3-ubyte.gz': gzipSync(encodeIdx([2, 2, 3], testX)),
        't10k-labels.idx1-ubyte.gz': gzipSync(encodeIdx([2], testY)),
      }),
    );
  });

  test('train files only: no preset split', () => {
    const d = folder('trainonly', {
      'train-images-idx3-ubyte': encodeIdx([5, 2, 3], trainX),
      'train-labels-idx1-ubyte.gz': gzipSync(encodeIdx([5], trainY)),
    });
    const ds = loadDataset(d);
    assert.equal(ds.rows, 5);
    assert.equal(ds.presetTestRows, undefined);
    assert.equal(ds.name, 'trainonly');
  });

  test('wrong magic number', () => {
    const bad = encodeIdx([5, 2, 3], trainX);
    bad[2] = 0x00;
    bad[0] = 0x50;
    const d = folder('magic', { 'train-images-idx3-ubyte': bad, 'train-labels-idx1-ubyte': encodeIdx([5], trainY) });
    rejects(d, 'BAD_FILE', `${join(d, 'train-images-idx3-ubyte')}: not an IDX file (magic number 0x50000003, expected 0x000008NN)`);
  });

  test('wrong dimensions', () => {
    const d = folder('dims', {
      'train-images-idx3-ubyte': encodeIdx([5, 6], trainX),
      'train-labels-idx1-ubyte': encodeIdx([5], trainY),
    });
    rejects(d, 'BAD_FILE', `${join(d, 'train-images-idx3-ubyte')}: expected 3 dimensions (count × rows × columns), got 2`);
    const e = folder('dims2', {
      'train-images-idx3-ubyte': encodeIdx([5, 2, 3], trainX),
      'train-labels-idx1-ubyte': encodeIdx([5, 1], trainY),
    });
    rejects(e, 'BAD_FILE', `${join(e, 'train-labels-idx1-ubyte')}: expected 1 dimension (count), got 2`);
  });

  test('truncated data, truncated header, trailing bytes', () => {
    const whole = encodeIdx([5, 2, 3], trainX);
    const d = folder('trunc', {
      'train-images-idx3-ubyte.gz': gzipSync(whole.subarray(0, whole.length - 4)),
      'train-labels-idx1-ubyte': encodeIdx([5], trainY),
    });
    rejects(d, 'BAD_FILE', `${join(d, 'train-images-idx3-ubyte.gz')}: truncated IDX data (header says 5×2×3 = 30 bytes, file has 26)`);
    assert.throws(() => parseIdx(whole.subarray(0, 9), 'f'), { message: 'f: truncated IDX header (3 dimensions need 16 bytes, file has 9)' });
    assert.throws(() => parseIdx(whole.subarray(0, 3), 'f'), { message: 'f: truncated IDX header (3 bytes)' });
    const longer = new Uint8Array(whole.length + 2);
    longer.set(whole);
    assert.throws(() => parseIdx(longer, 'f'), { message: 'f: 2 unexpected bytes after the IDX data (header says 5×2×3 = 30 bytes)' });
  });

  test('corrupt gzip', () => {
    const gz = gzipSync(encodeIdx([5], trainY));
    const d = folder('badgz', {
      'train-images-idx3-ubyte': encodeIdx([5, 2, 3], trainX),
      'train-labels-idx1-ubyte.gz': gz.subarray(0, 12),
    });
    assert.throws(() => loadDataset(d), (e: unknown) => {
      assert.ok(e instanceof RegpathError);
      assert.equal(e.code, 'BAD_FILE');
      assert.ok(e.message.startsWith(`${join(d, 'train-labels-idx1-ubyte.gz')}: corrupt gzip data (`), e.message);
      return true;
    });
  });

  test('image / label count mismatch', () => {
    const d = folder('count', {
      'train-images-idx3-ubyte': encodeIdx([5, 2, 3], trainX),
      'train-labels-idx1-ubyte': encodeIdx([4], trainY.subarray(0, 4)),
    });
    rejects(d, 'BAD_DATA', `${join(d, 'train-labels-idx1-ubyte')}: has 4 labels but ${join(d, 'train-images-idx3-ubyte')} has 5 images`);
  });

  test('images without labels, unsupported data type, mismatched image sizes', () => {
    const d = folder('nolabels', { 'train-images-idx3-ubyte': encodeIdx([5, 2, 3], trainX) });
    rejects(d, 'BAD_DATA', `${d}: found train-images-idx3-ubyte but no matching train labels file (expected names like train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz)`);
    const floats = encodeIdx([5], trainY);
    floats[2] = 0x0d;
    assert.throws(() => parseIdx(floats, 'f'), { message: 'f: IDX data type 0x0d not supported (only unsigned bytes, 0x08)' });
    const s = folder('sizes', {
      'train-images-idx3-ubyte': encodeIdx([5, 2, 3], trainX),
      'train-labels-idx1-ubyte': encodeIdx([5], trainY),
      't10k-images-idx3-ubyte': encodeIdx([1, 3, 3], new Uint8Array(9)),
      't10k-labels-idx1-ubyte': encodeIdx([1], new Uint8Array(1)),
    });
    rejects(s, 'BAD_DATA', `${join(s, 't10k-images-idx3-ubyte')}: images have 9 pixels but the train images have 6`);
  });

  test('a folder with no IDX files', () => {
    const d = folder('none', { 'notes.txt': new Uint8Array([65]) });
    rejects(d, 'BAD_DATA', `${d}: no IDX files found (expected names like train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each optionally .gz)`);
  });
});

describe('fashion-mnist', () => {
  test('missing install gives the apt hint', () => {
    const where = join(root, 'not-installed');
    assert.throws(() => loadFashionMnist(where), (e: unknown) => {
      assert.ok(e instanceof RegpathError);
      assert.equal(e.code, 'FILE_NOT_FOUND');
      assert.equal(
        e.message,
        `built-in dataset 'fashion-mnist' not found at ${where}: install it with 'apt-get install dataset-fashion-mnist', or pass the folder holding its IDX files instead of 'fashion-mnist'`,
      );
      return true;
    });
  });

  test('loads from the Debian package when installed', (t) => {
    let ds;
    try {
      ds = loadDataset('fashion-mnist');
    } catch (e) {
      if (e instanceof RegpathError && e.code === 'FILE_NOT_FOUND') return t.skip('dataset-fashion-mnist not installed');
      throw e;
    }
    assert.equal(ds.rows, 70000);
    assert.equal(ds.presetTestRows, 10000);
    assert.equal(ds.features, 784);
    assert.equal(ds.classes, 10);
    assert.equal(ds.classNames[9], 'Ankle boot');
    const counts = new Array<number>(10).fill(0);
    for (const v of ds.y) counts[v]!++;
    assert.deepEqual(counts, new Array(10).fill(7000)); // Fashion-MNIST is exactly balanced
  });
});
