/** Rows [start, start + rows) of a data set: views (not copies) of their inputs and targets. */
export interface RowChunk {
  start: number;
  rows: number;
  x: Float32Array;
  y: Float32Array;
}

/**
 * The rows of `data` in consecutive chunks of at most `size` rows (the last may be shorter), for
 * evaluating a data set larger than a model's row workspace. x is row-major with `features`
 * columns; y has one target per row.
 */
export function* rowChunks(data: { x: Float32Array; y: Float32Array; rows: number; features: number }, size: number): Generator<RowChunk> {
  const d = data.features;
  for (let start = 0; start < data.rows; start += size) {
    const rows = Math.min(size, data.rows - start);
    yield { start, rows, x: data.x.subarray(start * d, (start + rows) * d), y: data.y.subarray(start, start + rows) };
  }
}
