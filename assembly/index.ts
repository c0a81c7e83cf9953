// Entry point of the WebAssembly kernels (compiled by scripts/build-wasm.mjs to
// build/kernels.wasm). Every export works in place on the imported shared memory: pointers are
// byte offsets, sizes are element counts, and nothing here allocates. The JS side
// (src/kernels/wasm/) owns the allocator and starts its heap at heapBase().
export { gemm, gemmTN, gemmNT } from './gemm';
export { biasActivate, activationBackward, colSums } from './layer';
export { softmaxCrossEntropyBlocks, countCorrect, meanSquaredError } from './loss';
export { l1Norm, dot, axpy, scale, countNonzero, l1Excess } from './vector';
export { proxGradient, proxLinearDecrease, proxL1, proxStats } from './prox';
export { momentumStep, adamStep } from './optim';
export { csrGemm, csrSelectColumns } from './sparse';
export { nonzeroPattern, gatherColumns, scatterColumns } from './columns';
export { im2col, convForwardRows, convBackInputImages, convBackWeightRows, sumPartials, transpose } from './conv';
export { maxPoolForward, maxPoolBackward, avgPoolForward, avgPoolBackward } from './pool';

/** First byte after the module's static data (the tables of Math.exp etc.). */
export function heapBase(): usize {
  return __heap_base;
}
