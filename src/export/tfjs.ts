/**
 * The TensorFlow.js export, Layers format: model.json holds a Keras-style Sequential of Dense
 * layers (kernel [in, out] as ours) and a weights manifest; weights.bin holds every kernel and
 * bias as little-endian float32 in manifest order. Loadable with tf.loadLayersModel. The last
 * Dense layer has a softmax activation for classification (the model outputs probabilities),
 * linear for regression.
 */
import type { ActName } from '../kernels/kernels.js';
import type { DenseLayer } from '../nn/sparse.js';

export const TFJS_MODEL_FILE = 'model.json';
export const TFJS_WEIGHTS_FILE = 'weights.bin';

export const KERAS_ACT: Record<ActName, string> = { identity: 'linear', relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid' };

/** The rest of a Dense (or Conv2D) layer's Keras config: a bias, and no initialisers, regularisers or constraints in use. */
export const KERAS_DENSE_REST = {
  use_bias: true,
  kernel_initializer: { class_name: 'Zeros', config: {} },
  bias_initializer: { class_name: 'Zeros', config: {} },
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
};

/** One weight array's entry of the weights manifest. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface TfjsOptions {
  layers: DenseLayer[];
  activation: ActName;
  classification: boolean;
  generatedBy: string;
  /** Free-form information stored under model.json's `userDefinedMetadata`. */
  metadata: Record<string, unknown>;
}

export function encodeTfjs(o: TfjsOptions): { modelJson: string; weights: Uint8Array } {
  const depth = o.layers.length;
  const specs: WeightSpec[] = [];
  const arrays: Float32Array[] = [];
  const layers = o.layers.map((layer, l) => {
    const last = l === depth - 1;
    const name = `dense_${l}`;
    specs.push({ name: `${name}/kernel`, shape: [layer.fanIn, layer.fanOut], dtype: 'float32' });
    specs.push({ name: `${name}/bias`, shape: [layer.fanOut], dtype: 'float32' });
    arrays.push(layer.kernel, layer.bias);
    const config: Record<string, unknown> = {
      name,
      trainable: true,
      dtype: 'float32',
      units: layer.fanOut,
      activation: last ? (o.classification ? 'softmax' : 'linear') : KERAS_ACT[o.activation],
      ...KERAS_DENSE_REST,
    };
    if (l === 0) config['batch_input_shape'] = [null, layer.fanIn];
    return { class_name: 'Dense', config };
  });
  return encodeSequential(o, 'regpath_mlp', layers, specs, arrays);
}

/**
 * model.json and weights.bin of a Sequential model of `layers` (Keras configs): the weight
 * arrays, in order, as little-endian float32, and the manifest `specs` that describes them.
 */
export function encodeSequential(
  o: Pick<TfjsOptions, 'generatedBy' | 'metadata'>, name: string, layers: object[], specs: WeightSpec[], arrays: Float32Array[],
): { modelJson: string; weights: Uint8Array } {
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const weights = new Uint8Array(total * 4);
  const view = new DataView(weights.buffer);
  let at = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++, at += 4) view.setFloat32(at, a[i]!, true);
  }
  const model = {
    format: 'layers-model',
    generatedBy: o.generatedBy,
    convertedBy: null,
    modelTopology: {
      class_name: 'Sequential',
      config: { name, layers },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
    userDefinedMetadata: o.metadata,
  };
  return { modelJson: JSON.stringify(model, null, 1) + '\n', weights };
}
