// Finds, compiles (once per process and variant) and instantiates the kernels (build/kernels-fma.wasm
// or build/kernels.wasm), synchronously, on a fresh shared WebAssembly.Memory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { RegpathError } from '../../errors.js';
import { webAssembly, type WasmMemory, type WasmModule, type WebAssemblyApi } from './webassembly.js';

/** The raw exports of build/kernels.wasm: pointers are byte offsets, leading dimensions floats. */
export interface WasmExports {
  heapBase(): number;
  gemm(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  gemmTN(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  gemmNT(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  csrGemm(m: number, n: number, rowStart: number, colIdx: number, vals: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  csrSelectColumns(m: number, rowStart: number, colIdx: number, vals: number, keep: number, outRowStart: number, outColIdx: number, outVals: number): number;
  nonzeroPattern(m: number, n: number, a: number, rowAny: number, colAny: number): void;
  gatherColumns(m: number, n: number, a: number, cols: number, count: number, out: number): void;
  scatterColumns(m: number, n: number, narrow: number, cols: number, count: number, a: number): void;
  biasActivate(m: number, n: number, z: number, bias: number, act: number): void;
  activationBackward(n: number, a: number, grad: number, act: number): void;
  colSums(m: number, n: number, a: number, out: number, accumulate: number): void;
  softmaxCrossEntropyBlocks(m: number, n: number, logits: number, labels: number, grad: number, divisor: number, blockRows: number, partials: number): void;
  countCorrect(m: number, n: number, logits: number, labels: number): number;
  meanSquaredError(m: number, n: number, pred: number, target: number, grad: number): number;
  l1Norm(n: number, x: number): number;
  dot(n: number, x: number, y: number): number;
  axpy(n: number, alpha: number, x: number, y: number): void;
  scale(n: number, alpha: number, x: number): void;
  countNonzero(n: number, x: number): number;
  l1Excess(n: number, x: number, tau: number, out: number): void;
  proxGradient(n: number, x: number, g: number, step: number, tau: number, out: number): void;
  proxLinearDecrease(n: number, x: number, g: number, step: number, tau: number): number;
  proxL1(n: number, x: number, g: number, step: number, tau: number): number;
  proxStats(n: number, x: number, g: number, step: number, tau: number, out: number): void;
  momentumStep(n: number, x: number, g: number, v: number, lr: number, mu: number): void;
  im2col(d: number, x: number, r0: number, rows: number, out: number): void;
  convForwardRows(d: number, x: number, w: number, y: number, r0: number, r1: number, slot: number, blockRows: number): void;
  convBackInputImages(d: number, dy: number, wt: number, dx: number, n0: number, n1: number, slot: number, blockImages: number): void;
  convBackWeightRows(d: number, x: number, dy: number, out: number, r0: number, r1: number, slot: number, blockRows: number, accumulate: number): void;
  sumPartials(count: number, size: number, partials: number, out: number, accumulate: number): void;
  transpose(m: number, n: number, a: number, out: number): void;
  maxPoolForward(d: number, x: number, y: number, arg: number, n0: number, n1: number): void;
  maxPoolBackward(d: number, dy: number, arg: number, dx: number, n0: number, n1: number): void;
  avgPoolForward(d: number, x: number, y: number, n0: number, n1: number): void;
  avgPoolBackward(d: number, dy: number, dx: number, n0: number, n1: number): void;
  adamStep(
    n: number, x: number, g: number, m: number, v: number,
    lr: number, b1: number, b2: number, eps: number, bc1: number, bc2: number,
  ): void;
}

/** Maximum memory tried first, in pages: 4 GiB, the wasm32 limit (address space only). */
export const MAXIMUM_PAGES = 65536;
/** Smaller maxima tried when the address space for 4 GiB cannot be reserved. */
const FALLBACK_MAXIMUM_PAGES = [16384, 4096];
/** Initial memory, in pages (1 MiB); the allocator grows it on demand. */
const INITIAL_PAGES = 16;

/**
 * Which build of the kernels to run: `fma` is build/kernels-fma.wasm (relaxed SIMD: fused
 * multiply-adds in the GEMMs, ~15-20 % faster training steps on x64 with FMA), `baseline` is
 * build/kernels.wasm (plain SIMD), `auto` takes fma when this runtime can compile it and baseline
 * otherwise. Node 20 has relaxed SIMD behind the V8 flag --experimental-wasm-relaxed-simd, which
 * `auto` and `fma` switch on for the process (it only enables a WebAssembly feature); newer Node
 * versions have it on by default. The two builds give the same results up to float rounding
 * (a fused multiply-add rounds once).
 */
export type SimdVariant = 'auto' | 'fma' | 'baseline';

/** REGPATH_SIMD, checked (default auto). */
export function defaultSimdVariant(): SimdVariant {
  const raw = (process.env['REGPATH_SIMD'] ?? '').trim().toLowerCase();
  if (raw === '') return 'auto';
  if (raw === 'auto' || raw === 'fma' || raw === 'baseline') return raw;
  throw new RegpathError('BAD_OPTION', `REGPATH_SIMD must be 'auto', 'fma' or 'baseline', not '${process.env['REGPATH_SIMD']}'`);
}

interface LoadedModule {
  module: WasmModule;
  path: string;
  variant: 'fma' | 'baseline';
}

const cache = new Map<'fma' | 'baseline', LoadedModule>();
let lastLoaded: LoadedModule | null = null;
let relaxedFlagSet = false;

/**
 * build/<name> of the package this file belongs to: walk up from this file's directory
 * (dist/src/kernels/wasm/ after tsc, src/kernels/wasm/ when run from sources) and stop at the
 * package root, the first directory holding a package.json.
 */
export function findWasmFile(name = 'kernels.wasm'): string {
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'build', name);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (existsSync(join(dir, 'package.json')) || parent === dir) {
      throw new RegpathError(
        'INTERNAL',
        `the WebAssembly kernels are not built: ${join(dir, 'build', name)} is missing (run \`npm run build:wasm\`)`,
      );
    }
    dir = parent;
  }
}

/** The compiled module of the wanted variant (compiled on first use, then cached for the process). */
export function wasmModule(variant: SimdVariant = defaultSimdVariant()): WasmModule {
  return loadModule(variant).module;
}

function loadModule(variant: SimdVariant): LoadedModule {
  if (variant !== 'baseline') {
    try {
      return remember(cache.get('fma') ?? compileFile('kernels-fma.wasm', 'fma'));
    } catch (e) {
      if (variant === 'fma') throw e;
      // auto: the baseline build runs everywhere SIMD does
    }
  }
  return remember(cache.get('baseline') ?? compileFile('kernels.wasm', 'baseline'));
}

function remember(m: LoadedModule): LoadedModule {
  cache.set(m.variant, m);
  lastLoaded = m;
  return m;
}

function compileFile(name: string, variant: 'fma' | 'baseline'): LoadedModule {
  const WA = api();
  const path = findWasmFile(name);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new RegpathError('INTERNAL', `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const compile = (): WasmModule => new WA.Module(bytes);
  try {
    return { module: compile(), path, variant };
  } catch (e) {
    if (variant === 'fma' && !relaxedFlagSet) {
      // Node 20: relaxed SIMD exists behind a flag; V8 reads it when a module is compiled
      relaxedFlagSet = true;
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      try {
        return { module: compile(), path, variant };
      } catch {
        // fall through to the error below
      }
    }
    const need = variant === 'fma' ? 'WebAssembly relaxed SIMD' : 'WebAssembly SIMD and threads';
    throw new RegpathError('INTERNAL', `cannot compile ${path} (${need} required): ${e instanceof Error ? e.message : String(e)}`);
  }
}

function api(): WebAssemblyApi {
  const WA = webAssembly();
  if (!WA || typeof WA.Module !== 'function' || typeof WA.Memory !== 'function') {
    throw new RegpathError('INTERNAL', 'this JavaScript runtime has no WebAssembly');
  }
  return WA;
}

/** Where the last module was loaded from (after the first successful wasmModule()). */
export function wasmFilePath(): string | null {
  return lastLoaded?.path ?? null;
}

/** The variant of the last module loaded ('fma' or 'baseline'; null before the first). */
export function loadedSimdVariant(): 'fma' | 'baseline' | null {
  return lastLoaded?.variant ?? null;
}

/** A fresh shared memory, trying the largest maximum the process can reserve. */
function createMemory(): WasmMemory {
  const WA = api();
  let last: unknown = null;
  for (const maximum of [MAXIMUM_PAGES, ...FALLBACK_MAXIMUM_PAGES]) {
    try {
      return new WA.Memory({ initial: INITIAL_PAGES, maximum, shared: true });
    } catch (e) {
      last = e;
    }
  }
  throw new RegpathError(
    'INTERNAL',
    `cannot create a shared WebAssembly memory: ${last instanceof Error ? last.message : String(last)}`,
  );
}

export interface WasmInstance {
  readonly variant: 'fma' | 'baseline';
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly exports: WasmExports;
}

/** A new instance of the kernels on its own fresh shared memory. */
export function instantiate(variant: SimdVariant = defaultSimdVariant()): WasmInstance {
  const { module, variant: loaded } = loadModule(variant);
  const memory = createMemory();
  let instance: { readonly exports: Record<string, unknown> };
  try {
    instance = new (api().Instance)(module, { env: { memory } });
  } catch (e) {
    throw new RegpathError('INTERNAL', `cannot instantiate the WebAssembly kernels: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { variant: loaded, module, memory, exports: instance.exports as unknown as WasmExports };
}

