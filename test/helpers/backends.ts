// The backends every engine test runs on: the plain twin always, and the wasm one when it builds.
import { createJsKernels, kernels, type Kernels } from '../../src/kernels/index.js';

export function backends(): Kernels[] {
  const list: Kernels[] = [createJsKernels()];
  const def = kernels();
  if (def.name !== 'js') list.push(def);
  return list;
}
