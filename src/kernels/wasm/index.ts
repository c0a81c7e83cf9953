// The WebAssembly SIMD backend: the kernels of assembly/ (compiled to build/kernels.wasm) behind
// the `Kernels` interface. Buffers live in the module's shared linear memory; each call only
// turns its Float32Array arguments into byte offsets (after checking they are views on this
// memory and long enough) and calls the export: no allocation or copying per call.
import type { ActCode, Kernels } from '../kernels.js';
import { WasmHeap } from './heap.js';
import { instantiate, type WasmExports } from './loader.js';
import type { WasmMemory, WasmModule } from './webassembly.js';

export { findWasmFile, wasmFilePath } from './loader.js';
export { WasmHeap } from './heap.js';
export type { WasmExports } from './loader.js';
export type { WasmMemory, WasmModule } from './webassembly.js';

/** The wasm backend, plus what worker threads will need to share it. */
export interface WasmKernels extends Kernels {
  readonly name: 'wasm';
  /** The shared memory every buffer of this backend lives in. */
  readonly memory: WasmMemory;
  /** The compiled module (instantiate it on `memory` in another thread to share the buffers). */
  readonly module: WasmModule;
  /** The raw exports (byte offsets, explicit leading dimensions: callable on sub-blocks). */
  readonly raw: WasmExports;
  /** The allocator (exposed for tests and diagnostics). */
  readonly heap: WasmHeap;
}

/** A new wasm backend on its own fresh memory. Throws RegpathError('INTERNAL') if unavailable. */
export function createWasmKernels(): WasmKernels {
  const { module, memory, exports: ex } = instantiate();
  const heap = new WasmHeap(memory, ex.heapBase());
  const p = (a: Float32Array, need: number, kernel: string, arg: string): number => heap.ptr(a, need, kernel, arg);

  return {
    name: 'wasm',
    memory,
    module,
    raw: ex,
    heap,
    alloc: (n) => heap.alloc(n),
    free: (a) => heap.free(a),

    gemm(m, n, k, a, b, c, accumulate) {
      ex.gemm(m, n, k, p(a, m * k, 'gemm', 'a'), k, p(b, k * n, 'gemm', 'b'), n, p(c, m * n, 'gemm', 'c'), n, accumulate ? 1 : 0);
    },
    gemmTN(m, n, k, a, b, c, accumulate) {
      ex.gemmTN(m, n, k, p(a, k * m, 'gemmTN', 'a'), m, p(b, k * n, 'gemmTN', 'b'), n, p(c, m * n, 'gemmTN', 'c'), n, accumulate ? 1 : 0);
    },
    gemmNT(m, n, k, a, b, c, accumulate) {
      ex.gemmNT(m, n, k, p(a, m * k, 'gemmNT', 'a'), k, p(b, n * k, 'gemmNT', 'b'), k, p(c, m * n, 'gemmNT', 'c'), n, accumulate ? 1 : 0);
    },

    biasActivate(m, n, z, bias, act: ActCode) {
      ex.biasActivate(m, n, p(z, m * n, 'biasActivate', 'z'), p(bias, n, 'biasActivate', 'bias'), act);
    },
    activationBackward(n, a, grad, act: ActCode) {
      ex.activationBackward(n, p(a, n, 'activationBackward', 'a'), p(grad, n, 'activationBackward', 'grad'), act);
    },
    colSums(m, n, a, out, accumulate) {
      ex.colSums(m, n, p(a, m * n, 'colSums', 'a'), p(out, n, 'colSums', 'out'), accumulate ? 1 : 0);
    },

    softmaxCrossEntropy(m, n, logits, labels, grad) {
      return ex.softmaxCrossEntropy(
        m, n,
        p(logits, m * n, 'softmaxCrossEntropy', 'logits'),
        p(labels, m, 'softmaxCrossEntropy', 'labels'),
        p(grad, m * n, 'softmaxCrossEntropy', 'grad'),
      );
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

    proxGradient(n, x, g, step, tau, out) {
      ex.proxGradient(n, p(x, n, 'proxGradient', 'x'), p(g, n, 'proxGradient', 'g'), step, tau, p(out, n, 'proxGradient', 'out'));
    },
    proxLinearDecrease(n, x, g, step, tau) {
      return ex.proxLinearDecrease(n, p(x, n, 'proxLinearDecrease', 'x'), p(g, n, 'proxLinearDecrease', 'g'), step, tau);
    },
    proxL1(n, x, g, step, tau) {
      return ex.proxL1(n, p(x, n, 'proxL1', 'x'), p(g, n, 'proxL1', 'g'), step, tau);
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
