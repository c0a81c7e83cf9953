/**
 * A model as a list of layer specifications, and the shapes and parameter layout it implies.
 *
 * `--arch` grammar (comma-separated tokens, from the input; the output Dense layer is implied by
 * the data: one unit per class, or one for regression):
 *   conv<C>k<K>[s<S>][p<P>]   Conv2D: C filters of K×K, stride S (1), zero padding P (0) per side
 *   pool<K>                   MaxPool2D, K×K windows with stride K (Keras's default)
 *   avgpool<K>                AvgPool2D, the same windows
 *   fc<N>                     Dense with N units (after a Flatten when its input is an image)
 * e.g. `conv6k5,pool2,conv16k5,pool2,fc32` (LeNet-like) or `conv32k3,pool2,conv32k4,pool2,fc512`.
 * Conv2D and Dense layers carry the model's hidden activation; pooling windows that do not fit
 * at the bottom or right edge are dropped (Keras's 'valid').
 */
import { fail } from '../errors.js';
import { ParameterLayout } from './layout.js';
import { flat, sizeOf, type Shape } from './layers/layer.js';

export type LayerSpec =
  | { type: 'conv'; filters: number; kernel: number; stride: number; padding: number }
  | { type: 'maxpool' | 'avgpool'; size: number }
  | { type: 'fc'; units: number };

export const ARCH_GRAMMAR = 'conv<C>k<K>[s<S>][p<P>], pool<K>, avgpool<K>, fc<N>';

const TOKEN = /^(?:conv(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?|(avg)?pool(\d+)|fc(\d+))$/;

/** Parses an --arch value such as "conv6k5,pool2,fc32"; a bad token fails with the token and the grammar. */
export function parseArch(text: string): LayerSpec[] {
  const tokens = text.split(',').map((t) => t.trim().toLowerCase());
  return tokens.map((t) => {
    const m = TOKEN.exec(t);
    const bad = (why: string): never => fail('BAD_OPTION', `--arch: bad layer "${t}" in "${text}"${why}; expected comma-separated ${ARCH_GRAMMAR}`);
    if (!m) return bad('');
    const n = (i: number, dflt: number): number => (m[i] === undefined ? dflt : Number(m[i]));
    const positive = (v: number, what: string): number => (v >= 1 && v <= 100000 ? v : bad(` (${what} must be 1 to 100000)`));
    if (m[1] !== undefined) {
      return {
        type: 'conv', filters: positive(n(1, 0), 'filters'), kernel: positive(n(2, 0), 'kernel'),
        stride: positive(n(3, 1), 'stride'), padding: n(4, 0) <= 100000 ? n(4, 0) : bad(' (padding must be at most 100000)'),
      };
    }
    if (m[6] !== undefined) return { type: m[5] ? 'avgpool' : 'maxpool', size: positive(n(6, 0), 'pool size') };
    return { type: 'fc', units: positive(n(7, 0), 'units') };
  });
}

/** The --arch text of a layer list (parseArch's inverse). */
export function formatArch(specs: readonly LayerSpec[]): string {
  return specs.map((s) => {
    switch (s.type) {
      case 'conv': return `conv${s.filters}k${s.kernel}${s.stride !== 1 ? `s${s.stride}` : ''}${s.padding !== 0 ? `p${s.padding}` : ''}`;
      case 'maxpool': return `pool${s.size}`;
      case 'avgpool': return `avgpool${s.size}`;
      case 'fc': return `fc${s.units}`;
    }
  }).join(',');
}

/** One layer of a planned model: kind, shapes, and its parameter block (-1 when it has none). */
export type PlannedLayer =
  | { kind: 'dense'; inShape: Shape; outShape: Shape; block: number; output: boolean }
  | { kind: 'conv2d'; inShape: Shape; outShape: Shape; block: number; kernel: number; stride: number; padding: number }
  | { kind: 'maxpool2d' | 'avgpool2d'; inShape: Shape; outShape: Shape; block: -1; size: number }
  | { kind: 'flatten'; inShape: Shape; outShape: Shape; block: -1 };

export interface Plan {
  layers: PlannedLayer[];
  layout: ParameterLayout;
}

/**
 * The layers, their shapes and the parameter layout of `specs` on inputs of shape `input`
 * (NHWC; flat data is 1×1×n) with `outputs` output units. Fails with the layer and the shape
 * when a window does not fit its input.
 */
export function planModel(specs: readonly LayerSpec[], input: Shape, outputs: number): Plan {
  const layers: PlannedLayer[] = [];
  const kernels: number[][] = [];
  let shape = input;
  const image = (s: Shape): boolean => s.h > 1 || s.w > 1;
  const flatten = (): void => {
    if (!image(shape)) return;
    const out = flat(sizeOf(shape));
    layers.push({ kind: 'flatten', inShape: shape, outShape: out, block: -1 });
    shape = out;
  };
  const dense = (units: number, output: boolean): void => {
    flatten();
    const out = flat(units);
    layers.push({ kind: 'dense', inShape: shape, outShape: out, block: kernels.length, output });
    kernels.push([shape.c, units]);
    shape = out;
  };
  const describe = (s: Shape): string => `${s.h}×${s.w}×${s.c} (height × width × channels)`;
  specs.forEach((s, i) => {
    const where = `--arch layer ${i + 1} (${formatArch([s])})`;
    if (s.type === 'fc') return dense(s.units, false);
    const k = s.type === 'conv' ? s.kernel : s.size;
    const stride = s.type === 'conv' ? s.stride : s.size;
    const pad = s.type === 'conv' ? s.padding : 0;
    const oh = Math.floor((shape.h + 2 * pad - k) / stride) + 1;
    const ow = Math.floor((shape.w + 2 * pad - k) / stride) + 1;
    if (!(oh >= 1 && ow >= 1)) fail('BAD_OPTION', `${where}: a ${k}×${k} window does not fit its input of ${describe(shape)}`);
    if (s.type === 'conv') {
      const out = { h: oh, w: ow, c: s.filters };
      layers.push({ kind: 'conv2d', inShape: shape, outShape: out, block: kernels.length, kernel: k, stride, padding: pad });
      kernels.push([k, k, shape.c, s.filters]);
      shape = out;
    } else {
      const out = { h: oh, w: ow, c: shape.c };
      layers.push({ kind: s.type === 'maxpool' ? 'maxpool2d' : 'avgpool2d', inShape: shape, outShape: out, block: -1, size: k });
      shape = out;
    }
  });
  dense(outputs, true);
  return { layers, layout: new ParameterLayout([sizeOf(input)], kernels) };
}

/** The layer list of an MLP with these hidden widths. */
export function mlpSpecs(hidden: readonly number[]): LayerSpec[] {
  return hidden.map((units) => ({ type: 'fc', units }));
}

/** Whether specs hold a layer other than Dense (so the model is not an MLP). */
export function hasImageLayers(specs: readonly LayerSpec[] | undefined): boolean {
  return (specs ?? []).some((s) => s.type !== 'fc');
}
