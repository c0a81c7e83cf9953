// out ← a·x + b·y in one pass, rounded exactly as a copy, `scale` and `axpy` (vector.ts) in turn
// would round it: t = f32(a·x) (x itself when a = 1), then out = f32(t + b·y) (t when b = 0), each
// in f64 and rounded once. An extrapolated point of an accelerated method gets its first-layer
// product this way from two saved ones (src/nn/layers/dense.ts): on MNIST three passes over the
// 8,000 × 20 product became one.
import { loadPart, storePart, high } from './simd';
import { demote4 } from './vector';

@inline function combine4(a: v128, b: v128, scaleX: bool, addY: bool, u: v128, v: v128): v128 {
  let t = u;
  if (scaleX) t = demote4(f64x2.mul(a, f64x2.promote_low_f32x4(u)), f64x2.mul(a, f64x2.promote_low_f32x4(high(u))));
  if (!addY) return t;
  return demote4(
    f64x2.add(f64x2.promote_low_f32x4(t), f64x2.mul(b, f64x2.promote_low_f32x4(v))),
    f64x2.add(f64x2.promote_low_f32x4(high(t)), f64x2.mul(b, f64x2.promote_low_f32x4(high(v)))),
  );
}

/** out ← a·x + b·y (see above); out may alias x or y. */
export function combine(n: i32, a: f64, x: usize, b: f64, y: usize, out: usize): void {
  if (n <= 0) return;
  const av = f64x2.splat(a), bv = f64x2.splat(b);
  const scaleX = a != 1, addY = b != 0;
  const nv = <usize>(n & ~3) << 2;
  let o: usize = 0;
  for (; o < nv; o += 16) v128.store(out + o, combine4(av, bv, scaleX, addY, v128.load(x + o), v128.load(y + o)));
  const t = n & 3;
  if (t) storePart(out + o, combine4(av, bv, scaleX, addY, loadPart(x + o, t), loadPart(y + o, t)), t);
}
