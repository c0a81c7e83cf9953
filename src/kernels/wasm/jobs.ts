// The shared control block of the wasm worker pool and the one function that runs a chunk of a
// job, used by the main thread and the workers alike (so both cut a job the same way).
//
// Control block: one SharedArrayBuffer, viewed as Int32 (for Atomics) and Uint32 (job fields;
// pointers are byte offsets up to 4 GiB).
//   TICKET  (generation << 8) | next unclaimed chunk. A chunk is claimed by compare-exchange on
//           the whole word, so a late thread can never claim a chunk of a newer job with a
//           generation it read for an older one. A job is posted by first storing the new
//           generation with chunk POSTING (nothing claimable), then the fields, then chunk 0.
//   SEQ     bumped once per job: idle workers Atomics.wait on it.
//   DONE    chunks finished in the current job; the one that finishes the last notifies it.
//   TOTAL   chunks in the current job (≤ MAX_CHUNKS).
//   FAILED  set when a chunk threw (the main thread reports it after the job).
//   STOP    set when the pool closes.
//   STATUS  one word per worker: 1 ready, -1 failed to start.
// Job fields (from JOB): op, m, n, k, a, lda, b, ldb, c, ldc, accumulate, step (rows or steps of
// k per chunk), scratch (byte offset of the k-split partial sums, m·n floats each).

export const TICKET = 0;
export const SEQ = 1;
export const DONE = 2;
export const TOTAL = 3;
export const FAILED = 4;
export const STOP = 5;
export const STATUS = 16;
/** First Uint32 of the job fields. */
export const JOB = 96;
export const CONTROL_WORDS = 128;
/**
 * Chunks per job are counted in the low 8 bits of TICKET; 255 marks a job being posted (no chunk
 * can be claimed), so a job has at most 254 chunks.
 */
export const MAX_CHUNKS = 254;
export const POSTING = 0xff;
export const GEN_MASK = 0x7fffff;

export const F_OP = 0, F_M = 1, F_N = 2, F_K = 3, F_A = 4, F_LDA = 5, F_B = 6, F_LDB = 7;
export const F_C = 8, F_LDC = 9, F_ACC = 10, F_STEP = 11, F_SCRATCH = 12;

/** gemm by rows of C. */
export const OP_GEMM = 1;
/** gemmNT by rows of C. */
export const OP_GEMM_NT = 2;
/** gemmTN by rows of C (columns of A). */
export const OP_GEMM_TN = 3;
/** gemmTN by ranges of k: chunk 0 into C, chunk j > 0 into partial sum j-1 of the scratch. */
export const OP_GEMM_TN_K = 4;
/** csrGemm by rows of C (= rows of A); fields: a = rowStart, k = colIdx, lda = vals (pointers). */
export const OP_CSR = 5;
/**
 * softmaxCrossEntropyBlocks by rows: m rows of n logits at a, labels at b, gradient at c, k = the
 * divisor (all rows), lda = rows per block, step = rows per chunk (a multiple of lda), scratch =
 * the per-block partial sums (f64).
 */
export const OP_SOFTMAX = 6;
/** biasActivate by rows: m rows of n at a, bias at b, k = the activation code. */
export const OP_BIAS_ACT = 7;
/** activationBackward by ranges: m entries, outputs at a, gradient at b, k = the activation code. */
export const OP_ACT_BACK = 8;

/**
 * The conv and pooling jobs (assembly/conv.ts, pool.ts): k = the shape descriptor, m = rows of
 * the patch matrix (CONV_FWD, CONV_BWD_W) or images (the others), step = rows or images per
 * chunk. Conv jobs give each thread its own slot of n floats at scratch + slot·n, and ldb = rows
 * (images for CONV_BWD_IN) per im2col block. CONV_FWD: x at a, w at b, y at c. CONV_BWD_IN: dy
 * at a, Wᵀ at b, dx at c. CONV_BWD_W: x at a, dy at b, chunk j writes its partial sum at
 * c + j·ldc floats. MAXPOOL_FWD: x, y, argmax at a, b, c; MAXPOOL_BWD: dy, argmax, dx;
 * AVGPOOL_FWD: x, y; AVGPOOL_BWD: dy, dx.
 */
export const OP_CONV_FWD = 9;
export const OP_CONV_BWD_IN = 10;
export const OP_CONV_BWD_W = 11;
export const OP_MAXPOOL_FWD = 12;
export const OP_MAXPOOL_BWD = 13;
export const OP_AVGPOOL_FWD = 14;
export const OP_AVGPOOL_BWD = 15;

/** The exports a chunk calls (a subset of WasmExports). */
export interface GemmExports {
  gemm(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  gemmTN(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  gemmNT(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  csrGemm(m: number, n: number, rowStart: number, colIdx: number, vals: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  softmaxCrossEntropyBlocks(m: number, n: number, logits: number, labels: number, grad: number, divisor: number, blockRows: number, partials: number): void;
  biasActivate(m: number, n: number, z: number, bias: number, act: number): void;
  activationBackward(n: number, a: number, grad: number, act: number): void;
  convForwardRows(d: number, x: number, w: number, y: number, r0: number, r1: number, slot: number, blockRows: number): void;
  convBackInputImages(d: number, dy: number, wt: number, dx: number, n0: number, n1: number, slot: number, blockImages: number): void;
  convBackWeightRows(d: number, x: number, dy: number, out: number, r0: number, r1: number, slot: number, blockRows: number, accumulate: number): void;
  maxPoolForward(d: number, x: number, y: number, arg: number, n0: number, n1: number): void;
  maxPoolBackward(d: number, dy: number, arg: number, dx: number, n0: number, n1: number): void;
  avgPoolForward(d: number, x: number, y: number, n0: number, n1: number): void;
  avgPoolBackward(d: number, dy: number, dx: number, n0: number, n1: number): void;
}

/**
 * Runs chunk `chunk` of the job described in `f` (the Uint32 view of the control block) on the
 * thread with slot index `slot` (0 the main thread, 1.. the workers).
 */
export function runChunk(ex: GemmExports, f: Uint32Array, chunk: number, slot: number): void {
  const op = f[JOB + F_OP]!;
  const m = f[JOB + F_M]!, n = f[JOB + F_N]!, k = f[JOB + F_K]!;
  const a = f[JOB + F_A]!, lda = f[JOB + F_LDA]!, b = f[JOB + F_B]!, ldb = f[JOB + F_LDB]!;
  const c = f[JOB + F_C]!, ldc = f[JOB + F_LDC]!, acc = f[JOB + F_ACC]!, step = f[JOB + F_STEP]!;
  if (op === OP_GEMM_TN_K) {
    const p0 = chunk * step;
    const kc = Math.min(k, p0 + step) - p0;
    if (kc < 0) return;
    if (chunk === 0) ex.gemmTN(m, n, kc, a, lda, b, ldb, c, ldc, acc);
    else ex.gemmTN(m, n, kc, a + p0 * lda * 4, lda, b + p0 * ldb * 4, ldb, f[JOB + F_SCRATCH]! + (chunk - 1) * m * n * 4, n, 0);
    return;
  }
  const r0 = chunk * step;
  const rows = Math.min(m, r0 + step) - r0;
  if (rows <= 0) return;
  if (op >= OP_CONV_FWD) {
    runImageChunk(ex, op, k, a, b, c, r0, r0 + rows, f[JOB + F_SCRATCH]! + slot * n * 4, ldb, ldc, chunk);
    return;
  }
  if (op === OP_BIAS_ACT) {
    ex.biasActivate(rows, n, a + r0 * n * 4, b, k);
    return;
  }
  if (op === OP_ACT_BACK) {
    ex.activationBackward(rows, a + r0 * 4, b + r0 * 4, k);
    return;
  }
  if (op === OP_SOFTMAX) {
    ex.softmaxCrossEntropyBlocks(rows, n, a + r0 * n * 4, b + r0 * 4, c + r0 * n * 4, k, lda, f[JOB + F_SCRATCH]! + (r0 / lda) * 8);
    return;
  }
  if (op === OP_CSR) ex.csrGemm(rows, n, a + r0 * 4, k, lda, b, ldb, c + r0 * ldc * 4, ldc, acc);
  else if (op === OP_GEMM) ex.gemm(rows, n, k, a + r0 * lda * 4, lda, b, ldb, c + r0 * ldc * 4, ldc, acc);
  else if (op === OP_GEMM_NT) ex.gemmNT(rows, n, k, a + r0 * lda * 4, lda, b, ldb, c + r0 * ldc * 4, ldc, acc);
  else ex.gemmTN(rows, n, k, a + r0 * 4, lda, b, ldb, c + r0 * ldc * 4, ldc, acc);
}

function runImageChunk(
  ex: GemmExports, op: number, d: number, a: number, b: number, c: number, i0: number, i1: number,
  slot: number, block: number, ldc: number, chunk: number,
): void {
  switch (op) {
    case OP_CONV_FWD: return ex.convForwardRows(d, a, b, c, i0, i1, slot, block);
    case OP_CONV_BWD_IN: return ex.convBackInputImages(d, a, b, c, i0, i1, slot, block);
    case OP_CONV_BWD_W: return ex.convBackWeightRows(d, a, b, c + chunk * ldc * 4, i0, i1, slot, block, 0);
    case OP_MAXPOOL_FWD: return ex.maxPoolForward(d, a, b, c, i0, i1);
    case OP_MAXPOOL_BWD: return ex.maxPoolBackward(d, a, b, c, i0, i1);
    case OP_AVGPOOL_FWD: return ex.avgPoolForward(d, a, b, i0, i1);
    case OP_AVGPOOL_BWD: return ex.avgPoolBackward(d, a, b, i0, i1);
  }
}

/**
 * Claims and runs chunks of the current job until none is left (main thread and workers).
 * Returns the number of chunks this thread ran.
 */
export function work(ex: GemmExports, ctrl: Int32Array, f: Uint32Array, slot: number): number {
  let ran = 0;
  for (;;) {
    const t = Atomics.load(ctrl, TICKET);
    const chunk = t & 0xff;
    if (chunk >= Atomics.load(ctrl, TOTAL)) return ran;
    if (Atomics.compareExchange(ctrl, TICKET, t, t + 1) !== t) continue;
    // The job cannot finish (and its fields cannot change) before this claimed chunk is done.
    const total = Atomics.load(ctrl, TOTAL);
    try {
      runChunk(ex, f, chunk, slot);
    } catch {
      Atomics.store(ctrl, FAILED, 1);
    }
    ran++;
    if (Atomics.add(ctrl, DONE, 1) + 1 === total) Atomics.notify(ctrl, DONE);
  }
}
