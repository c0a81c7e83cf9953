import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RegpathError } from '../src/errors.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
  type Tensor,
  type Tensors,
} from '../src/io/safetensors.js';
import { tempDir } from './helpers/tmp.js';

const tmp = tempDir('io-st');

/** A file from a raw header text and data bytes, the way a foreign writer might produce it. */
function rawFile(header: string | object, data: number[] = [], declaredLen?: bigint): Uint8Array {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLen ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function throwsBad(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => decodeSafetensors(bytes, 'x.safetensors'), (err: unknown) => {
    assert.ok(err instanceof RegpathError);
    assert.equal(err.code, 'BAD_FILE');
    assert.match(err.message, /^x\.safetensors is not a valid safetensors file: /);
    assert.match(err.message, message);
    return true;
  });
}

describe('safetensors golden bytes', () => {
  test('one F32 tensor: length prefix, compact header, space padding, little-endian data', () => {
    const out = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes
    // 8 + 54 = 62, so two spaces pad the header to 56 and the data starts at byte 64.
    const expected = [
      56, 0, 0, 0, 0, 0, 0, 0,
      ...Buffer.from(header + '  ', 'latin1'),
      0x00, 0x00, 0x80, 0x3f, // 1.0f
      0x00, 0x00, 0x00, 0x40, // 2.0f
    ];
    assert.equal(header.length, 54);
    assert.deepEqual([...out], expected);
  });

  test('metadata comes first in the header; U8 data is raw bytes', () => {
    const out = encodeSafetensors({ b: { dtype: 'U8', shape: [3], data: new Uint8Array([7, 8, 9]) } }, { k: 'v' });
    const header = '{"__metadata__":{"k":"v"},"b":{"dtype":"U8","shape":[3],"data_offsets":[0,3]}}'; // 78 bytes
    assert.equal(header.length, 78);
    // 8 + 78 = 86 → padded to 88: header length 80 with two spaces.
    assert.deepEqual([...out], [80, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from(header + '  ', 'latin1'), 7, 8, 9]);
  });

  test('no tensors at all: header "{}" padded to 8 bytes', () => {
    const out = encodeSafetensors({});
    assert.deepEqual([...out], [8, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{}      ', 'latin1')]);
    assert.deepEqual(decodeSafetensors(out), { tensors: {}, metadata: {} });
  });
});

describe('safetensors round trips', () => {
  const shapes = [[], [0], [3], [2, 3], [2, 0, 3], [2, 2, 2]];
  const make: Record<Tensor['dtype'], (n: number) => Tensor['data']> = {
    F32: (n) => Float32Array.from({ length: n }, (_, i) => [-0, 1.5, -3.25e-20, 3.4e38, Infinity][i % 5]!),
    F64: (n) => Float64Array.from({ length: n }, (_, i) => [Math.PI, -0, 5e-324, -1.7976931348623157e308][i % 4]!),
    I32: (n) => Int32Array.from({ length: n }, (_, i) => [-2147483648, 2147483647, 0, -1][i % 4]!),
    U8: (n) => Uint8Array.from({ length: n }, (_, i) => [0, 255, 128][i % 3]!),
  };
  for (const dtype of ['F32', 'F64', 'I32', 'U8'] as const) {
    for (const shape of shapes) {
      test(`${dtype} shape [${shape.join(',')}]`, () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const t = { dtype, shape, data: make[dtype](n) } as Tensor;
        const file = path.join(tmp, `${dtype}-${shape.join('x') || 'scalar'}.safetensors`);
        writeSafetensors(file, { t });
        const back = readSafetensors(file);
        assert.deepEqual(back.tensors, { t });
        assert.equal(back.tensors.t!.data.constructor, t.data.constructor);
      });
    }
  }

  test('NaN payloads survive bit for bit', () => {
    const bits = new Uint32Array([0x7fc00001, 0xffc00000]);
    const out = encodeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float32Array(bits.buffer) } });
    const back = decodeSafetensors(out).tensors.x!.data as Float32Array;
    assert.deepEqual([...new Uint32Array(back.buffer, back.byteOffset, 2)], [0x7fc00001, 0xffc00000]);
  });

  test('mixed dtypes: order kept, data start 8-byte aligned, misaligned tensors come back aligned', () => {
    const tensors: Tensors = {
      bytes: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
      w: { dtype: 'F64', shape: [2], data: new Float64Array([0.1, -2]) },
      idx: { dtype: 'I32', shape: [1], data: new Int32Array([-5]) },
      f: { dtype: 'F32', shape: [1, 1], data: new Float32Array([0.5]) },
    };
    const out = encodeSafetensors(tensors, { format: 'regpath.point/1', note: 'ünïcödé' });
    const n = Number(new DataView(out.buffer).getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0);
    const header = JSON.parse(Buffer.from(out.subarray(8, 8 + n)).toString('utf8'));
    assert.deepEqual(Object.keys(header), ['__metadata__', 'bytes', 'w', 'idx', 'f']);
    assert.deepEqual(header.w.data_offsets, [3, 19]);
    const back = decodeSafetensors(out);
    assert.deepEqual(back.metadata, { format: 'regpath.point/1', note: 'ünïcödé' });
    assert.deepEqual(back.tensors, tensors);
    for (const t of Object.values(back.tensors)) assert.equal(t.data.byteOffset % t.data.BYTES_PER_ELEMENT, 0);
  });

  test('typed arrays that are views into a larger buffer are written correctly', () => {
    const big = new Float32Array([9, 9, 1, 2, 3, 9]);
    const out = encodeSafetensors({ v: { dtype: 'F32', shape: [3], data: big.subarray(2, 5) } });
    assert.deepEqual([...decodeSafetensors(out).tensors.v!.data], [1, 2, 3]);
  });

  test('decoding a view into a larger buffer at an odd offset works', () => {
    const file = encodeSafetensors({ v: { dtype: 'F64', shape: [1], data: new Float64Array([42]) } });
    const host = new Uint8Array(file.length + 3);
    host.set(file, 3);
    assert.deepEqual([...decodeSafetensors(host.subarray(3)).tensors.v!.data], [42]);
  });

  test('odd tensor names (including __proto__) round trip as own properties', () => {
    const tensors: Tensors = Object.fromEntries([
      ['__proto__', { dtype: 'U8', shape: [1], data: new Uint8Array([1]) }],
      ['layer.0/weight "q"', { dtype: 'U8', shape: [1], data: new Uint8Array([2]) }],
    ]);
    const back = decodeSafetensors(encodeSafetensors(tensors)).tensors;
    assert.deepEqual(Object.keys(back), ['__proto__', 'layer.0/weight "q"']);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
  });

  test('writer rejects inconsistent tensors as internal errors', () => {
    const cases: Array<[Tensors, RegExp]> = [
      [{ t: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }, /shape \[3\] needs 3 values, data has 2/],
      [{ t: { dtype: 'F32', shape: [2], data: new Float64Array(2) } as unknown as Tensor }, /does not match dtype F32/],
      [{ t: { dtype: 'F16', shape: [2], data: new Uint8Array(4) } as unknown as Tensor }, /unsupported dtype F16/],
      [{ t: { dtype: 'U8', shape: [-1], data: new Uint8Array(0) } }, /non-negative integers/],
      [{ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }, /cannot be used as a tensor name/],
    ];
    for (const [tensors, message] of cases) {
      assert.throws(() => encodeSafetensors(tensors), (e: unknown) => e instanceof RegpathError && e.code === 'INTERNAL' && message.test(e.message));
    }
    assert.throws(() => encodeSafetensors({}, { n: 1 as unknown as string }), /metadata 'n' must be a string/);
  });
});

describe('safetensors strict reading', () => {
  const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

  test('too short', () => throwsBad(new Uint8Array(5), /too short \(5 bytes/));
  test('header length beyond the file size', () => {
    throwsBad(rawFile('{}', [], 1000n), /header length 1000 is beyond the file size \(10 bytes\)/);
    throwsBad(rawFile('{}', [], 0xffffffffffffffffn), /header length 18446744073709551615 is beyond the file size/);
  });
  test('header not JSON', () => {
    throwsBad(rawFile('{"a": nope}'), /header is not JSON/);
    throwsBad(rawFile('    {}'), /header is not JSON \(it does not start with "\{"\)/);
    throwsBad(rawFile(''), /header is not JSON/);
  });
  test('header not UTF-8', () => {
    const bytes = rawFile('{"x":1}');
    bytes[10] = 0xff;
    throwsBad(bytes, /header is not JSON \(.*/);
  });
  test('header not an object', () => throwsBad(rawFile('{}'.replace('{}', '{"a":[]}')), /tensor 'a' is not described by an object/));
  test('unknown dtype', () => throwsBad(rawFile({ a: { dtype: 'Q9', shape: [1], data_offsets: [0, 1] } }, [0]), /tensor 'a' has unknown dtype 'Q9'/));
  test('spec dtype regpath does not read', () => {
    throwsBad(rawFile({ a: { dtype: 'BF16', shape: [1], data_offsets: [0, 2] } }, [0, 0]), /tensor 'a' has dtype BF16, which regpath does not read/);
  });
  test('missing dtype, bad shape, bad offsets, unexpected field', () => {
    throwsBad(rawFile({ a: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'a' has no dtype/);
    throwsBad(rawFile({ a: f32([1.5], 0, 4) }, [0, 0, 0, 0]), /tensor 'a' has a bad shape/);
    throwsBad(rawFile({ a: f32([-1], 0, 4) }, [0, 0, 0, 0]), /tensor 'a' has a bad shape/);
    throwsBad(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, [0, 0, 0, 0]), /tensor 'a' has bad data_offsets/);
    throwsBad(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, -4] } }, [0, 0, 0, 0]), /tensor 'a' has bad data_offsets/);
    throwsBad(rawFile({ a: { ...f32([1], 0, 4), extra: 1 } }, [0, 0, 0, 0]), /tensor 'a' has an unexpected field 'extra'/);
  });
  test('offsets out of range', () => {
    throwsBad(rawFile({ a: f32([2], 0, 8) }, [0, 0, 0, 0]), /tensor 'a' has data_offsets \[0, 8\] out of range \(the data is 4 bytes\)/);
    throwsBad(rawFile({ a: f32([0], 4, 0) }, [0, 0, 0, 0]), /begin after end/);
  });
  test('size not matching shape × dtype', () => {
    throwsBad(rawFile({ a: f32([3], 0, 8) }, new Array(8).fill(0)), /tensor 'a' has 8 bytes of data, but shape \[3\] of F32 needs 12/);
    throwsBad(rawFile({ a: f32([2 ** 40, 2 ** 40], 0, 8) }, new Array(8).fill(0)), /tensor 'a' has 8 bytes of data, but shape/);
  });
  test('overlapping tensors', () => {
    throwsBad(rawFile({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, new Array(12).fill(0)), /tensor 'b' overlaps tensor 'a'/);
    throwsBad(rawFile({ a: f32([1], 0, 4), b: f32([1], 0, 4) }, new Array(8).fill(0)), /overlaps/);
  });
  test('a hole in the data', () => {
    throwsBad(rawFile({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, new Array(12).fill(0)), /bytes 4\.\.8 of the data belong to no tensor/);
  });
  test('trailing garbage', () => {
    const good = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    const bad = new Uint8Array(good.length + 3);
    bad.set(good);
    throwsBad(bad, /3 bytes of trailing data after the last tensor/);
  });
  test('bad __metadata__', () => {
    throwsBad(rawFile({ __metadata__: { n: 1 } }), /__metadata__ value 'n' is not a string/);
    throwsBad(rawFile({ __metadata__: ['x'] }), /__metadata__ is not an object/);
  });
  test('tensors may appear in the header in any order relative to their data', () => {
    const bytes = rawFile({ b: f32([1], 4, 8), a: f32([1], 0, 4) }, [0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
    const { tensors } = decodeSafetensors(bytes);
    assert.deepEqual([...tensors.a!.data], [1]);
    assert.deepEqual([...tensors.b!.data], [2]);
  });
  test('unpadded headers from other writers are read', () => {
    const { tensors } = decodeSafetensors(rawFile({ a: { dtype: 'U8', shape: [], data_offsets: [0, 1] } }, [5]));
    assert.deepEqual(tensors, { a: { dtype: 'U8', shape: [], data: new Uint8Array([5]) } });
  });

  test('file errors name the file', () => {
    const missing = path.join(tmp, 'nope.safetensors');
    assert.throws(() => readSafetensors(missing), (e: unknown) =>
      e instanceof RegpathError && e.code === 'FILE_NOT_FOUND' && e.message === `cannot read ${missing}: no such file or folder`);
    const bad = path.join(tmp, 'bad.safetensors');
    fs.writeFileSync(bad, 'hello');
    assert.throws(() => readSafetensors(bad), (e: unknown) =>
      e instanceof RegpathError && e.code === 'BAD_FILE' && e.message.startsWith(`${bad} is not a valid safetensors file: too short`));
  });
});
