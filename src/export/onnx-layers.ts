/**
 * The ONNX export of a network with image layers (see nn/architecture.ts): the standardisation as
 * Sub/Div nodes (it is per pixel, so it does not fold into a convolution, whose weights are shared
 * across pixels), the flat input reshaped to NHWC and transposed to ONNX's NCHW, then
 *   Conv (weights [out, in, kh, kw], the transpose of our [kh, kw, in, out]) + activation,
 *   MaxPool / AveragePool (kernel = stride = the window, no padding),
 *   Flatten after a Transpose back to NHWC, so that the flat order is (height, width, channel)
 *   as the Dense kernels expect it,
 *   Gemm + activation, and Softmax after the logits for classification.
 * Input `features` float32 [batch, d] (raw, in the order of featureNames), outputs as encodeOnnx.
 */
import type { ActName } from '../kernels/kernels.js';
import type { Standardizer } from '../data/types.js';
import { planModel } from '../nn/architecture.js';
import { specsOf, inputShapeOf, type Architecture } from '../nn/mlp.js';
import { ACT_OP, ATTR_INT, ONNX_INPUT, ONNX_LOGITS, ONNX_VALUE, encodeModel, tensor } from './onnx.js';

const ATTR_INTS = 7; // AttributeProto.AttributeType.INTS
const INT64 = 7; // TensorProto.DataType.INT64

export interface OnnxLayersOptions {
  arch: Architecture;
  theta: Float32Array;
  standardizer: Standardizer | null;
  classification: boolean;
  producerVersion: string;
  metadata: Record<string, string>;
  docString: string;
}

export function encodeOnnxLayers(o: OnnxLayersOptions): Uint8Array {
  const plan = planModel(specsOf(o.arch), inputShapeOf(o.arch), o.arch.layers[o.arch.layers.length - 1]!);
  const { layout } = plan;
  const act = o.arch.activation as ActName;
  const nodes: object[] = [];
  const initializer: object[] = [];
  const ints = (name: string, v: number[]): object => ({ name, type: ATTR_INTS, ints: v });
  const node = (name: string, op: string, input: string[], attribute: object[] = [], output = name): string => {
    nodes.push({ name, op_type: op, input, output: [output], attribute });
    return output;
  };
  const d = o.arch.layers[0]!;
  let x = ONNX_INPUT;
  if (o.standardizer) {
    initializer.push(tensor('input.mean', [d], o.standardizer.mean), tensor('input.std', [d], o.standardizer.std));
    x = node('input.centred', 'Sub', [x, 'input.mean']);
    x = node('input.standardised', 'Div', [x, 'input.std']);
  }
  const s = inputShapeOf(o.arch);
  initializer.push(int64Tensor('input.shape', [-1, s.h, s.w, s.c]));
  x = node('input.nhwc', 'Reshape', [x, 'input.shape']);
  x = node('input.nchw', 'Transpose', [x], [ints('perm', [0, 3, 1, 2])]);
  const last = plan.layers.length - 1;
  plan.layers.forEach((p, i) => {
    const name = `layer${i}`;
    if (p.kind === 'conv2d') {
      const [k, , cin, cout] = layout.kernelShapes[p.block] as [number, number, number, number];
      const w = layout.weights(o.theta, p.block);
      const oihw = new Float32Array(w.length);
      for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) for (let c = 0; c < cin; c++) for (let f = 0; f < cout; f++) {
        oihw[((f * cin + c) * k + ky) * k + kx] = w[((ky * k + kx) * cin + c) * cout + f]!;
      }
      initializer.push(tensor(`${name}.kernel`, [cout, cin, k, k], oihw), tensor(`${name}.bias`, [cout], layout.bias(o.theta, p.block)));
      x = node(`${name}.conv`, 'Conv', [x, `${name}.kernel`, `${name}.bias`], [
        ints('kernel_shape', [k, k]), ints('strides', [p.stride, p.stride]), ints('pads', [p.padding, p.padding, p.padding, p.padding]),
      ]);
      if (ACT_OP[act]) x = node(`${name}.${ACT_OP[act]!.toLowerCase()}`, ACT_OP[act]!, [x]);
    } else if (p.kind === 'maxpool2d' || p.kind === 'avgpool2d') {
      x = node(`${name}.pool`, p.kind === 'maxpool2d' ? 'MaxPool' : 'AveragePool', [x], [ints('kernel_shape', [p.size, p.size]), ints('strides', [p.size, p.size])]);
    } else if (p.kind === 'flatten') {
      x = node(`${name}.nhwc`, 'Transpose', [x], [ints('perm', [0, 2, 3, 1])]);
      x = node(`${name}.flatten`, 'Flatten', [x], [{ name: 'axis', type: ATTR_INT, i: 1 }]);
    } else {
      const out = i === last ? (o.classification ? ONNX_LOGITS : ONNX_VALUE) : `${name}.z`;
      initializer.push(tensor(`${name}.kernel`, [...layout.kernelShapes[p.block]!], layout.weights(o.theta, p.block)), tensor(`${name}.bias`, [layout.fanOut(p.block)], layout.bias(o.theta, p.block)));
      x = node(`${name}.gemm`, 'Gemm', [x, `${name}.kernel`, `${name}.bias`], [], out);
      if (i !== last && ACT_OP[act]) x = node(`${name}.${ACT_OP[act]!.toLowerCase()}`, ACT_OP[act]!, [x]);
    }
  });
  return encodeModel(o, { name: 'regpath_layers', nodes, initializer, inputs: d, outputs: o.arch.layers[o.arch.layers.length - 1]! });
}

function int64Tensor(name: string, values: number[]): object {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims: [values.length], data_type: INT64, raw_data: raw };
}
