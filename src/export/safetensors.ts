/**
 * The safetensors export: the folded weights (they act on raw features) under the run's own
 * names `layer<i>.kernel` [in, out] and `layer<i>.bias` [out], plus string metadata saying how
 * to run them. The unfolded weights of the point stay in RUN/points/NNN.safetensors.
 */
import { encodeSafetensors, type Tensors } from '../io/safetensors.js';
import type { DenseLayer } from '../nn/sparse.js';

export const SAFETENSORS_FILE = 'model.safetensors';

export function encodeExportSafetensors(layers: DenseLayer[], metadata: Record<string, string>): Uint8Array {
  const tensors: Tensors = {};
  layers.forEach((l, i) => {
    tensors[`layer${i}.kernel`] = { dtype: 'F32', shape: [l.fanIn, l.fanOut], data: l.kernel };
    tensors[`layer${i}.bias`] = { dtype: 'F32', shape: [l.fanOut], data: l.bias };
  });
  return encodeSafetensors(tensors, metadata);
}
