// The plain-TypeScript backend: every kernel written as directly as the maths allows. It is the
// oracle the wasm backend is tested against, and the fallback where WebAssembly SIMD is missing.
import type { Kernels } from '../kernels.js';
import { csrGemm, csrSelectColumns, gemm, gemmNT, gemmTN } from './gemm.js';
import { activationBackward, biasActivate, colSums } from './layer.js';
import { countCorrect, meanSquaredError, softmaxCrossEntropy } from './loss.js';
import { axpy, countNonzero, dot, l1Excess, l1Norm, scale } from './vector.js';
import { proxGradient, proxL1, proxLinearDecrease, proxStats } from './prox.js';
import { adamStep, momentumStep } from './optim.js';
import { gatherColumns, nonzeroPattern, scatterColumns } from './columns.js';
import { conv2dBackwardInput, conv2dBackwardWeight, conv2dForward, conv2dScratchSize } from './conv.js';
import { avgPool2dBackward, avgPool2dForward, maxPool2dBackward, maxPool2dForward } from './pool.js';

export function createJsKernels(): Kernels {
  return {
    name: 'js',
    alloc: (n) => new Float32Array(n),
    free: () => {},
    allocInt: (n) => new Int32Array(n),
    freeInt: () => {},
    allocationMark: () => 0,
    releaseSince: () => {},
    gemm, gemmTN, gemmNT, csrGemm, csrSelectColumns,
    nonzeroPattern, gatherColumns, scatterColumns,
    biasActivate, activationBackward, colSums,
    conv2dScratchSize, conv2dForward, conv2dBackwardInput, conv2dBackwardWeight,
    maxPool2dForward, maxPool2dBackward, avgPool2dForward, avgPool2dBackward,
    softmaxCrossEntropy, countCorrect, meanSquaredError,
    l1Norm, dot, axpy, scale, countNonzero, l1Excess,
    proxGradient, proxLinearDecrease, proxL1, proxStats,
    momentumStep, adamStep,
  };
}
