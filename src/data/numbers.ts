/**
 * Strict number parsing for data cells. Number() is too lenient for data files ('' → 0,
 * '0x1f' → 31), so we accept plain decimals only, and tell apart "not a number at all" from
 * "a NaN/Inf literal or an overflow", which get different errors.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

export type Parsed =
  | { kind: 'number'; value: number }
  | { kind: 'nonfinite'; overflow: boolean }
  | { kind: 'text' };

/** Parses a cell (surrounding blanks allowed) as a value that must fit a finite float32. */
export function parseCell(cell: string): Parsed {
  const s = cell.trim();
  if (DECIMAL.test(s)) {
    const value = Number(s);
    // Values are stored as Float32: 1e39 is finite as a double but Infinity once stored.
    if (!Number.isFinite(Math.fround(value))) return { kind: 'nonfinite', overflow: true };
    return { kind: 'number', value };
  }
  if (NON_FINITE.test(s)) return { kind: 'nonfinite', overflow: false };
  return { kind: 'text' };
}

/** Spellings of "no value" that spreadsheets, R and pandas write. */
const MISSING = /^(?:|na|n\/a|nan|null|none|missing|\?|-|\.)$/i;

export function isMissing(cell: string): boolean {
  return MISSING.test(cell.trim());
}

/** The error text for a cell that is not a usable number. */
export function badNumber(cell: string, p: Parsed): string {
  if (isMissing(cell) && !/^nan$/i.test(cell.trim())) {
    return `missing value ${quoteCell(cell)}; regpath does not impute: drop or fill in the row`;
  }
  if (p.kind !== 'nonfinite') return `expected a number, got ${quoteCell(cell)}`;
  const why = p.overflow ? ', which overflows a 32-bit float (max about 3.4e38)' : '';
  return `expected a finite number, got ${quoteCell(cell)}${why}`;
}

/** A cell or column name as quoted in an error message: JSON-escaped (newlines visible), long ones cut. */
export function quoteCell(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
}
