import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeIdx } from '../src/data/index.js';
import { checkPathOptions } from '../src/path/options.js';
import { prepareData, type DataMemory } from '../src/path/prepare.js';
import { tempDir } from './helpers/tmp.js';

// An IDX or CIFAR-10 folder with an official split, loaded into a given memory (the kernels', in a
// run): the features must exist once, so the parts stay views of the loader's buffer,
// standardised in place.
const root = tempDir('memory');
const dir = join(root, 'idx');
mkdirSync(dir);
const pixels = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n * 6 }, (_, i) => (i * 37 + seed) % 256);
writeFileSync(join(dir, 'train-images-idx3-ubyte'), encodeIdx([8, 2, 3], pixels(8, 1)));
writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx([8], Uint8Array.from({ length: 8 }, (_, i) => i % 2)));
writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx([4, 2, 3], pixels(4, 99)));
writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([4], Uint8Array.from([0, 1, 1, 0])));

function recording(): DataMemory & { given: Float32Array[]; freed: Float32Array[] } {
  const given: Float32Array[] = [];
  const freed: Float32Array[] = [];
  return { given, freed, alloc: (n) => given[given.push(new Float32Array(n)) - 1]!, free: (a) => void freed.push(a) };
}

/** An official split loaded into `memory`: one buffer of all rows, the parts views of it, the same numbers as the copying path. */
function assertStandardisedInPlace(data: string, trainRows: number, testRows: number, features: number): void {
  const o = checkPathOptions({ data });
  const memory = recording();
  const p = prepareData(o, false, undefined, memory);
  const plain = prepareData(o, false);
  assert.equal(p.inKernelMemory, true);
  assert.equal(plain.inKernelMemory, undefined);
  assert.equal(memory.given.length, 1);
  assert.equal(memory.given[0]!.length, (trainRows + testRows) * features);
  assert.equal(memory.freed.length, 0);
  const buffer = memory.given[0]!;
  assert.equal(p.train.x.buffer, buffer.buffer);
  assert.equal(p.test!.x.buffer, buffer.buffer);
  assert.equal(p.test!.x.byteOffset, buffer.byteOffset + trainRows * features * 4);
  assert.deepEqual([...p.train.x], [...plain.train.x]);
  assert.deepEqual([...p.test!.x], [...plain.test!.x]);
  assert.deepEqual([...p.train.y], [...plain.train.y]);
  assert.deepEqual(p.standardizer, plain.standardizer);
}

/** A random split: the rows are copied out of the loader's buffer, which is given back. */
function assertRandomSplitCopies(data: string, testFraction: number): void {
  const o = checkPathOptions({ data, testFraction });
  const memory = recording();
  const p = prepareData(o, true, undefined, memory);
  assert.equal(p.inKernelMemory, undefined);
  assert.equal(memory.given.length, 1);
  assert.deepEqual(memory.freed, memory.given);
  assert.notEqual(p.train.x.buffer, memory.given[0]!.buffer);
  assert.deepEqual([...p.train.x], [...prepareData(o, true).train.x]);
}

test('an IDX folder with its official split is standardised in the memory it was loaded into', () => {
  assertStandardisedInPlace(dir, 8, 4, 6);
});

test('a random split copies the rows out and gives the loader\'s buffer back', () => {
  assertRandomSplitCopies(dir, 0.25);
});

test('a CSV loader ignores the memory (nothing given, nothing freed)', () => {
  const csv = join(root, 'd.csv');
  writeFileSync(csv, 'a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,1,0\n2,3,1\n4,5,0\n6,7,1\n8,9,0\n1,1,1\n');
  const memory = recording();
  const p = prepareData(checkPathOptions({ data: csv }), false, undefined, memory);
  assert.equal(p.inKernelMemory, undefined);
  assert.equal(memory.given.length + memory.freed.length, 0);
});

// CIFAR-10 binary batches (1 label byte + 3,072 pixel bytes a record): 3 + 2 training images, 2 test.
const cifar = join(root, 'cifar');
mkdirSync(cifar);
const records = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n * 3073 }, (_, i) => (i % 3073 === 0 ? (i / 3073 + seed) % 2 : (i * 37 + seed) % 256));
writeFileSync(join(cifar, 'data_batch_1.bin'), records(3, 1));
writeFileSync(join(cifar, 'data_batch_2.bin'), records(2, 5));
writeFileSync(join(cifar, 'test_batch.bin'), records(2, 7));

test('a CIFAR-10 folder with its test batch is standardised in the memory it was loaded into', () => {
  assertStandardisedInPlace(cifar, 5, 2, 3072);
});

test('a CIFAR-10 folder split at random gives the loader\'s buffer back', () => {
  assertRandomSplitCopies(cifar, 0.3);
});
