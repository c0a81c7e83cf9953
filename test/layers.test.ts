import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mlp, type Architecture } from '../src/nn/mlp.js';
import { initParameters } from '../src/nn/init.js';
import { parseArch, planModel, formatArch } from '../src/nn/architecture.js';
import { liveUnits } from '../src/nn/live-units.js';
import { Rng } from '../src/util/rng.js';
import { RegpathError } from '../src/errors.js';
import { backends } from './helpers/backends.js';
import type { Kernels } from '../src/kernels/kernels.js';

/**
 * The image layers (Conv2D with stride and padding, MaxPool2D, AvgPool2D, Flatten) inside small
 * models: every parameter's back-propagated gradient agrees with central finite differences
 * (the first layer's through every later layer's input gradient), and the forward pass agrees
 * with a direct double-precision convolution.
 */
const cases: Array<{ arch: string; input: [number, number, number]; act: Architecture['activation']; loss: Architecture['loss']; out: number }> = [
  { arch: 'conv3k3p1,pool2,fc5', input: [6, 6, 2], act: 'tanh', loss: 'cross-entropy', out: 3 },
  { arch: 'conv2k3s2p1,avgpool2,fc4', input: [7, 7, 1], act: 'sigmoid', loss: 'mse', out: 1 },
  { arch: 'conv4k1,conv2k2,pool2', input: [5, 5, 3], act: 'relu', loss: 'cross-entropy', out: 3 },
  { arch: 'avgpool2,conv2k2s1p1', input: [4, 4, 2], act: 'tanh', loss: 'mse', out: 1 },
];

function model(k: Kernels, c: (typeof cases)[number], rows: number): Mlp {
  const [h, w, ch] = c.input;
  return new Mlp(k, { layers: [h * w * ch, c.out], activation: c.act, loss: c.loss, specs: parseArch(c.arch), inputShape: { h, w, c: ch } }, rows);
}

for (const k of backends()) {
  for (const c of cases) {
    test(`[${k.name}] gradient of ${c.arch} (${c.act}, ${c.loss}) matches finite differences`, () => {
      const rows = 5;
      const rng = new Rng(3);
      const net = model(k, c, rows);
      const n = net.layout.size;
      const theta = k.alloc(n);
      initParameters(net.layout, c.act, 11, theta);
      for (let i = net.layout.weightCount; i < n; i++) theta[i] = 0.2 * rng.normal();
      const d = net.arch.layers[0]!;
      const x = k.alloc(rows * d);
      for (let i = 0; i < x.length; i++) x[i] = rng.normal();
      const y = k.alloc(rows);
      for (let i = 0; i < rows; i++) y[i] = c.loss === 'cross-entropy' ? rng.int(c.out) : rng.normal();
      const grad = k.alloc(n);
      net.lossAndGradient(theta, x, y, rows, grad);
      const g = Float64Array.from(grad);
      for (let i = 0; i < n; i++) {
        const eps = 1e-3 * Math.max(1, Math.abs(theta[i]!));
        const keep = theta[i]!;
        theta[i] = keep + eps;
        const up = net.lossAndGradient(theta, x, y, rows, null).loss;
        theta[i] = keep - eps;
        const down = net.lossAndGradient(theta, x, y, rows, null).loss;
        theta[i] = keep;
        const fd = (up - down) / (2 * eps);
        assert.ok(Math.abs(g[i]! - fd) <= 2e-3 + 2e-2 * Math.abs(fd), `param ${i}: backprop ${g[i]} vs finite difference ${fd}`);
      }
    });
  }

  test(`[${k.name}] Conv2D forward equals a direct convolution (stride 2, padding 1, NHWC, kernel [kh, kw, in, out])`, () => {
    const c = { arch: 'conv3k3s2p1', input: [5, 6, 2] as [number, number, number], act: 'identity' as const, loss: 'mse' as const, out: 1 };
    const net = model(k, c, 2);
    const theta = k.alloc(net.layout.size);
    const rng = new Rng(5);
    for (let i = 0; i < theta.length; i++) theta[i] = rng.normal();
    const x = k.alloc(2 * 60);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    net.forward(theta, x, 2);
    const conv = net.layers[0]!;
    assert.deepEqual(conv.outShape, { h: 3, w: 3, c: 3 });
    // the conv layer's output, read back through a forward of the conv alone
    const out = k.alloc(2 * 27);
    conv.forward(theta, x, 2, out);
    const W = net.layout.weights(theta, 0), b = net.layout.bias(theta, 0);
    for (let r = 0; r < 2; r++) for (let oy = 0; oy < 3; oy++) for (let ox = 0; ox < 3; ox++) for (let o = 0; o < 3; o++) {
      let s = b[o]!;
      for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) for (let i = 0; i < 2; i++) {
        const iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx;
        if (iy < 0 || iy >= 5 || ix < 0 || ix >= 6) continue;
        s += x[r * 60 + (iy * 6 + ix) * 2 + i]! * W[((ky * 3 + kx) * 2 + i) * 3 + o]!;
      }
      const got = out[r * 27 + (oy * 3 + ox) * 3 + o]!;
      assert.ok(Math.abs(got - s) < 1e-5 * (1 + Math.abs(s)), `(${r}, ${oy}, ${ox}, ${o}): ${got} vs ${s}`);
    }
  });
}

test('--arch: tokens, the implied output layer, kernel shapes and Flatten before the first Dense', () => {
  const specs = parseArch('conv6k5,pool2,conv16k5,pool2,fc32');
  assert.equal(formatArch(specs), 'conv6k5,pool2,conv16k5,pool2,fc32');
  assert.equal(formatArch(parseArch('conv8k3s2p1,avgpool3')), 'conv8k3s2p1,avgpool3');
  const plan = planModel(specs, { h: 28, w: 28, c: 1 }, 10);
  assert.deepEqual(plan.layers.map((l) => l.kind), ['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'dense']);
  assert.deepEqual(plan.layout.kernelShapes, [[5, 5, 1, 6], [5, 5, 6, 16], [256, 32], [32, 10]]);
  assert.equal(plan.layout.size, 150 + 2400 + 8192 + 320 + 6 + 16 + 32 + 10);
});

test('--arch: a bad token or a window that does not fit fails with one line naming it', () => {
  const grammar = 'expected comma-separated conv<C>k<K>[s<S>][p<P>], pool<K>, avgpool<K>, fc<N>';
  assert.throws(() => parseArch('conv6k5,pool,fc32'), (e: unknown) => e instanceof RegpathError && e.message === `--arch: bad layer "pool" in "conv6k5,pool,fc32"; ${grammar}`);
  assert.throws(() => parseArch('conv0k3'), (e: unknown) => e instanceof RegpathError && e.message === `--arch: bad layer "conv0k3" in "conv0k3" (filters must be 1 to 100000); ${grammar}`);
  assert.throws(() => planModel(parseArch('conv4k5,pool2,conv4k5'), { h: 12, w: 12, c: 1 }, 10),
    (e: unknown) => e instanceof RegpathError && e.message === '--arch layer 3 (conv4k5): a 5×5 window does not fit its input of 4×4×4 (height × width × channels)');
});

test('live units: a conv channel is live with a non-zero incoming and a non-zero outgoing weight, read through pooling and Flatten', () => {
  const plan = planModel(parseArch('conv3k2,pool2,fc2'), { h: 4, w: 4, c: 1 }, 2);
  const { layout } = plan; // conv [2, 2, 1, 3] → 3×3×3 → pool 1×1×3 → flatten 3 → fc [3, 2] → out [2, 2]
  const theta = new Float32Array(layout.size);
  const conv = layout.weights(theta, 0), fc = layout.weights(theta, 1), out = layout.weights(theta, 2);
  conv[0 * 3 + 0] = 1; // channel 0 reads the input …
  fc[0 * 2 + 1] = 1; //    … and fc unit 1 reads channel 0
  conv[3 * 3 + 1] = 1; // channel 1 reads the input but nothing reads it
  fc[2 * 2 + 0] = 1; //   fc unit 0 reads channel 2, which reads nothing
  out[1 * 2 + 0] = 1; //  the output reads fc unit 1
  assert.deepEqual(liveUnits(layout, theta), [1, 1, 1]);
});
