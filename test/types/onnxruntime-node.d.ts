// onnxruntime-node 1.16.3 ships without its .d.ts files; this is the part of its API the export
// tests use. (1.16.3 is the last version without a postinstall that downloads CUDA libraries.)
declare module 'onnxruntime-node' {
  export class Tensor {
    constructor(type: 'float32', data: Float32Array, dims: readonly number[]);
    readonly data: Float32Array | Int32Array | BigInt64Array;
    readonly dims: readonly number[];
  }
  export class InferenceSession {
    static create(model: Uint8Array): Promise<InferenceSession>;
    run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>>;
    release(): Promise<void>;
    readonly inputNames: readonly string[];
    readonly outputNames: readonly string[];
  }
}
