/**
 * A network as the neuron tools see it: widths, activation and the flat parameter vector of
 * ParameterLayout ([W1 … WL, b1 … bL], Wℓ stored in×out). Hidden neuron j of hidden layer h
 * (h = 0 next to the input) has in-weights column j of W_h with bias b_h[j], and out-weights
 * row j of W_{h+1}. Everything here is plain JavaScript in double precision: the analyses are
 * small next to training and want the extra digits.
 */
import { fail } from '../errors.js';
import type { ActName, Kernels } from '../kernels/kernels.js';
import { createJsKernels } from '../kernels/index.js';
import { Mlp } from '../nn/mlp.js';
import { ParameterLayout } from '../nn/layout.js';
import { parametersToTensors } from '../nn/serialize.js';
import type { Tensors } from '../io/safetensors.js';

export interface Net {
  layers: number[];
  activation: ActName;
  theta: Float32Array;
}

export function layoutOf(net: Net): ParameterLayout {
  return new ParameterLayout(net.layers);
}

export function hiddenLayers(net: Net): number {
  return net.layers.length - 2;
}

/** ‖(in-weights, bias)‖ and ‖out-weights‖ of every neuron of hidden layer h. */
export function neuronNorms(net: Net, h: number): { inNorm: Float64Array; outNorm: Float64Array } {
  const layout = layoutOf(net);
  const fanIn = layout.fanIn(h), width = layout.fanOut(h), next = layout.fanOut(h + 1);
  const w = layout.weights(net.theta, h), b = layout.bias(net.theta, h), v = layout.weights(net.theta, h + 1);
  const inNorm = new Float64Array(width), outNorm = new Float64Array(width);
  for (let j = 0; j < width; j++) {
    let s = b[j]! * b[j]!;
    for (let i = 0; i < fanIn; i++) s += w[i * width + j]! ** 2;
    inNorm[j] = Math.sqrt(s);
    let t = 0;
    for (let o = 0; o < next; o++) t += v[j * next + o]! ** 2;
    outNorm[j] = Math.sqrt(t);
  }
  return { inNorm, outNorm };
}

/** The network with only the neurons `keep` (in order) of hidden layer h. */
export function keepNeurons(net: Net, h: number, keep: readonly number[]): Net {
  const old = layoutOf(net);
  const layers = [...net.layers];
  layers[h + 1] = keep.length;
  const neu = new ParameterLayout(layers);
  const theta = new Float32Array(neu.size);
  for (let l = 0; l < old.depth; l++) {
    const ow = old.weights(net.theta, l), nw = neu.weights(theta, l);
    const ob = old.bias(net.theta, l), nb = neu.bias(theta, l);
    const inRows = l === h + 1 ? keep : range(old.fanIn(l));
    const outCols = l === h ? keep : range(old.fanOut(l));
    const oldOut = old.fanOut(l), newOut = outCols.length;
    inRows.forEach((r, ri) => outCols.forEach((c, ci) => (nw[ri * newOut + ci] = ow[r * oldOut + c]!)));
    outCols.forEach((c, ci) => (nb[ci] = ob[c]!));
  }
  return { layers, activation: net.activation, theta };
}

/** out-weights of neuron i += c · out-weights of neuron j (hidden layer h), in place. */
export function addOutWeights(net: Net, h: number, i: number, j: number, c: number): void {
  const layout = layoutOf(net);
  const next = layout.fanOut(h + 1);
  const v = layout.weights(net.theta, h + 1);
  for (let o = 0; o < next; o++) v[i * next + o] = v[i * next + o]! + c * v[j * next + o]!;
}

/** Next layer's bias += c · out-weights of neuron j (hidden layer h), in place: neuron j's activation, constant c, moved into the bias. */
export function foldIntoBias(net: Net, h: number, j: number, c: number): void {
  const layout = layoutOf(net);
  const next = layout.fanOut(h + 1);
  const v = layout.weights(net.theta, h + 1), b = layout.bias(net.theta, h + 1);
  for (let o = 0; o < next; o++) b[o] = b[o]! + c * v[j * next + o]!;
}

/**
 * The plain-TypeScript kernels with double-precision buffers. They sum in doubles already and
 * only index and assign their arrays, so with Float64Array storage a model's forward pass (the
 * same layers as training's) rounds nowhere but in the float32 parameters themselves. (The kernel
 * interface is typed for float32 buffers; these are Float64Array underneath.)
 */
const float64Kernels: Kernels = { ...createJsKernels(), alloc: (n) => new Float64Array(n) as unknown as Float32Array };

/**
 * Forward pass in double precision over `rows` rows of x: every hidden layer's activations
 * (rows × width, after the non-linearity) and the outputs (rows × classes).
 */
export function forward64(net: Net, x: Float32Array, rows: number): { hidden: Float64Array[]; output: Float64Array } {
  const model = new Mlp(float64Kernels, { layers: net.layers, activation: net.activation, loss: 'cross-entropy' }, Math.max(1, rows));
  model.forward(net.theta, x, rows);
  const outputs = model.layers.map((_, l) => model.output(l, rows) as unknown as Float64Array);
  return { hidden: outputs.slice(0, -1), output: outputs[outputs.length - 1]! };
}

/** Named tensors (layer<i>.kernel / layer<i>.bias, as every regpath weights file) and metadata. */
export function netToTensors(net: Net): { tensors: Tensors; metadata: Record<string, string> } {
  return {
    tensors: parametersToTensors(layoutOf(net), net.theta),
    metadata: { layers: net.layers.join(','), activation: net.activation },
  };
}

/** The inverse: widths read off the tensors' shapes (layer0.kernel [in, out], …). */
export function tensorsToNet(tensors: Tensors, activation: ActName, file: string): Net {
  const layers: number[] = [];
  for (let l = 0; ; l++) {
    const t = tensors[`layer${l}.kernel`];
    if (!t) break;
    if (t.shape.length !== 2) fail('BAD_FILE', `${file}: tensor layer${l}.kernel has shape [${t.shape.join(', ')}], expected [in, out]`);
    if (l === 0) layers.push(t.shape[0]!);
    else if (t.shape[0] !== layers[l]) fail('BAD_FILE', `${file}: layer${l}.kernel has ${t.shape[0]} inputs, but layer${l - 1} has ${layers[l]} outputs`);
    layers.push(t.shape[1]!);
  }
  if (layers.length < 2) fail('BAD_FILE', `${file}: no network in it (expected tensors layer0.kernel, layer0.bias, …)`);
  const layout = new ParameterLayout(layers);
  const theta = new Float32Array(layout.size);
  for (let l = 0; l < layout.depth; l++) {
    for (const [name, view] of [[`layer${l}.kernel`, layout.weights(theta, l)], [`layer${l}.bias`, layout.bias(theta, l)]] as const) {
      const t = tensors[name];
      if (!t) fail('BAD_FILE', `${file}: tensor ${name} is missing`);
      if (t.dtype !== 'F32' || t.data.length !== view.length) fail('BAD_FILE', `${file}: tensor ${name} is ${t.dtype} [${t.shape.join(', ')}], expected F32 with ${view.length} values`);
      view.set(t.data as Float32Array);
    }
  }
  return { layers, activation, theta };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
