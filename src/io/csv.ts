/**
 * CSV output with RFC 4180 quoting. Lines end in "\n" (not the RFC's CRLF): every CSV reader in
 * use accepts it and it keeps the files diff-friendly on Unix.
 */
import { fail } from '../errors.js';

export type CsvCell = number | string | boolean | null | undefined;

/** Header line plus one line per row; a row's keys outside `columns` are ignored. */
export function toCsv(columns: string[], rows: ReadonlyArray<Readonly<Record<string, CsvCell>>>): string {
  if (columns.length === 0) fail('INTERNAL', 'toCsv needs at least one column');
  if (new Set(columns).size !== columns.length) fail('INTERNAL', `toCsv: duplicate column in ${columns.join(', ')}`);
  const lines = [columns.map(quote).join(',')];
  rows.forEach((row, i) => {
    lines.push(columns.map((c) => cell(Object.prototype.hasOwnProperty.call(row, c) ? row[c] : undefined, i, c)).join(','));
  });
  return lines.join('\n') + '\n';
}

function cell(v: CsvCell, row: number, column: string): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    // Same rule as JSON output: a non-finite value here is a bug upstream, not something to hide.
    if (!Number.isFinite(v)) fail('INTERNAL', `refusing to write ${v} to CSV (row ${row + 1}, column ${column})`);
    // String(n) is the shortest text that parses back to the same double; it only drops the sign of -0.
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return quote(v);
}

function quote(s: string): string {
  // Also quote edge spaces: the RFC keeps them, but some readers trim unquoted fields.
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
