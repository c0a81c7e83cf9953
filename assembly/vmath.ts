// Vectorised exp / tanh / sigmoid on f64x2 lanes, accurate to ~1e-14 relative: after rounding
// to float32 they give the same value as the js twin's Math.exp / Math.tanh (exceptions are
// rarer than one in 10⁵ and then one float32 ulp). Scalar Math.tanh / Mathf.tanh cost ~50 cycles
// per element, as much as the whole GEMM of a 20-unit layer; these cost a few cycles.
//
// exp(x): k = nearest(x·log2 e), r = x - k·ln2 (ln2 split in a high part whose products with k
// are exact and a low part), exp(r) by its Taylor polynomial of degree 10 (|r| ≤ ln2/2,
// truncation < 3e-13 relative) evaluated with Estrin's scheme (short dependency chains), times
// 2^k built in the exponent bits. Arguments are clamped to ±700, where the results are already
// far outside float32 (callers round to float32 or divide by ≥ 1).

import { madd } from './simd';

const LOG2E: f64 = 1.4426950408889634;
const LN2_HI: f64 = 6.93147180369123816490e-01; // 0x3fe62e42fee00000: k·LN2_HI exact for |k| < 2^11
const LN2_LO: f64 = 1.90821492927058770002e-10;
/** 2^52 + 1023: adding it to an integral k ∈ [-1023, 1024] leaves k + 1023 in the low mantissa bits. */
const EXP_BIAS_MAGIC: f64 = 4503599627371519.0;

@inline function fma2(a: v128, b: v128, c: v128): v128 {
  return f64x2.add(f64x2.mul(a, b), c);
}

/** e^x on both lanes (x clamped to [-700, 700]; NaN stays NaN). */
@inline export function expv(x: v128): v128 {
  // pmax/pmin keep a NaN in their first operand and are single instructions.
  x = f64x2.pmin(f64x2.pmax(x, f64x2.splat(-700)), f64x2.splat(700));
  const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(LOG2E)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  // Σ_{i ≤ 10} r^i / i!, Estrin: pairs, then r², r⁴, r⁸.
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const q0 = fma2(r, f64x2.splat(1), f64x2.splat(1));
  const q1 = fma2(r, f64x2.splat(1.6666666666666666e-1), f64x2.splat(0.5)); // 1/3!, 1/2!
  const q2 = fma2(r, f64x2.splat(8.333333333333333e-3), f64x2.splat(4.1666666666666664e-2)); // 1/5!, 1/4!
  const q3 = fma2(r, f64x2.splat(1.984126984126984e-4), f64x2.splat(1.388888888888889e-3)); // 1/7!, 1/6!
  const q4 = fma2(r, f64x2.splat(2.7557319223985893e-6), f64x2.splat(2.48015873015873e-5)); // 1/9!, 1/8!
  const q5 = f64x2.splat(2.755731922398589e-7); // 1/10!
  const s0 = fma2(q1, r2, q0);
  const s1 = fma2(q3, r2, q2);
  const s2 = fma2(q5, r2, q4);
  const p = fma2(s2, r8, fma2(s1, r4, s0));
  // 2^k: the low bits of k + (2^52 + 1023) are k + 1023; shifted into the exponent field.
  const scale = i64x2.shl(f64x2.add(k, f64x2.splat(EXP_BIAS_MAGIC)), 52);
  return f64x2.mul(p, scale);
}

/** tanh on both lanes. */
@inline export function tanhv(x: v128): v128 {
  const signBit = f64x2.splat(-0.0);
  const t = v128.andnot(x, signBit); // |x|
  // Large |x|: (e^{2t} - 1)/(e^{2t} + 1), relative error ~1e-16/t (fine for t ≥ 1/64).
  const e = expv(f64x2.add(t, t));
  const one = f64x2.splat(1);
  const big = f64x2.div(f64x2.sub(e, one), f64x2.add(e, one));
  // Small |x| < 1/64: odd Taylor series t - t³/3 + 2t⁵/15 - 17t⁷/315 + 62t⁹/2835 (error < 1e-18).
  const t2 = f64x2.mul(t, t);
  let s = f64x2.splat(62.0 / 2835.0);
  s = f64x2.add(f64x2.mul(s, t2), f64x2.splat(-17.0 / 315.0));
  s = f64x2.add(f64x2.mul(s, t2), f64x2.splat(2.0 / 15.0));
  s = f64x2.add(f64x2.mul(s, t2), f64x2.splat(-1.0 / 3.0));
  const small = f64x2.add(t, f64x2.mul(t, f64x2.mul(s, t2)));
  // min(…, 1): e overflows to 1 exactly past t ≈ 19 anyway; NaN keeps NaN.
  const y = v128.bitselect(small, big, f64x2.lt(t, f64x2.splat(0.015625)));
  return v128.or(y, v128.and(x, signBit)); // copy the sign of x
}

/** 1 / (1 + e^{-x}) on both lanes. */
@inline export function sigmoidv(x: v128): v128 {
  const one = f64x2.splat(1);
  return f64x2.div(one, f64x2.add(one, expv(f64x2.neg(x))));
}

// e^x on f32x4 lanes for x ≤ 0 (the max-shifted logits of a softmax), within 2 float32 ulps:
// Cephes' expf. k = nearest(x·log2 e), taken from the low mantissa bits of x·log2 e + 1.5·2^23;
// r = x - k·ln2 with ln2 split as 0.693359375 (exact in 9 bits, so k·C1 is exact) and
// -2.12194440e-4; e^r ≈ 1 + r + r²·P(r), P Cephes' degree-5 minimax polynomial on |r| ≤ ln2/2,
// evaluated with Estrin's scheme (short dependency chains: the exponential was latency-bound);
// times 2^k built in the exponent bits. Below ln(2^-126) = -87.34, where 2^k would leave the
// normal range, the result is 0 as e^-inf is; NaN stays NaN. Four lanes and degree 5 instead of
// expv's two lanes and degree 10.
const EXPF_MIN: f32 = -87.33654;
const EXPF_C1: f32 = 0.693359375;
const EXPF_C2: f32 = -2.12194440e-4;
/** 1.5·2^23: adding it rounds |t| < 2^22 to an integer held in the low mantissa bits. */
const EXPF_ROUND: f32 = 12582912.0;

/** e^x on four lanes, x ≤ 0 (x > 0 is not handled: 2^k may overflow the exponent field). */
@inline export function expNonPositive4(x: v128): v128 {
  const lo = f32x4.splat(EXPF_MIN);
  const under = f32x4.lt(x, lo); // false for NaN
  const xc = f32x4.pmax(x, lo); // NaN stays NaN: pmax(a, b) = a < b ? b : a
  const t = madd(xc, f32x4.splat(1.44269504088896341), f32x4.splat(EXPF_ROUND));
  const k = f32x4.sub(t, f32x4.splat(EXPF_ROUND));
  const r = madd(k, f32x4.splat(-EXPF_C2), madd(k, f32x4.splat(-EXPF_C1), xc));
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const q0 = madd(r, f32x4.splat(1.6666665459e-1), f32x4.splat(5.0000001201e-1));
  const q1 = madd(r, f32x4.splat(8.3334519073e-3), f32x4.splat(4.1665795894e-2));
  const q2 = madd(r, f32x4.splat(1.9875691500e-4), f32x4.splat(1.3981999507e-3));
  const p = madd(q2, r4, madd(q1, r2, q0));
  const er = f32x4.add(madd(p, r2, r), f32x4.splat(1));
  // 2^k for k in [-126, 0]: the low bits of t are k + 0x400000 (0x4B400000 + k as an integer),
  // so (t's bits + 127) << 23 is (k + 127) << 23, the exponent field of 2^k. NaN lanes give
  // garbage here but stay NaN through the product.
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return v128.andnot(f32x4.mul(er, scale), under);
}
