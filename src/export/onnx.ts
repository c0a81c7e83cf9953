/**
 * The ONNX export: one Gemm per layer (Y = X·W + b, W stored [in, out] as our kernels are),
 * the hidden activation as its own node, and for classification a Softmax after the logits.
 *
 * Encoding: protobufjs (the widely used protobuf library) with the subset of the ONNX schema
 * that this graph needs, written out below from the field numbers of onnx.proto. Reasons: no
 * hand-rolled wire format to maintain, and no dependency on a generated full ONNX schema
 * package (those pin an old protobufjs major). Weights go in raw_data, little-endian float32
 * as ONNX requires. Opset 13, IR version 8: read by every onnxruntime of the last years.
 */
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';
import type { ActName } from '../kernels/kernels.js';
import type { DenseLayer } from '../nn/sparse.js';

const SCHEMA = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  repeated int64 ints = 8;
  optional int32 type = 20;
}
message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
  optional string domain = 7;
}
message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
  optional string doc_string = 12;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}
message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

const FLOAT = 1; // TensorProto.DataType.FLOAT
export const ATTR_INT = 2; // AttributeProto.AttributeType.INT
export const IR_VERSION = 8;
export const OPSET = 13;
export const ACT_OP: Record<ActName, string | null> = { identity: null, relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid' };

let modelType: protobuf.Type | null = null;
export function schema(): protobuf.Type {
  // loaded on first use: importing protobufjs costs every command ~50 ms of start-up, and only
  // the ONNX export needs it (a small run's path is a few tenths of a second)
  if (!modelType) {
    const pb = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
    modelType = pb.parse(SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');
  }
  return modelType;
}

export interface OnnxOptions {
  layers: DenseLayer[];
  activation: ActName;
  classification: boolean;
  producerVersion: string;
  /** Stored as the model's metadata_props (string → string). */
  metadata: Record<string, string>;
  docString: string;
}

export const ONNX_INPUT = 'features';
export const ONNX_LOGITS = 'logits';
export const ONNX_PROBABILITIES = 'probabilities';
export const ONNX_VALUE = 'value';

/**
 * Input `features` float32 [batch, d] (raw features); outputs `logits` and `probabilities`
 * [batch, classes] for classification, `value` [batch, 1] for regression.
 */
export function encodeOnnx(o: OnnxOptions): Uint8Array {
  const nodes: object[] = [];
  const initializer: object[] = [];
  const depth = o.layers.length;
  let x = ONNX_INPUT;
  o.layers.forEach((layer, l) => {
    const last = l === depth - 1;
    const w = `layer${l}.kernel`;
    const b = `layer${l}.bias`;
    initializer.push(tensor(w, [layer.fanIn, layer.fanOut], layer.kernel), tensor(b, [layer.fanOut], layer.bias));
    const z = last ? (o.classification ? ONNX_LOGITS : ONNX_VALUE) : `layer${l}.z`;
    nodes.push({ name: `layer${l}.gemm`, op_type: 'Gemm', input: [x, w, b], output: [z] });
    x = z;
    const op = ACT_OP[o.activation];
    if (!last && op) {
      const a = `layer${l}.a`;
      nodes.push({ name: `layer${l}.${op.toLowerCase()}`, op_type: op, input: [z], output: [a] });
      x = a;
    }
  });
  return encodeModel(o, { name: 'regpath_mlp', nodes, initializer, inputs: o.layers[0]!.fanIn, outputs: o.layers[depth - 1]!.fanOut });
}

/**
 * The model around a graph whose last node writes `logits` (classification) or `value`: the
 * graph's input and outputs, a Softmax giving `probabilities` for classification, the producer
 * and metadata; checked against the schema and encoded.
 */
export function encodeModel(
  o: Pick<OnnxOptions, 'classification' | 'producerVersion' | 'metadata' | 'docString'>,
  g: { name: string; nodes: object[]; initializer: object[]; inputs: number; outputs: number },
): Uint8Array {
  const nodes = [...g.nodes];
  const outputs = [valueInfo(o.classification ? ONNX_LOGITS : ONNX_VALUE, g.outputs)];
  if (o.classification) {
    nodes.push({ name: 'softmax', op_type: 'Softmax', input: [ONNX_LOGITS], output: [ONNX_PROBABILITIES], attribute: [{ name: 'axis', type: ATTR_INT, i: 1 }] });
    outputs.push(valueInfo(ONNX_PROBABILITIES, g.outputs));
  }
  const model = {
    ir_version: IR_VERSION,
    producer_name: 'regpath',
    producer_version: o.producerVersion,
    model_version: 1,
    doc_string: o.docString,
    opset_import: [{ domain: '', version: OPSET }],
    metadata_props: Object.entries(o.metadata).map(([key, value]) => ({ key, value })),
    graph: { name: g.name, node: nodes, initializer: g.initializer, input: [valueInfo(ONNX_INPUT, g.inputs)], output: outputs },
  };
  const type = schema();
  const problem = type.verify(model);
  if (problem) throw new Error(`internal: ONNX model does not fit the schema: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

export function tensor(name: string, dims: number[], data: Float32Array): object {
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return { name, dims, data_type: FLOAT, raw_data: raw };
}

export function valueInfo(name: string, width: number): object {
  return { name, type: { tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: 'batch' }, { dim_value: width }] } } } };
}
