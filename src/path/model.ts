import { fail } from '../errors.js';
import { hasImageLayers, parseArch } from '../nn/architecture.js';
import type { Architecture } from '../nn/mlp.js';
import type { ResolvedPathOptions } from './options.js';
import type { DatasetInfo } from './prepare.js';

/** What path.json records about the model; `arch` and `inputShape` ([C, H, W]) only for a layer list with image layers. */
export interface ModelInfo {
  layers: number[];
  activation: string;
  arch?: string;
  inputShape?: number[];
}

/**
 * The model a path run trains: an MLP of --hidden, or the layer list of --arch on inputs of the
 * data's image shape (or --input-shape). An --arch of fc layers only is the same MLP as --hidden.
 */
export function architectureOf(o: ResolvedPathOptions, info: DatasetInfo): Architecture {
  const outputs = info.task === 'classification' ? info.classes : 1;
  const loss = info.task === 'classification' ? 'cross-entropy' : 'mse';
  const specs = o.arch !== undefined ? parseArch(o.arch) : null;
  if (!specs || !hasImageLayers(specs)) {
    const hidden = specs ? specs.map((s) => (s.type === 'fc' ? s.units : 0)) : o.hidden;
    return { layers: [info.features, ...hidden, outputs], activation: o.activation, loss };
  }
  const shape = info.shape;
  if (!shape) fail('BAD_OPTION', `--arch ${o.arch} has image layers but ${info.name} is not image data: give its shape with --input-shape C,H,W`);
  const [c, h, w] = shape as [number, number, number];
  return { layers: [info.features, outputs], activation: o.activation, loss, specs, inputShape: { h, w, c } };
}

export function modelInfo(arch: Architecture, o: ResolvedPathOptions, info: DatasetInfo): ModelInfo {
  return {
    layers: arch.layers, activation: o.activation,
    ...(arch.specs && { arch: o.arch!, inputShape: info.shape! }),
  };
}

/** The Architecture a run's path.json `model` describes (the inverse of modelInfo). */
export function architectureFromInfo(m: ModelInfo, loss: Architecture['loss']): Architecture {
  const arch: Architecture = { layers: [...m.layers], activation: m.activation as Architecture['activation'], loss };
  if (m.arch === undefined) return arch;
  const [c, h, w] = m.inputShape as [number, number, number];
  return { ...arch, specs: parseArch(m.arch), inputShape: { h, w, c } };
}

/** Fails with a clear message when a reader of dense networks only (`what`) is given a run with image layers. */
export function refuseImageLayers(m: ModelInfo, dir: string, what: string): void {
  if (m.arch !== undefined) {
    fail('BAD_RUN', `${dir} is a run of --arch ${m.arch}: ${what} handles networks of dense layers (--hidden) only; predict, select and export --format onnx|tfjs read it`);
  }
}
