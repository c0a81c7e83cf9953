import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPathOptions, type PathOptions } from '../../src/path/options.js';
import { prepareData, type PreparedData } from '../../src/path/prepare.js';

/**
 * The training and test arrays exactly as `regpath path` with these options sees them (same rows,
 * seeded split, standardisation), written for bench/torch_sweep.py:
 *   meta.json {train, test, features, classes}, x_train.f32, y_train.i32, x_test.f32, y_test.i32
 * (little-endian, row-major). Returns the prepared data for other uses (the exact lasso check).
 */
export function preparedFor(o: PathOptions): PreparedData {
  return prepareData(checkPathOptions(o), o.testFraction !== undefined);
}

export function writeArrays(dir: string, d: PreparedData): void {
  mkdirSync(dir, { recursive: true });
  const { train, test } = d;
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ train: train.rows, test: test?.rows ?? 0, features: train.features, classes: d.info.classes }));
  const bytes = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, 'x_train.f32'), bytes(train.x));
  writeFileSync(join(dir, 'y_train.i32'), bytes(Int32Array.from(train.y)));
  if (test) {
    writeFileSync(join(dir, 'x_test.f32'), bytes(test.x));
    writeFileSync(join(dir, 'y_test.i32'), bytes(Int32Array.from(test.y)));
  }
}
