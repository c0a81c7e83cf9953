// Finds, compiles (once per process) and instantiates build/kernels.wasm, synchronously, on a
// fresh shared WebAssembly.Memory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegpathError } from '../../errors.js';
import { webAssembly, type WasmMemory, type WasmModule, type WebAssemblyApi } from './webassembly.js';

/** The raw exports of build/kernels.wasm: pointers are byte offsets, leading dimensions floats. */
export interface WasmExports {
  heapBase(): number;
  gemm(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  gemmTN(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  gemmNT(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, accumulate: number): void;
  biasActivate(m: number, n: number, z: number, bias: number, act: number): void;
  activationBackward(n: number, a: number, grad: number, act: number): void;
  colSums(m: number, n: number, a: number, out: number, accumulate: number): void;
  softmaxCrossEntropy(m: number, n: number, logits: number, labels: number, grad: number): number;
  countCorrect(m: number, n: number, logits: number, labels: number): number;
  meanSquaredError(m: number, n: number, pred: number, target: number, grad: number): number;
  l1Norm(n: number, x: number): number;
  dot(n: number, x: number, y: number): number;
  axpy(n: number, alpha: number, x: number, y: number): void;
  scale(n: number, alpha: number, x: number): void;
  countNonzero(n: number, x: number): number;
  proxGradient(n: number, x: number, g: number, step: number, tau: number, out: number): void;
  proxLinearDecrease(n: number, x: number, g: number, step: number, tau: number): number;
  proxL1(n: number, x: number, g: number, step: number, tau: number): number;
  momentumStep(n: number, x: number, g: number, v: number, lr: number, mu: number): void;
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

let cachedModule: WasmModule | null = null;
let cachedPath: string | null = null;

/**
 * build/kernels.wasm of the package this file belongs to: walk up from this file's directory
 * (dist/src/kernels/wasm/ after tsc, src/kernels/wasm/ when run from sources) and stop at the
 * package root, the first directory holding a package.json.
 */
export function findWasmFile(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'build', 'kernels.wasm');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (existsSync(join(dir, 'package.json')) || parent === dir) {
      throw new RegpathError(
        'INTERNAL',
        `the WebAssembly kernels are not built: ${join(dir, 'build', 'kernels.wasm')} is missing (run \`npm run build:wasm\`)`,
      );
    }
    dir = parent;
  }
}

/** The compiled module (compiled on first use, then cached for the process). */
export function wasmModule(): WasmModule {
  if (cachedModule) return cachedModule;
  const WA = api();
  const path = findWasmFile();
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new RegpathError('INTERNAL', `cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    cachedModule = new WA.Module(bytes);
  } catch (e) {
    throw new RegpathError(
      'INTERNAL',
      `cannot compile ${path} (WebAssembly SIMD and threads are required): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  cachedPath = path;
  return cachedModule;
}

function api(): WebAssemblyApi {
  const WA = webAssembly();
  if (!WA || typeof WA.Module !== 'function' || typeof WA.Memory !== 'function') {
    throw new RegpathError('INTERNAL', 'this JavaScript runtime has no WebAssembly');
  }
  return WA;
}

/** Where the module was loaded from (after the first successful wasmModule()). */
export function wasmFilePath(): string | null {
  return cachedPath;
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
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly exports: WasmExports;
}

/** A new instance of the kernels on its own fresh shared memory. */
export function instantiate(): WasmInstance {
  const module = wasmModule();
  const memory = createMemory();
  let instance: { readonly exports: Record<string, unknown> };
  try {
    instance = new (api().Instance)(module, { env: { memory } });
  } catch (e) {
    throw new RegpathError('INTERNAL', `cannot instantiate the WebAssembly kernels: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { module, memory, exports: instance.exports as unknown as WasmExports };
}

