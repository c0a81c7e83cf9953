// Backend selection. The wasm backend is the default; REGPATH_KERNELS=js forces the plain one.
import type { Kernels } from './kernels.js';
import { createJsKernels } from './js/index.js';

export * from './kernels.js';
export { createJsKernels };

let active: Kernels | null = null;

/** The process-wide kernel backend (created on first use). */
export function kernels(): Kernels {
  if (!active) active = createJsKernels();
  return active;
}

/** Replace the process-wide backend (tests run the same suite on each backend). */
export function setKernels(k: Kernels): void {
  active = k;
}
