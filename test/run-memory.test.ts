// A path run gives back the kernel memory it used (Kernels.allocationMark / releaseSince): a
// process that computes many paths does not grow by a run each time.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createJsKernels, createWasmKernels } from '../src/kernels/index.js';
import { computePath } from '../src/path/compute-path.js';
import { tempDir } from './helpers/tmp.js';

const k = createWasmKernels({ threads: 1 });
after(() => k.close());

test('releaseSince gives back the buffers handed out after the mark and not freed, and only those', () => {
  const before = k.alloc(10);
  before.fill(7);
  const live0 = k.heap.stats().liveBytes;
  const mark = k.allocationMark();
  k.alloc(20);
  k.allocInt(5);
  const freed = k.alloc(7);
  k.free(freed);
  assert.ok(k.heap.stats().liveBytes > live0);
  k.releaseSince(mark);
  assert.equal(k.heap.stats().liveBytes, live0);
  assert.ok(before.every((v) => v === 7), 'a buffer from before the mark is untouched');
  // a second release has nothing left to give back
  k.releaseSince(mark);
  assert.equal(k.heap.stats().liveBytes, live0);
  k.free(before);
  // the js backend's buffers belong to the garbage collector
  const js = createJsKernels();
  const m = js.allocationMark();
  const a = js.alloc(3).fill(1);
  js.releaseSince(m);
  assert.deepEqual([...a], [1, 1, 1]);
});

test('a path run, finished or failed, leaves the kernel memory as it found it; its result holds its own copies', async () => {
  const run = () => computePath({ data: 'iris', hidden: [4], points: 6, seed: 1, kernels: k });
  // the first run grows the backend's own scratch (kept for later calls), so measure from the second
  await run();
  const live = k.heap.stats().liveBytes;
  const r = await run();
  assert.equal(k.heap.stats().liveBytes, live, 'a finished run');
  const again = await run();
  assert.equal(k.heap.stats().liveBytes, live, 'a third run');
  // the returned parameters and the model are usable after the run's buffers went back
  assert.deepEqual(r.parameters.map((p) => [...p]), again.parameters.map((p) => [...p]));
  const prediction = r.predict([[5.1, 3.5, 1.4, 0.2]], { point: r.points.length - 1 });
  assert.ok(prediction.outputs.every(Number.isFinite) && Math.abs(prediction.outputs.reduce((a, b) => a + b, 0) - 1) < 1e-6, String(prediction.outputs));
  // a run that fails partway (training diverges at its first point) gives its memory back too
  const root = tempDir('run-memory');
  try {
    const file = path.join(root, 'wild.csv');
    fs.writeFileSync(file, 'a,b,y\n' + Array.from({ length: 60 }, (_, i) => `${[3e38, -3e38, 1e38][(i * 7) % 3]},${(i % 5) * 5e37},${i % 2}`).join('\n') + '\n');
    await assert.rejects(computePath({ data: file, hidden: [3], points: 4, standardize: false, kernels: k }), /diverged/);
    assert.equal(k.heap.stats().liveBytes, live, 'a failed run');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
