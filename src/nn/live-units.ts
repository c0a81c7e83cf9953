import type { ParameterLayout } from './layout.js';

/**
 * Live units of each layer with parameters: a Dense unit or a Conv2D channel (the channel is the
 * convolution's neuron) is live when some incoming weight is non-zero and, below the output
 * layer, some outgoing weight too (otherwise it is constant or unread, and the network computes
 * the same function without it). The next layer with parameters reads unit j of block b in its
 * kernel rows r with r mod fanOut(b) = j: for a convolution rows are (ky, kx, channel), for a
 * Dense layer after a Flatten of NHWC (y, x, channel), and pooling keeps the channels.
 */
export function liveUnits(layout: ParameterLayout, theta: Float32Array): number[] {
  const counts: number[] = [];
  for (let b = 0; b < layout.depth; b++) {
    const n = layout.fanOut(b), w = layout.weights(theta, b);
    const incoming = new Uint8Array(n);
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) incoming[i % n] = 1;
    const outgoing = new Uint8Array(n).fill(b === layout.depth - 1 ? 1 : 0);
    if (b < layout.depth - 1) {
      const v = layout.weights(theta, b + 1), m = layout.fanOut(b + 1);
      for (let i = 0; i < v.length; i++) if (v[i] !== 0) outgoing[Math.floor(i / m) % n] = 1;
    }
    let live = 0;
    for (let j = 0; j < n; j++) if (incoming[j] && outgoing[j]) live++;
    counts.push(live);
  }
  return counts;
}
