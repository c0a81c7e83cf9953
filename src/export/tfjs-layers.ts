/**
 * The TensorFlow.js export (Layers format) of a network with image layers: a Sequential of
 * Reshape (the flat raw features to height × width × channels, TF.js's own NHWC), then per layer
 * ZeroPadding2D (when padded) + Conv2D (kernel [kh, kw, in, out], as ours), MaxPooling2D /
 * AveragePooling2D (pool = strides = the window, 'valid'), Flatten (NHWC order, as ours) and
 * Dense. TF.js Layers have no per-pixel affine layer, so the run must use raw features
 * (--no-standardize); export.ts refuses otherwise.
 */
import { planModel } from '../nn/architecture.js';
import { inputShapeOf, specsOf, type Architecture } from '../nn/mlp.js';
import { KERAS_ACT, KERAS_DENSE_REST, encodeSequential, type WeightSpec } from './tfjs.js';

export interface TfjsLayersOptions {
  arch: Architecture;
  theta: Float32Array;
  classification: boolean;
  generatedBy: string;
  metadata: Record<string, unknown>;
}

export function encodeTfjsLayers(o: TfjsLayersOptions): { modelJson: string; weights: Uint8Array } {
  const plan = planModel(specsOf(o.arch), inputShapeOf(o.arch), o.arch.layers[o.arch.layers.length - 1]!);
  const { layout } = plan;
  const specs: WeightSpec[] = [];
  const arrays: Float32Array[] = [];
  const s = inputShapeOf(o.arch);
  const layers: object[] = [{ class_name: 'Reshape', config: { name: 'input_nhwc', trainable: true, dtype: 'float32', target_shape: [s.h, s.w, s.c], batch_input_shape: [null, o.arch.layers[0]!] } }];
  const last = plan.layers.length - 1;
  const params = (name: string, block: number): void => {
    specs.push({ name: `${name}/kernel`, shape: [...layout.kernelShapes[block]!], dtype: 'float32' }, { name: `${name}/bias`, shape: [layout.fanOut(block)], dtype: 'float32' });
    arrays.push(layout.weights(o.theta, block), layout.bias(o.theta, block));
  };
  const common = { trainable: true, dtype: 'float32' };
  plan.layers.forEach((p, i) => {
    const act = i === last ? (o.classification ? 'softmax' : 'linear') : KERAS_ACT[o.arch.activation]!;
    if (p.kind === 'conv2d') {
      if (p.padding > 0) layers.push({ class_name: 'ZeroPadding2D', config: { name: `pad_${i}`, ...common, padding: [[p.padding, p.padding], [p.padding, p.padding]], data_format: 'channels_last' } });
      const name = `conv2d_${i}`;
      params(name, p.block);
      layers.push({
        class_name: 'Conv2D',
        config: {
          name, ...common, filters: p.outShape.c, kernel_size: [p.kernel, p.kernel], strides: [p.stride, p.stride], padding: 'valid',
          data_format: 'channels_last', dilation_rate: [1, 1], activation: act, ...KERAS_DENSE_REST,
        },
      });
    } else if (p.kind === 'maxpool2d' || p.kind === 'avgpool2d') {
      layers.push({
        class_name: p.kind === 'maxpool2d' ? 'MaxPooling2D' : 'AveragePooling2D',
        config: { name: `pool_${i}`, ...common, pool_size: [p.size, p.size], strides: [p.size, p.size], padding: 'valid', data_format: 'channels_last' },
      });
    } else if (p.kind === 'flatten') {
      layers.push({ class_name: 'Flatten', config: { name: `flatten_${i}`, ...common } });
    } else {
      const name = `dense_${i}`;
      params(name, p.block);
      layers.push({ class_name: 'Dense', config: { name, ...common, units: layout.fanOut(p.block), activation: act, ...KERAS_DENSE_REST } });
    }
  });
  return encodeSequential(o, 'regpath_layers', layers, specs, arrays);
}
