// The conv and pooling kernels of the wasm backend (assembly/conv.ts, assembly/pool.ts): the
// plan that sizes their scratch, the shape descriptors, and the split over the worker pool.
//
// Scratch layout (floats, from the caller): [head | slot 0 | slot 1 | …], one slot per thread
// (the main thread is slot 0). A slot holds one im2col block: blockRows rows of the patch matrix
// (forward, weight gradient) or blockImages images' worth (input gradient), about
// convTuning.slotFloats floats so that it stays in L2 while the GEMM sweeps it. The head holds
// Wᵀ (input gradient) or the weight gradient's partial sums.
//
// Bit-identical for any thread count: the forward is cut by rows of y (each computed alone), the
// input gradient by whole images, the weight gradient into `partials` fixed row ranges that
// depend only on the shape and are added in order (see assembly/conv.ts). The thread count only
// decides how many slots are used, never how a sum is formed.
import { conv2dOutput, pool2dOutput, type Conv2DShape, type Kernels, type Pool2DShape } from '../kernels.js';
import type { WasmHeap } from './heap.js';
import type { WasmExports } from './loader.js';
import type { WasmPool } from './pool.js';
import {
  MAX_CHUNKS, OP_AVGPOOL_BWD, OP_AVGPOOL_FWD, OP_CONV_BWD_IN, OP_CONV_BWD_W, OP_CONV_FWD, OP_MAXPOOL_BWD, OP_MAXPOOL_FWD,
} from './jobs.js';
import { RegpathError } from '../../errors.js';

/** Exported mutable for the benchmark and tests; not a public API. */
export const convTuning = {
  /** Floats of one im2col block (256 KiB: a quarter of the L2 of the cores this was tuned on). */
  slotFloats: 65536,
  /** Most partial sums of a weight gradient (each K·outC floats; 32 feed 2-3 threads evenly). */
  maxPartials: 32,
  /** Least im2col blocks per partial sum (fewer partials for small batches). */
  blocksPerPartial: 4,
  /** Most floats of all partial sums together. */
  partialFloats: 4 * 1024 * 1024,
};

export interface ConvPlan {
  outH: number;
  outW: number;
  /** Columns of the patch matrix, kH·kW·inC. */
  K: number;
  /** Rows of the patch matrix, batch·outH·outW. */
  M: number;
  blockRows: number;
  blockImages: number;
  slotFloats: number;
  /** Partial sums of the weight gradient and the rows of each (the last may be shorter). */
  partials: number;
  partialRows: number;
  headFloats: number;
}

const up4 = (n: number): number => Math.ceil(n / 4) * 4;

export function convPlan(s: Conv2DShape): ConvPlan {
  const [outH, outW] = conv2dOutput(s);
  if (!(outH >= 1 && outW >= 1)) {
    throw new RegpathError('INTERNAL', `conv2d: a ${s.kH}×${s.kW} kernel does not fit a ${s.inH}×${s.inW} input with padding ${s.padH}, ${s.padW}`);
  }
  const K = s.kH * s.kW * s.inC;
  const M = s.batch * outH * outW;
  const perImage = outH * outW * K;
  const blockRows = Math.max(1, Math.min(M, Math.floor(convTuning.slotFloats / K)));
  const blockImages = Math.max(1, Math.min(s.batch, Math.floor(convTuning.slotFloats / perImage)));
  const slotFloats = up4(Math.max(blockRows * K, blockImages * perImage));
  const wSize = K * s.outC;
  const byMemory = Math.max(1, Math.floor(convTuning.partialFloats / wSize));
  const wanted = Math.ceil(M / (convTuning.blocksPerPartial * blockRows));
  let partials = Math.max(1, Math.min(wanted, convTuning.maxPartials, byMemory, MAX_CHUNKS));
  const partialRows = Math.ceil(M / partials);
  partials = Math.ceil(M / partialRows);
  const headFloats = up4(Math.max(wSize, partials > 1 ? partials * wSize : 0));
  return { outH, outW, K, M, blockRows, blockImages, slotFloats, partials, partialRows, headFloats };
}

export interface ConvContext {
  ex: WasmExports;
  heap: WasmHeap;
  threads(): number;
  /** The pool if work of this many flops should go parallel, else null. */
  parallel(flops: number): WasmPool | null;
  chunksPerThread(): number;
}

type ConvKernels = Pick<
  Kernels,
  | 'conv2dScratchSize' | 'conv2dForward' | 'conv2dBackwardInput' | 'conv2dBackwardWeight'
  | 'maxPool2dForward' | 'maxPool2dBackward' | 'avgPool2dForward' | 'avgPool2dBackward'
>;

export function createConvKernels(ctx: ConvContext): ConvKernels {
  const { ex, heap } = ctx;
  const p = (a: Float32Array | Int32Array, need: number, kernel: string, arg: string): number => heap.ptr(a, need, kernel, arg);
  // one descriptor block per backend: kernel calls never overlap (the API is synchronous)
  const descBlock = heap.alloc(16);
  const desc = new Int32Array(descBlock.buffer, descBlock.byteOffset, 16);
  const pd = descBlock.byteOffset;

  const convDesc = (s: Conv2DShape, plan: ConvPlan): void => {
    desc.set([s.batch, s.inH, s.inW, s.inC, s.outC, s.kH, s.kW, s.strideH, s.strideW, s.padH, s.padW, plan.outH, plan.outW]);
  };
  const poolDesc = (s: Pool2DShape): [number, number] => {
    const [outH, outW] = pool2dOutput(s);
    if (!(outH >= 1 && outW >= 1)) throw new RegpathError('INTERNAL', `pool2d: a ${s.kH}×${s.kW} window does not fit a ${s.inH}×${s.inW} input`);
    desc.set([s.batch, s.inH, s.inW, s.channels, s.kH, s.kW, s.strideH, s.strideW, outH, outW]);
    return [outH, outW];
  };

  /** How many slots the scratch holds after the head (throws if not even one). */
  const slots = (plan: ConvPlan, scratch: Float32Array, kernel: string): number => {
    const n = Math.floor((scratch.length - plan.headFloats) / plan.slotFloats);
    if (n < 1) {
      throw new RegpathError(
        'INTERNAL',
        `wasm kernel ${kernel}: the scratch has ${scratch.length} floats, the shape needs at least ${plan.headFloats + plan.slotFloats} (size it with conv2dScratchSize)`,
      );
    }
    return n;
  };

  /** The pool for a job if there is one and the scratch has a slot for every thread. */
  const poolFor = (flops: number, slotCount: number): WasmPool | null => {
    const t = ctx.threads();
    if (t <= 1 || slotCount < t) return null;
    return ctx.parallel(flops);
  };

  /** Runs an image-range job (pooling) over the pool if worth it, else on this thread. */
  const byImages = (op: number, batch: number, work: number, a: number, b: number, c: number, serial: () => void): void => {
    const pl = ctx.threads() > 1 ? ctx.parallel(work) : null;
    const chunks = Math.min(ctx.threads() * ctx.chunksPerThread(), batch, MAX_CHUNKS);
    if (pl && chunks >= 2) {
      const step = Math.ceil(batch / chunks);
      pl.run(op, batch, 0, pd, a, 0, b, 0, c, 0, 0, step, Math.ceil(batch / step), 0);
    } else {
      serial();
    }
  };

  return {
    conv2dScratchSize(s) {
      const plan = convPlan(s);
      return plan.headFloats + ctx.threads() * plan.slotFloats;
    },

    conv2dForward(s, x, w, y, scratch) {
      const plan = convPlan(s);
      const px = p(x, s.batch * s.inH * s.inW * s.inC, 'conv2dForward', 'x');
      const pw = p(w, plan.K * s.outC, 'conv2dForward', 'w');
      const py = p(y, plan.M * s.outC, 'conv2dForward', 'y');
      const ps = p(scratch, 0, 'conv2dForward', 'scratch') + plan.headFloats * 4;
      const nSlots = slots(plan, scratch, 'conv2dForward');
      convDesc(s, plan);
      const pl = poolFor(2 * plan.M * plan.K * s.outC, nSlots);
      const chunks = Math.min(ctx.threads() * ctx.chunksPerThread(), Math.ceil(plan.M / plan.blockRows), MAX_CHUNKS);
      if (pl && chunks >= 2) {
        const step = Math.ceil(plan.M / chunks);
        pl.run(OP_CONV_FWD, plan.M, plan.slotFloats, pd, px, 0, pw, plan.blockRows, py, 0, 0, step, Math.ceil(plan.M / step), ps);
      } else {
        ex.convForwardRows(pd, px, pw, py, 0, plan.M, ps, plan.blockRows);
      }
    },

    conv2dBackwardInput(s, dy, w, dx, scratch) {
      const plan = convPlan(s);
      const pdy = p(dy, plan.M * s.outC, 'conv2dBackwardInput', 'dy');
      const pw = p(w, plan.K * s.outC, 'conv2dBackwardInput', 'w');
      const pdx = p(dx, s.batch * s.inH * s.inW * s.inC, 'conv2dBackwardInput', 'dx');
      const head = p(scratch, 0, 'conv2dBackwardInput', 'scratch');
      const ps = head + plan.headFloats * 4;
      const nSlots = slots(plan, scratch, 'conv2dBackwardInput');
      convDesc(s, plan);
      ex.transpose(plan.K, s.outC, pw, head);
      const pl = poolFor(2 * plan.M * plan.K * s.outC, nSlots);
      const chunks = Math.min(ctx.threads() * ctx.chunksPerThread(), s.batch, MAX_CHUNKS);
      if (pl && chunks >= 2) {
        const step = Math.ceil(s.batch / chunks);
        pl.run(OP_CONV_BWD_IN, s.batch, plan.slotFloats, pd, pdy, 0, head, plan.blockImages, pdx, 0, 0, step, Math.ceil(s.batch / step), ps);
      } else {
        ex.convBackInputImages(pd, pdy, head, pdx, 0, s.batch, ps, plan.blockImages);
      }
    },

    conv2dBackwardWeight(s, x, dy, dw, scratch, accumulate) {
      const plan = convPlan(s);
      const px = p(x, s.batch * s.inH * s.inW * s.inC, 'conv2dBackwardWeight', 'x');
      const pdy = p(dy, plan.M * s.outC, 'conv2dBackwardWeight', 'dy');
      const wSize = plan.K * s.outC;
      const pdw = p(dw, wSize, 'conv2dBackwardWeight', 'dw');
      const head = p(scratch, 0, 'conv2dBackwardWeight', 'scratch');
      const ps = head + plan.headFloats * 4;
      const nSlots = slots(plan, scratch, 'conv2dBackwardWeight');
      convDesc(s, plan);
      const acc = accumulate ? 1 : 0;
      if (plan.partials === 1) {
        ex.convBackWeightRows(pd, px, pdy, pdw, 0, plan.M, ps, plan.blockRows, acc);
        return;
      }
      const pl = poolFor(2 * plan.M * wSize, nSlots);
      if (pl) {
        pl.run(OP_CONV_BWD_W, plan.M, plan.slotFloats, pd, px, 0, pdy, plan.blockRows, head, wSize, 0, plan.partialRows, plan.partials, ps);
      } else {
        for (let j = 0; j < plan.partials; j++) {
          const r0 = j * plan.partialRows;
          ex.convBackWeightRows(pd, px, pdy, head + j * wSize * 4, r0, Math.min(plan.M, r0 + plan.partialRows), ps, plan.blockRows, 0);
        }
      }
      ex.sumPartials(plan.partials, wSize, head, pdw, acc);
    },

    maxPool2dForward(s, x, y, argmax) {
      const [outH, outW] = poolDesc(s);
      const size = s.batch * outH * outW * s.channels;
      const px = p(x, s.batch * s.inH * s.inW * s.channels, 'maxPool2dForward', 'x');
      const py = p(y, size, 'maxPool2dForward', 'y'), pa = p(argmax, size, 'maxPool2dForward', 'argmax');
      byImages(OP_MAXPOOL_FWD, s.batch, size * s.kH * s.kW, px, py, pa, () => ex.maxPoolForward(pd, px, py, pa, 0, s.batch));
    },
    maxPool2dBackward(s, dy, argmax, dx) {
      const [outH, outW] = poolDesc(s);
      const size = s.batch * outH * outW * s.channels;
      const pdy = p(dy, size, 'maxPool2dBackward', 'dy'), pa = p(argmax, size, 'maxPool2dBackward', 'argmax');
      const pdx = p(dx, s.batch * s.inH * s.inW * s.channels, 'maxPool2dBackward', 'dx');
      byImages(OP_MAXPOOL_BWD, s.batch, 4 * size, pdy, pa, pdx, () => ex.maxPoolBackward(pd, pdy, pa, pdx, 0, s.batch));
    },
    avgPool2dForward(s, x, y) {
      const [outH, outW] = poolDesc(s);
      const size = s.batch * outH * outW * s.channels;
      const px = p(x, s.batch * s.inH * s.inW * s.channels, 'avgPool2dForward', 'x'), py = p(y, size, 'avgPool2dForward', 'y');
      byImages(OP_AVGPOOL_FWD, s.batch, size * s.kH * s.kW, px, py, 0, () => ex.avgPoolForward(pd, px, py, 0, s.batch));
    },
    avgPool2dBackward(s, dy, dx) {
      const [outH, outW] = poolDesc(s);
      const size = s.batch * outH * outW * s.channels;
      const pdy = p(dy, size, 'avgPool2dBackward', 'dy');
      const pdx = p(dx, s.batch * s.inH * s.inW * s.channels, 'avgPool2dBackward', 'dx');
      byImages(OP_AVGPOOL_BWD, s.batch, size * s.kH * s.kW, pdy, pdx, 0, () => ex.avgPoolBackward(pd, pdy, pdx, 0, s.batch));
    },
  };
}
