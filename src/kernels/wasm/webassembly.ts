// The slice of the WebAssembly JS API the wasm backend uses. Node has it, but the project's
// TypeScript libs (ES2022 + @types/node, no DOM) do not declare it, and declaring it globally
// would clash with any later lib that does; so it is typed here, locally.

/** A WebAssembly.Memory (shared: `buffer` is a SharedArrayBuffer). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

/** A compiled WebAssembly.Module (opaque; can be posted to worker threads). */
export interface WasmModule {
  readonly [Symbol.toStringTag]: string;
}

interface WasmInstanceObject {
  readonly exports: Record<string, unknown>;
}

interface ModuleImportDescriptor {
  module: string;
  name: string;
  kind: string;
}

export interface WebAssemblyApi {
  Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(module: WasmModule): ModuleImportDescriptor[];
    exports(module: WasmModule): { name: string; kind: string }[];
  };
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstanceObject;
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

/** The runtime's WebAssembly object, or undefined where there is none. */
export function webAssembly(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}
