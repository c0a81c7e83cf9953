// Backend selection. The wasm backend is the default; REGPATH_KERNELS=js forces the plain one,
// REGPATH_KERNELS=wasm forces wasm (an error instead of the fallback when it is unavailable).
// REGPATH_SIMD=auto|fma|baseline picks the wasm build (see SimdVariant in wasm/loader.ts).
// Without either, a missing build/kernels.wasm or a runtime without WebAssembly SIMD falls back
// to the js backend with one line on stderr.
import type { Kernels } from './kernels.js';
import { createJsKernels } from './js/index.js';
import { createWasmKernels, defaultSimdVariant, defaultThreads, setDefaultThreads, type WasmKernels } from './wasm/index.js';
import { RegpathError } from '../errors.js';

export * from './kernels.js';
export { createJsKernels, createWasmKernels };
export type { WasmKernels } from './wasm/index.js';

let active: Kernels | null = null;
let warned = false;

function createDefaultKernels(): Kernels {
  const choice = (process.env['REGPATH_KERNELS'] ?? '').trim().toLowerCase();
  if (choice === 'js') return createJsKernels();
  if (choice !== '' && choice !== 'wasm') {
    throw new RegpathError('BAD_OPTION', `REGPATH_KERNELS must be 'wasm' or 'js', not '${process.env['REGPATH_KERNELS']}'`);
  }
  const threads = defaultThreads(); // a bad REGPATH_THREADS is an error, not a reason to fall back
  const simd = defaultSimdVariant(); // so is a bad REGPATH_SIMD
  try {
    return createWasmKernels({ threads, simd });
  } catch (e) {
    if (choice === 'wasm') throw e;
    if (!warned) {
      warned = true;
      const why = e instanceof Error ? e.message : String(e);
      process.stderr.write(`regpath: WebAssembly SIMD kernels unavailable (${why}); using the slower plain JavaScript kernels\n`);
    }
    return createJsKernels();
  }
}

/** The process-wide kernel backend (created on first use). */
export function kernels(): Kernels {
  if (!active) active = createDefaultKernels();
  return active;
}

/**
 * Threads of the wasm kernels for this process (integer 1..64; RegpathError('BAD_OPTION')
 * otherwise): overrides REGPATH_THREADS and the core count. Call it before the first kernels()
 * use; if the backend exists already, it is switched too.
 */
export function configureThreads(n: number): void {
  setDefaultThreads(n);
  if (active && active.name === 'wasm') (active as WasmKernels).setThreads(n);
}

/** Replace the process-wide backend (tests run the same suite on each backend). */
export function setKernels(k: Kernels): void {
  active = k;
}
