// A worker thread of the wasm pool: instantiates the kernels on the main thread's shared memory,
// then runs chunks of the jobs posted in the control block (see jobs.ts) until the pool stops.
import { workerData } from 'node:worker_threads';
import { SEQ, STATUS, STOP, work, type GemmExports } from './jobs.js';
import { webAssembly, type WasmMemory, type WasmModule } from './webassembly.js';

interface PoolWorkerData {
  module: WasmModule;
  memory: WasmMemory;
  control: SharedArrayBuffer;
  index: number;
  spin: number;
}

const data = workerData as PoolWorkerData;
const ctrl = new Int32Array(data.control);
const fields = new Uint32Array(data.control);

let ex: GemmExports | null = null;
try {
  const WA = webAssembly();
  if (!WA) throw new Error('no WebAssembly in the worker');
  ex = new WA.Instance(data.module, { env: { memory: data.memory } }).exports as unknown as GemmExports;
  Atomics.store(ctrl, STATUS + data.index, 1);
} catch {
  Atomics.store(ctrl, STATUS + data.index, -1);
}

if (ex) {
  const spin = data.spin;
  for (;;) {
    const seen = Atomics.load(ctrl, SEQ);
    if (Atomics.load(ctrl, STOP) !== 0) break;
    work(ex, ctrl, fields, data.index + 1);
    // The next job of a training step usually follows within microseconds: spin briefly before
    // sleeping (Atomics.wait costs a futex wake-up).
    for (let i = 0; i < spin && Atomics.load(ctrl, SEQ) === seen; i++);
    Atomics.wait(ctrl, SEQ, seen);
  }
}
