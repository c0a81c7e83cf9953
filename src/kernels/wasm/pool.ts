// A persistent pool of worker threads that run GEMM chunks on the wasm backend's shared memory.
//
// Each worker instantiates the same compiled module on the same shared WebAssembly.Memory, so
// operands are never copied: a job is a dozen integers (shapes, byte offsets) written into a
// small control block on a SharedArrayBuffer (layout in jobs.ts). The kernel API is synchronous,
// so the main thread posts a job, wakes the workers (Atomics.notify), claims and runs chunks
// itself like any worker, then blocks in Atomics.wait until every chunk is done. Chunks are
// claimed dynamically (compare-exchange on one word), so a worker that is slow to wake up, still
// starting or starved by other processes only means the main thread runs more chunks; how a job
// is cut never depends on who runs which chunk, so results do not either.
//
// Workers start lazily (on the first job) and are unref'd: an idle pool never keeps the process
// alive, and process.exit / signals end it as usual. If a worker cannot be created or cannot
// instantiate the module, the pool disables itself and the backend goes on with one thread,
// after one line on stderr.
import { Worker } from 'node:worker_threads';
import {
  CONTROL_WORDS, DONE, FAILED, GEN_MASK, JOB, MAX_CHUNKS, POSTING, SEQ, STATUS, STOP, TICKET, TOTAL,
  F_A, F_ACC, F_B, F_C, F_K, F_LDA, F_LDB, F_LDC, F_M, F_N, F_OP, F_SCRATCH, F_STEP,
  work, type GemmExports,
} from './jobs.js';
import type { WasmMemory, WasmModule } from './webassembly.js';
import { RegpathError } from '../../errors.js';

/**
 * Spins of a worker on the job counter before it sleeps (about half a millisecond). The serial
 * work between two parallel jobs of a corrector step (the MPG step's passes over θ, small layers)
 * takes a few hundred µs; a worker that sleeps through it wakes late for the next job, and the
 * main thread then waits for its chunk. 20,000 spins (tens of µs) made a --points 12 run 7 %
 * slower (12.4 against 11.5 s, mean of 4 interleaved runs each). The worker runs on its own core
 * (threads default to the available cores), so the spinning takes nothing from the main thread.
 */
const WORKER_SPIN = 500_000;
/** Spins of the main thread on the done counter before it sleeps. */
const MAIN_SPIN = 200000;

let spawned = 0;
let warned = false;
/** Chunks run by all pools, and those of them the main threads ran (diagnostics). */
const chunkCounts = { all: 0, main: 0 };

/** Worker threads started by all pools of this process so far (tests check the pool is reused). */
export function workersSpawned(): number {
  return spawned;
}

/** Chunks run by all pools so far, and how many of them ran on the main thread (diagnostics). */
export function poolChunks(): { all: number; main: number } {
  return { ...chunkCounts };
}

function warnOnce(why: string): void {
  if (warned) return;
  warned = true;
  process.stderr.write(`regpath: worker threads unavailable (${why}); the kernels run on one thread\n`);
}

export class WasmPool {
  /** Threads of a job, the main thread included. */
  readonly threads: number;
  private readonly ctrl: Int32Array;
  private readonly fields: Uint32Array;
  private readonly workers: Worker[] = [];
  private started = false;
  private disabled = false;
  private failure: string | null = null;
  private gen = 0;

  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
    private readonly ex: GemmExports,
    threads: number,
  ) {
    this.threads = threads;
    const sab = new SharedArrayBuffer(CONTROL_WORDS * 4);
    this.ctrl = new Int32Array(sab);
    this.fields = new Uint32Array(sab);
  }

  /** Whether jobs can run in parallel (false once the workers failed or the pool was closed). */
  get usable(): boolean {
    if (this.disabled) return false;
    if (!this.started) this.start();
    if (!this.disabled) this.checkWorkers();
    return !this.disabled;
  }

  /** Number of worker threads (threads - 1 once started, 0 before or when disabled). */
  get workerCount(): number {
    return this.disabled ? 0 : this.workers.length;
  }

  /**
   * Runs `chunks` chunks of a job (see runChunk in jobs.ts) on the pool and the main thread, and
   * returns when all are done. The caller has checked `usable`.
   */
  run(
    op: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number,
    c: number, ldc: number, acc: number, step: number, chunks: number, scratch: number,
  ): void {
    const { ctrl, fields } = this;
    if (chunks > MAX_CHUNKS) throw new RegpathError('INTERNAL', `wasm pool: ${chunks} chunks exceed ${MAX_CHUNKS}`);
    this.gen = (this.gen + 1) & GEN_MASK;
    const ticket = this.gen << 8;
    // Close the previous generation first: a late thread can no longer claim anything.
    Atomics.store(ctrl, TICKET, ticket | POSTING);
    fields[JOB + F_OP] = op;
    fields[JOB + F_M] = m;
    fields[JOB + F_N] = n;
    fields[JOB + F_K] = k;
    fields[JOB + F_A] = a;
    fields[JOB + F_LDA] = lda;
    fields[JOB + F_B] = b;
    fields[JOB + F_LDB] = ldb;
    fields[JOB + F_C] = c;
    fields[JOB + F_LDC] = ldc;
    fields[JOB + F_ACC] = acc;
    fields[JOB + F_STEP] = step;
    fields[JOB + F_SCRATCH] = scratch;
    Atomics.store(ctrl, TOTAL, chunks);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, TICKET, ticket);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    chunkCounts.main += work(this.ex, ctrl, fields, 0);
    chunkCounts.all += chunks;
    let d = Atomics.load(ctrl, DONE);
    for (let i = 0; d < chunks && i < MAIN_SPIN; i++) d = Atomics.load(ctrl, DONE);
    while (d < chunks) {
      Atomics.wait(ctrl, DONE, d, 1000);
      d = Atomics.load(ctrl, DONE);
    }
    if (Atomics.load(ctrl, FAILED) !== 0) {
      Atomics.store(ctrl, FAILED, 0);
      throw new RegpathError('INTERNAL', 'wasm pool: a kernel chunk failed in a worker thread');
    }
  }

  /** Stops the workers (they exit at their next wake-up; terminate() makes sure). */
  close(): void {
    if (this.disabled && this.workers.length === 0) return;
    this.disabled = true;
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    for (const w of this.workers) void w.terminate().catch(() => undefined);
    this.workers.length = 0;
  }

  private start(): void {
    this.started = true;
    const url = new URL('./worker.js', import.meta.url);
    try {
      for (let i = 0; i < this.threads - 1; i++) {
        const w = new Worker(url, {
          workerData: { module: this.module, memory: this.memory, control: this.ctrl.buffer, index: i, spin: WORKER_SPIN },
          stdout: false,
          stderr: false,
        });
        spawned++;
        w.unref();
        w.on('error', (e: unknown) => {
          this.failure ??= e instanceof Error ? e.message : String(e);
        });
        w.on('exit', (code: number) => {
          if (!this.disabled) this.failure ??= `a worker exited with code ${code}`;
        });
        this.workers.push(w);
      }
    } catch (e) {
      this.fail(e instanceof Error ? e.message : String(e));
    }
  }

  private checkWorkers(): void {
    if (this.failure !== null) {
      this.fail(this.failure);
      return;
    }
    for (let i = 0; i < this.workers.length; i++) {
      if (Atomics.load(this.ctrl, STATUS + i) < 0) {
        this.fail('a worker could not instantiate the WebAssembly kernels');
        return;
      }
    }
  }

  private fail(why: string): void {
    warnOnce(why);
    this.close();
  }
}
