import { fail } from '../errors.js';

// The range checks of numeric options, shared by every command's option resolver so that a bad
// value reads the same everywhere: "<name>: expected ... from lo to hi, got v".

/** `v` if it is an integer in [lo, hi]; otherwise a BAD_OPTION error naming the option. */
export function integer(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isInteger(v) || v < lo || v > hi) fail('BAD_OPTION', `${name}: expected an integer from ${lo} to ${hi}, got ${v}`);
  return v;
}

/** `v` if it is a finite number in [lo, hi]; otherwise a BAD_OPTION error naming the option. */
export function range(name: string, v: number, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) fail('BAD_OPTION', `${name}: expected a number from ${lo} to ${hi}, got ${v}`);
  return v;
}
