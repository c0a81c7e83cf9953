import { fail } from '../errors.js';
import type { RunFolder } from '../io/run-folder.js';
import type { Tensors } from '../io/safetensors.js';
import { Ensemble } from './model.js';

/** What ensemble.json and the run's settings hold. */
export const ENSEMBLE_FORMAT = 'regpath.ensemble/1';
export const ENSEMBLE_FILE = 'ensemble.safetensors';
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/**
 * Named tensors of an ensemble: `layer<l>.pi`, `layer<l>.m`, `layer<l>.xi`, each [in, out] like the
 * path's `layer<l>.kernel` (layer 0 next to the input), so connection (i, j) of a layer has the same
 * position in an ensemble and in a path point's weights.
 */
export function ensembleToTensors(e: Ensemble): Tensors {
  const out: Tensors = {};
  for (let l = 0; l < e.depth; l++) {
    const shape = [e.fanIn(l), e.fanOut(l)];
    out[`layer${l}.pi`] = { dtype: 'F32', shape, data: Float32Array.from(e.pi(l)) };
    out[`layer${l}.m`] = { dtype: 'F32', shape, data: Float32Array.from(e.m(l)) };
    out[`layer${l}.xi`] = { dtype: 'F32', shape, data: Float32Array.from(e.xi(l)) };
  }
  return out;
}

/** The inverse; the layer widths are read from the tensors' shapes, which must chain. */
export function tensorsToEnsemble(tensors: Tensors, file: string): Ensemble {
  const layers: number[] = [];
  for (let l = 0; ; l++) {
    const t = tensors[`layer${l}.pi`];
    if (!t) break;
    if (t.shape.length !== 2) fail('BAD_RUN', `${file}: tensor layer${l}.pi has shape [${t.shape.join(', ')}], expected [in, out]`);
    if (l === 0) layers.push(t.shape[0]!);
    else if (t.shape[0] !== layers[l]) fail('BAD_RUN', `${file}: layer${l}.pi has ${t.shape[0]} inputs but layer${l - 1} has ${layers[l]} outputs`);
    layers.push(t.shape[1]!);
  }
  if (layers.length < 2) fail('BAD_RUN', `${file}: no ensemble tensors (layer0.pi, layer0.m, layer0.xi)`);
  const e = new Ensemble(layers);
  for (let l = 0; l < e.depth; l++) {
    for (const [q, view] of [['pi', e.pi(l)], ['m', e.m(l)], ['xi', e.xi(l)]] as const) {
      const t = tensors[`layer${l}.${q}`];
      if (!t) fail('BAD_RUN', `${file}: tensor layer${l}.${q} is missing`);
      if (t.dtype !== 'F32' || t.shape.join(',') !== `${e.fanIn(l)},${e.fanOut(l)}`) {
        fail('BAD_RUN', `${file}: tensor layer${l}.${q} is ${t.dtype} [${t.shape.join(', ')}], expected F32 [${e.fanIn(l)}, ${e.fanOut(l)}]`);
      }
      view.set(t.data as Float32Array);
    }
  }
  return e;
}

export interface CheckpointInfo {
  /** Epochs finished. */
  epoch: number;
  /** Adam steps taken (its bias correction). */
  step: number;
  /** Wall seconds so far, over resumed sessions. */
  seconds: number;
  history: unknown[];
}

const CHECKPOINT_TENSORS = ['params', 'adam.m', 'adam.v'] as const;

/** One atomic file: the parameters [π | m | Ξ], Adam's two moments, and the history up to here. */
export function writeCheckpoint(folder: RunFolder, buffers: [Float32Array, Float32Array, Float32Array], info: CheckpointInfo): void {
  const tensors: Tensors = {};
  CHECKPOINT_TENSORS.forEach((name, i) => (tensors[name] = { dtype: 'F32', shape: [buffers[i]!.length], data: buffers[i]! }));
  folder.writeTensors(CHECKPOINT_FILE, tensors, {
    epoch: String(info.epoch), step: String(info.step), seconds: String(info.seconds), history: JSON.stringify(info.history),
  });
}

/** Reads a checkpoint into `buffers` (which must fit `layers`). */
export function readCheckpoint(folder: RunFolder, layers: readonly number[], buffers: [Float32Array, Float32Array, Float32Array]): CheckpointInfo {
  const ck = folder.readTensors(CHECKPOINT_FILE);
  CHECKPOINT_TENSORS.forEach((name, i) => {
    const t = ck.tensors[name];
    if (!t || t.dtype !== 'F32' || t.data.length !== buffers[i]!.length) {
      fail('BAD_RUN', `${folder.path(CHECKPOINT_FILE)}: tensor ${name} is missing or does not fit layers ${layers.join('-')}`);
    }
    buffers[i]!.set(t.data as Float32Array);
  });
  return {
    epoch: Number(ck.metadata['epoch']), step: Number(ck.metadata['step']), seconds: Number(ck.metadata['seconds'] ?? 0),
    history: JSON.parse(ck.metadata['history'] ?? '[]') as unknown[],
  };
}
