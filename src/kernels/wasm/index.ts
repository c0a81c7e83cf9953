// The WebAssembly SIMD backend: the kernels of assembly/ (compiled to build/kernels.wasm) behind
// the `Kernels` interface. Buffers live in the module's shared linear memory; each call only
// turns its Float32Array arguments into byte offsets (after checking they are views on this
// memory and long enough) and calls the export: no allocation or copying per call.
//
// Threads: with `threads` > 1 the big GEMMs are cut into chunks that a pool of worker threads
// (pool.ts) and the main thread run on the same memory: gemm and gemmNT by blocks of C's rows,
// gemmTN by blocks of C's rows too (each thread walks its own columns of A down the long batch
// dimension). Row blocks give results bit-identical to one thread, so the thread count never
// changes a run. (An alternative split of gemmTN's k into per-chunk partial sums added in a fixed
// order is kept behind wasmTuning.tnSplitK: it only changes the float summation order, but it
// does change it, and it was no faster on 2 cores.) Calls below wasmTuning.minParallelFlops stay
// on the main thread. threads = 1 never creates a pool and runs exactly the single-threaded code.
import type { ActCode, Kernels } from '../kernels.js';
import { WasmHeap } from './heap.js';
import { instantiate, type SimdVariant, type WasmExports } from './loader.js';
import type { WasmMemory, WasmModule } from './webassembly.js';
import { WasmPool } from './pool.js';
import { OP_ACT_BACK, OP_BIAS_ACT, OP_CSR, OP_GEMM, OP_GEMM_NT, OP_GEMM_TN, OP_GEMM_TN_K, OP_SOFTMAX, MAX_CHUNKS } from './jobs.js';
import { defaultThreads, parseThreads } from './threads.js';
import { createConvKernels } from './conv.js';

export { findWasmFile, wasmFilePath, loadedSimdVariant, defaultSimdVariant } from './loader.js';
export { WasmHeap } from './heap.js';
export type { WasmExports, SimdVariant } from './loader.js';
export type { WasmMemory, WasmModule } from './webassembly.js';
export { workersSpawned, poolChunks } from './pool.js';
export { convTuning, convPlan } from './conv.js';
export { availableCores, defaultThreads, parseThreads, setDefaultThreads, MAX_THREADS } from './threads.js';

/**
 * When a GEMM goes parallel (measured on 2 cores, see docs/performance.md). Exported mutable for
 * the benchmark and tests; not a public API.
 */
export const wasmTuning = {
  /** Least 2·m·n·k of a GEMM run on more than one thread. */
  minParallelFlops: 1_000_000,
  /** Least rows of C per chunk in a row split. */
  minChunkRows: 16,
  /** Chunks per thread in a row split (more chunks balance a busy machine better). */
  chunksPerThread: 4,
  /** Least rows of C per chunk in a row split of gemmTN (its tiles are 4 rows tall). */
  minChunkRowsTN: 4,
  /**
   * gemmTN with C shorter than tnRowsMin splits k into partial sums instead of C's rows. Off by
   * default: the row split keeps results bit-identical for every thread count (so a run does
   * not depend on the machine's cores) and is as fast for the hot shapes on 2 cores.
   */
  tnSplitK: false,
  tnRowsMin: 128,
  /** Least steps of k per chunk in a k split. */
  minChunkK: 256,
  /** Rows per block of the softmax loss's partial sums (the unit of its row split). */
  softmaxBlockRows: 256,
  /** Work of a softmax entry in the units of minParallelFlops (an exponential and some arithmetic). */
  softmaxFlopsPerEntry: 40,
  /** Work of an entry of biasActivate / activationBackward in those units (tanh and sigmoid cost more than ReLU). */
  elementwiseFlopsPerEntry: 8,
};

export interface WasmKernelsOptions {
  /**
   * Threads the GEMMs may use, the calling thread included (1..64). Default: the process
   * default (REGPATH_THREADS, else the available cores, or what configureThreads set).
   */
  threads?: number;
  /** Which build of the kernels (see SimdVariant); default REGPATH_SIMD, else auto. */
  simd?: SimdVariant;
}

/** The wasm backend, plus what worker threads will need to share it. */
export interface WasmKernels extends Kernels {
  readonly name: 'wasm';
  /** The build in use: 'fma' (relaxed SIMD, fused multiply-adds) or 'baseline'. */
  readonly simd: 'fma' | 'baseline';
  /** The shared memory every buffer of this backend lives in. */
  readonly memory: WasmMemory;
  /** The compiled module (instantiate it on `memory` in another thread to share the buffers). */
  readonly module: WasmModule;
  /** The raw exports (byte offsets, explicit leading dimensions: callable on sub-blocks). */
  readonly raw: WasmExports;
  /** The allocator (exposed for tests and diagnostics). */
  readonly heap: WasmHeap;
  /** Threads the GEMMs may use (1 = single-threaded). */
  readonly threads: number;
  /** Change the thread count (the pool is rebuilt on the next parallel call). */
  setThreads(n: number): void;
  /** Worker threads running now (0 until the first parallel call, or with one thread). */
  readonly workers: number;
  /** Stop the worker threads (the backend goes on single-threaded until setThreads). */
  close(): void;
}

/**
 * A new wasm backend on its own fresh memory. Throws RegpathError('INTERNAL') if unavailable,
 * RegpathError('BAD_OPTION') for a bad thread count.
 */
export function createWasmKernels(options: WasmKernelsOptions = {}): WasmKernels {
  let threads = options.threads !== undefined ? parseThreads(options.threads, 'threads') : defaultThreads();
  const { variant, module, memory, exports: ex } = instantiate(options.simd);
  const heap = new WasmHeap(memory, ex.heapBase());
  const p = (a: Float32Array | Int32Array, need: number, kernel: string, arg: string): number => heap.ptr(a, need, kernel, arg);

  // two f64 results of proxStats (heap blocks are 16-byte aligned, so the f64 view is aligned)
  const statsOut = heap.alloc(4);
  const stats = new Float64Array(statsOut.buffer, statsOut.byteOffset, 2);
  let pool: WasmPool | null = null;
  /**
   * The live buffers of alloc and allocInt by byte offset, numbered in the order they were handed
   * out (for releaseSince; the backend's own scratch below comes from the heap directly and stays).
   */
  const handedOut = new Map<number, { n: number; block: Float32Array }>();
  let handOuts = 0;
  const handOut = (block: Float32Array): Float32Array => {
    handedOut.set(block.byteOffset, { n: ++handOuts, block });
    return block;
  };
  /** Partial sums of the k-split gemmTN (grown when needed). */
  let scratch: Float32Array | null = null;
  /** f64 partial sums of the blocked reductions (grown when needed; heap blocks are 16-byte aligned). */
  let partialsBlock: Float32Array | null = null;
  let partialsView: Float64Array<ArrayBufferLike> = new Float64Array(0);
  const partials = (count: number): Float64Array => {
    if (partialsView.length < count) {
      if (partialsBlock) heap.free(partialsBlock);
      partialsBlock = heap.alloc(2 * count);
      partialsView = new Float64Array(partialsBlock.buffer, partialsBlock.byteOffset, count);
    }
    return partialsView;
  };

  /** The pool if a call of 2·m·n·k flops should go parallel, else null. */
  const parallel = (flops: number): WasmPool | null => {
    if (threads <= 1 || flops < wasmTuning.minParallelFlops) return null;
    pool ??= new WasmPool(module, memory, ex, threads);
    return pool.usable ? pool : null;
  };

  /** Rows of C per chunk for a row split of m rows (a multiple of 4), or 0 if too few rows. */
  const rowStep = (m: number, minRows: number): number => {
    const chunks = Math.min(threads * wasmTuning.chunksPerThread, Math.floor(m / minRows), MAX_CHUNKS);
    if (chunks < 2) return 0;
    return Math.ceil(m / chunks / 4) * 4;
  };

  const byRows = (
    op: number, m: number, n: number, k: number, pa: number, lda: number, pb: number, ldb: number, pc: number, acc: number,
  ): boolean => {
    const pl = parallel(2 * m * n * k);
    if (!pl) return false;
    const step = rowStep(m, op === OP_GEMM_TN ? wasmTuning.minChunkRowsTN : wasmTuning.minChunkRows);
    if (step === 0) return false;
    pl.run(op, m, n, k, pa, lda, pb, ldb, pc, n, acc, step, Math.ceil(m / step), 0);
    return true;
  };

  const gemmTNSplitK = (m: number, n: number, k: number, pa: number, pb: number, pc: number, acc: number): boolean => {
    const pl = parallel(2 * m * n * k);
    if (!pl) return false;
    const chunks = Math.min(threads, Math.floor(k / wasmTuning.minChunkK), MAX_CHUNKS);
    if (chunks < 2) return false;
    const step = Math.ceil(k / chunks / 4) * 4;
    const used = Math.ceil(k / step);
    const need = (used - 1) * m * n;
    if (!scratch || scratch.length < need) {
      if (scratch) heap.free(scratch);
      scratch = null;
      scratch = heap.alloc(need);
    }
    const ps = scratch.byteOffset;
    pl.run(OP_GEMM_TN_K, m, n, k, pa, m, pb, n, pc, n, acc, step, used, ps);
    for (let j = 1; j < used; j++) ex.axpy(m * n, 1, ps + (j - 1) * m * n * 4, pc);
    return true;
  };

  return {
    name: 'wasm',
    simd: variant,
    memory,
    module,
    raw: ex,
    heap,
    get threads() {
      return threads;
    },
    get workers() {
      return pool?.workerCount ?? 0;
    },
    setThreads(n: number) {
      const t = parseThreads(n, 'threads');
      if (t === threads) return;
      pool?.close();
      pool = null;
      threads = t;
    },
    close() {
      pool?.close();
    },
    alloc: (n) => handOut(heap.alloc(n)),
    free(a) {
      heap.free(a);
      handedOut.delete(a.byteOffset);
    },
    allocInt(n) {
      const f = handOut(heap.alloc(n));
      return new Int32Array(f.buffer, f.byteOffset, n);
    },
    freeInt(a) {
      heap.free(new Float32Array(a.buffer, a.byteOffset, a.length));
      handedOut.delete(a.byteOffset);
    },
    allocationMark: () => handOuts,
    releaseSince(mark) {
      for (const [offset, { n, block }] of handedOut) {
        if (n <= mark) continue;
        heap.free(block);
        handedOut.delete(offset);
      }
    },

    gemm(m, n, k, a, b, c, accumulate) {
      const pa = p(a, m * k, 'gemm', 'a'), pb = p(b, k * n, 'gemm', 'b'), pc = p(c, m * n, 'gemm', 'c');
      const acc = accumulate ? 1 : 0;
      if (threads > 1 && byRows(OP_GEMM, m, n, k, pa, k, pb, n, pc, acc)) return;
      ex.gemm(m, n, k, pa, k, pb, n, pc, n, acc);
    },
    csrGemm(m, n, a, b, c, accumulate) {
      const rs = p(a.rowStart, m + 1, 'csrGemm', 'rowStart');
      const nnz = m > 0 ? a.rowStart[m]! : 0;
      const ci = p(a.colIndex, nnz, 'csrGemm', 'colIndex'), va = p(a.values, nnz, 'csrGemm', 'values');
      const pb = p(b, 0, 'csrGemm', 'b'), pc = p(c, m * n, 'csrGemm', 'c');
      const acc = accumulate ? 1 : 0;
      if (threads > 1) {
        const pl = parallel(2 * (nnz - (m > 0 ? a.rowStart[0]! : 0)) * n);
        const step = pl ? rowStep(m, wasmTuning.minChunkRows) : 0;
        if (pl && step > 0) {
          pl.run(OP_CSR, m, n, ci, rs, va, pb, n, pc, n, acc, step, Math.ceil(m / step), 0);
          return;
        }
      }
      ex.csrGemm(m, n, rs, ci, va, pb, n, pc, n, acc);
    },
    csrSelectColumns(m, a, keep, out) {
      const rs = p(a.rowStart, m + 1, 'csrSelectColumns', 'rowStart');
      const p0 = m > 0 ? a.rowStart[0]! : 0, p1 = m > 0 ? a.rowStart[m]! : 0;
      const ci = p(a.colIndex, p1, 'csrSelectColumns', 'colIndex'), va = p(a.values, p1, 'csrSelectColumns', 'values');
      const kp = p(keep, 0, 'csrSelectColumns', 'keep');
      const ors = p(out.rowStart, m + 1, 'csrSelectColumns', 'out.rowStart');
      const oci = p(out.colIndex, p1 - p0, 'csrSelectColumns', 'out.colIndex'), ova = p(out.values, p1 - p0, 'csrSelectColumns', 'out.values');
      return ex.csrSelectColumns(m, rs, ci, va, kp, ors, oci, ova);
    },
    nonzeroPattern(m, n, a, rowAny, colAny) {
      ex.nonzeroPattern(m, n, p(a, m * n, 'nonzeroPattern', 'a'), p(rowAny, m, 'nonzeroPattern', 'rowAny'), p(colAny, n, 'nonzeroPattern', 'colAny'));
    },
    gatherColumns(m, n, a, cols, count, out) {
      ex.gatherColumns(m, n, p(a, m * n, 'gatherColumns', 'a'), p(cols, count, 'gatherColumns', 'cols'), count, p(out, m * count, 'gatherColumns', 'out'));
    },
    scatterColumns(m, n, narrow, cols, count, a) {
      ex.scatterColumns(m, n, p(narrow, m * count, 'scatterColumns', 'narrow'), p(cols, count, 'scatterColumns', 'cols'), count, p(a, m * n, 'scatterColumns', 'a'));
    },
    gemmTN(m, n, k, a, b, c, accumulate) {
      const pa = p(a, k * m, 'gemmTN', 'a'), pb = p(b, k * n, 'gemmTN', 'b'), pc = p(c, m * n, 'gemmTN', 'c');
      const acc = accumulate ? 1 : 0;
      if (threads > 1) {
        const splitK = wasmTuning.tnSplitK && m < wasmTuning.tnRowsMin;
        if (splitK ? gemmTNSplitK(m, n, k, pa, pb, pc, acc) : byRows(OP_GEMM_TN, m, n, k, pa, m, pb, n, pc, acc)) return;
      }
      ex.gemmTN(m, n, k, pa, m, pb, n, pc, n, acc);
    },
    gemmNT(m, n, k, a, b, c, accumulate) {
      const pa = p(a, m * k, 'gemmNT', 'a'), pb = p(b, n * k, 'gemmNT', 'b'), pc = p(c, m * n, 'gemmNT', 'c');
      const acc = accumulate ? 1 : 0;
      if (threads > 1 && byRows(OP_GEMM_NT, m, n, k, pa, k, pb, k, pc, acc)) return;
      ex.gemmNT(m, n, k, pa, k, pb, k, pc, n, acc);
    },

    // element-wise: any split of the rows gives the same bits
    biasActivate(m, n, z, bias, act: ActCode) {
      const pz = p(z, m * n, 'biasActivate', 'z'), pb = p(bias, n, 'biasActivate', 'bias');
      const pl = threads > 1 ? parallel(m * n * wasmTuning.elementwiseFlopsPerEntry) : null;
      const step = pl ? rowStep(m, wasmTuning.minChunkRows) : 0;
      if (pl && step > 0) pl.run(OP_BIAS_ACT, m, n, act, pz, 0, pb, 0, 0, 0, 0, step, Math.ceil(m / step), 0);
      else ex.biasActivate(m, n, pz, pb, act);
    },
    activationBackward(n, a, grad, act: ActCode) {
      const pa = p(a, n, 'activationBackward', 'a'), pg = p(grad, n, 'activationBackward', 'grad');
      const pl = threads > 1 ? parallel(n * wasmTuning.elementwiseFlopsPerEntry) : null;
      const step = pl ? rowStep(n, wasmTuning.minChunkRows * 16) : 0;
      if (pl && step > 0) pl.run(OP_ACT_BACK, n, 0, act, pa, 0, pg, 0, 0, 0, 0, step, Math.ceil(n / step), 0);
      else ex.activationBackward(n, pa, pg, act);
    },
    colSums(m, n, a, out, accumulate) {
      ex.colSums(m, n, p(a, m * n, 'colSums', 'a'), p(out, n, 'colSums', 'out'), accumulate ? 1 : 0);
    },

    ...createConvKernels({
      ex, heap,
      threads: () => threads,
      parallel,
      chunksPerThread: () => wasmTuning.chunksPerThread,
    }),

    softmaxCrossEntropy(m, n, logits, labels, grad) {
      if (m <= 0 || n <= 0) return NaN;
      const plog = p(logits, m * n, 'softmaxCrossEntropy', 'logits');
      const py = p(labels, m, 'softmaxCrossEntropy', 'labels');
      const pg = p(grad, m * n, 'softmaxCrossEntropy', 'grad');
      // per-block partial sums, added here in block order: the same loss for any thread count
      const B = wasmTuning.softmaxBlockRows;
      const blocks = Math.ceil(m / B);
      const sums = partials(blocks);
      const pl = threads > 1 ? parallel(m * n * wasmTuning.softmaxFlopsPerEntry) : null;
      const chunks = Math.min(threads * wasmTuning.chunksPerThread, blocks, MAX_CHUNKS);
      if (pl && chunks >= 2) {
        const step = Math.ceil(blocks / chunks) * B;
        pl.run(OP_SOFTMAX, m, n, m, plog, B, py, 0, pg, 0, 0, step, Math.ceil(m / step), sums.byteOffset);
      } else {
        ex.softmaxCrossEntropyBlocks(m, n, plog, py, pg, m, B, sums.byteOffset);
      }
      let total = 0;
      for (let b = 0; b < blocks; b++) total += sums[b]!;
      return total / m;
    },
    countCorrect(m, n, logits, labels) {
      return ex.countCorrect(m, n, p(logits, m * n, 'countCorrect', 'logits'), p(labels, m, 'countCorrect', 'labels'));
    },
    meanSquaredError(m, n, pred, target, grad) {
      return ex.meanSquaredError(
        m, n,
        p(pred, m * n, 'meanSquaredError', 'pred'),
        p(target, m * n, 'meanSquaredError', 'target'),
        p(grad, m * n, 'meanSquaredError', 'grad'),
      );
    },

    l1Norm(n, x) {
      return ex.l1Norm(n, p(x, n, 'l1Norm', 'x'));
    },
    dot(n, x, y) {
      return ex.dot(n, p(x, n, 'dot', 'x'), p(y, n, 'dot', 'y'));
    },
    axpy(n, alpha, x, y) {
      ex.axpy(n, alpha, p(x, n, 'axpy', 'x'), p(y, n, 'axpy', 'y'));
    },
    scale(n, alpha, x) {
      ex.scale(n, alpha, p(x, n, 'scale', 'x'));
    },
    countNonzero(n, x) {
      return ex.countNonzero(n, p(x, n, 'countNonzero', 'x'));
    },
    l1Excess(n, x, tau) {
      ex.l1Excess(n, p(x, n, 'l1Excess', 'x'), tau, statsOut.byteOffset);
      return [stats[0]!, stats[1]!];
    },

    proxGradient(n, x, g, step, tau, out) {
      ex.proxGradient(n, p(x, n, 'proxGradient', 'x'), p(g, n, 'proxGradient', 'g'), step, tau, p(out, n, 'proxGradient', 'out'));
    },
    proxLinearDecrease(n, x, g, step, tau) {
      return ex.proxLinearDecrease(n, p(x, n, 'proxLinearDecrease', 'x'), p(g, n, 'proxLinearDecrease', 'g'), step, tau);
    },
    proxL1(n, x, g, step, tau) {
      return ex.proxL1(n, p(x, n, 'proxL1', 'x'), p(g, n, 'proxL1', 'g'), step, tau);
    },
    proxStats(n, x, g, step, tau) {
      ex.proxStats(n, p(x, n, 'proxStats', 'x'), p(g, n, 'proxStats', 'g'), step, tau, statsOut.byteOffset);
      return [stats[0]!, stats[1]!];
    },

    momentumStep(n, x, g, v, lr, mu) {
      ex.momentumStep(n, p(x, n, 'momentumStep', 'x'), p(g, n, 'momentumStep', 'g'), p(v, n, 'momentumStep', 'v'), lr, mu);
    },
    adamStep(n, x, g, m, v, lr, b1, b2, eps, bc1, bc2) {
      ex.adamStep(
        n, p(x, n, 'adamStep', 'x'), p(g, n, 'adamStep', 'g'), p(m, n, 'adamStep', 'm'), p(v, n, 'adamStep', 'v'),
        lr, b1, b2, eps, bc1, bc2,
      );
    },
  };
}
