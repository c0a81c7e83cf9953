import { fail } from '../errors.js';
import type { Tensors } from '../io/safetensors.js';
import type { ParameterLayout } from './layout.js';

/**
 * Named tensors of a parameter vector, Keras-style: `layer<i>.kernel` [in, out] (so y = x·W + b) or [kh, kw, in, out] for a convolution
 * and `layer<i>.bias` [out], layer 0 next to the input.
 */
export function parametersToTensors(layout: ParameterLayout, theta: Float32Array): Tensors {
  const out: Tensors = {};
  for (let l = 0; l < layout.depth; l++) {
    out[`layer${l}.kernel`] = { dtype: 'F32', shape: [...layout.kernelShapes[l]!], data: Float32Array.from(layout.weights(theta, l)) };
    out[`layer${l}.bias`] = { dtype: 'F32', shape: [layout.fanOut(l)], data: Float32Array.from(layout.bias(theta, l)) };
  }
  return out;
}

/** The inverse, checking that every tensor is there with the shape the architecture needs. */
export function tensorsToParameters(layout: ParameterLayout, tensors: Tensors, theta: Float32Array, file: string): void {
  for (let l = 0; l < layout.depth; l++) {
    for (const [name, shape, view] of [
      [`layer${l}.kernel`, layout.kernelShapes[l]!, layout.weights(theta, l)],
      [`layer${l}.bias`, [layout.fanOut(l)], layout.bias(theta, l)],
    ] as const) {
      const t = tensors[name];
      if (!t) fail('BAD_RUN', `${file}: tensor ${name} is missing`);
      if (t.dtype !== 'F32' || t.shape.join(',') !== shape.join(',')) {
        fail('BAD_RUN', `${file}: tensor ${name} is ${t.dtype} [${t.shape.join(', ')}], expected F32 [${shape.join(', ')}]`);
      }
      view.set(t.data as Float32Array);
    }
  }
}
