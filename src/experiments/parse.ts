import { fail } from '../errors.js';

/** "2,4,8,10": distinct positive integer widths, returned ascending. */
export function parseWidths(text: string, name = '--widths'): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.some((s) => !/^\d+$/.test(s)) || parts.map(Number).some((w) => w < 1 || w > 100000)) {
    fail('BAD_OPTION', `${name}: expected comma-separated positive integer widths such as 2,4,8,10, got "${text}"`);
  }
  const widths = [...new Set(parts.map(Number))].sort((a, b) => a - b);
  return widths;
}

/** A regularisation strength: a finite number ≥ 0 ("1e-3", "0.001"). */
export function parseLambda(text: string | number, name = '--lambda'): number {
  const x = typeof text === 'number' ? text : Number(text.trim());
  if ((typeof text === 'string' && text.trim() === '') || !Number.isFinite(x) || x < 0) {
    fail('BAD_OPTION', `${name}: expected a number ≥ 0 such as 1e-3, got "${text}"`);
  }
  return x;
}

/** An integer in [lo, hi]. */
export function parseCount(text: string | number, name: string, lo: number, hi: number): number {
  const s = String(text).trim();
  const x = Number(s);
  if (!/^\d+$/.test(s) || x < lo || x > hi) fail('BAD_OPTION', `${name}: expected an integer from ${lo} to ${hi}, got "${text}"`);
  return x;
}

/** A number strictly between 0 and 1 (tolerances, fractions). */
export function parseFraction(text: string | number, name: string): number {
  const x = typeof text === 'number' ? text : Number(String(text).trim());
  if (String(text).trim() === '' || !Number.isFinite(x) || x <= 0 || x >= 1) {
    fail('BAD_OPTION', `${name}: expected a number strictly between 0 and 1, got "${text}"`);
  }
  return x;
}
