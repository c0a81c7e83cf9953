// Small SIMD helpers shared by the kernel families.

/**
 * c + a·b lane-wise. With the relaxed-SIMD feature enabled at compile time this is one
 * f32x4.relaxed_madd (a fused multiply-add where the CPU has FMA: one instruction, one rounding);
 * otherwise mul then add. ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so each build
 * contains only one of the two.
 */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** The first t (1..3) floats at p in the low lanes, zeros elsewhere: never reads past p + 4t. */
@inline export function loadPart(p: usize, t: i32): v128 {
  if (t == 1) return v128.load32_zero(p);
  if (t == 2) return v128.load64_zero(p);
  return v128.load32_lane(p, v128.load64_zero(p), 2, 8);
}

/** Stores the low t (1..3) lanes of v at p: never writes past p + 4t. */
@inline export function storePart(p: usize, v: v128, t: i32): void {
  if (t == 1) {
    v128.store32_lane(p, v, 0);
  } else if (t == 2) {
    v128.store64_lane(p, v, 0);
  } else {
    v128.store64_lane(p, v, 0);
    v128.store32_lane(p, v, 2, 8);
  }
}

/** [Σa0, Σa1, Σa2, Σa3]: the four horizontal sums, as one 4×4 transpose-and-add. */
@inline export function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const u = f32x4.add(f32x4.shuffle(a0, a1, 0, 4, 1, 5), f32x4.shuffle(a0, a1, 2, 6, 3, 7));
  const w = f32x4.add(f32x4.shuffle(a2, a3, 0, 4, 1, 5), f32x4.shuffle(a2, a3, 2, 6, 3, 7));
  return f32x4.add(f32x4.shuffle(u, w, 0, 1, 4, 5), f32x4.shuffle(u, w, 2, 3, 6, 7));
}

/** Lanes 2 and 3 of v moved to lanes 0 and 1 (to promote the high half to f64x2). */
@inline export function high(v: v128): v128 {
  return f32x4.shuffle(v, v, 2, 3, 2, 3);
}

/** The sum of both lanes of an f64x2. */
@inline export function hsum2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}
