/**
 * CSV text → header + records, each tagged with the 1-based line where it starts in the file
 * (what an editor shows), for error messages. Parsing is csv-parse's (quotes, CRLF, BOM).
 *
 * Line numbers are counted here, not taken from csv-parse's info.lines: that counts a CRLF
 * inside a quoted field as two lines, and reports where a record ends rather than where it
 * starts. We keep each record's end byte offset (exact) and count line breaks up to it ourselves.
 */
import { parse } from 'csv-parse/sync';
import { RegpathError, fail } from '../errors.js';

export interface CsvRecord {
  fields: string[];
  /** File line of the record's first character. */
  line: number;
}

export interface CsvTable {
  header: string[];
  records: CsvRecord[];
}

export function readCsvText(input: string | Buffer, file: string): CsvTable {
  let header: string[] | null = null;
  const records: CsvRecord[] = [];
  forEachCsvRecord(input, file, (h) => (header = h), (rec) => records.push(rec));
  return { header: header!, records };
}

/**
 * The same, one record at a time: `onHeader` gets the header row, `onRecord` every later row,
 * as parsing goes, so a caller that keeps numbers instead of the text of every cell needs far
 * less memory than the file's cells as strings (about ten times the file's size).
 */
export function forEachCsvRecord(
  input: string | Buffer, file: string, onHeader: (header: string[]) => void, onRecord: (rec: CsvRecord) => void,
): void {
  const buf = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const lines = new LineCounter(buf);
  let seenHeader = false;
  let lastEnd = 0;
  try {
    parse(buf, {
      bom: true,
      skip_empty_lines: true,
      // Ragged rows are reported by the caller, with the line and both field counts.
      relax_column_count: true,
      on_record: (record: string[], info) => {
        const line = lines.recordStart(lastEnd);
        lastEnd = info.bytes;
        // Lines of only blanks (e.g. trailing "   ") are as empty as empty lines.
        if (!(record.length === 1 && record[0]!.trim() === '')) {
          if (seenHeader) onRecord({ fields: record, line });
          else onHeader(record.map((h) => h.trim()));
          seenHeader = true;
        }
        return null; // handed on above; nothing for csv-parse to keep
      },
    });
  } catch (e) {
    if (e instanceof RegpathError) throw e; // the caller's own check of a record
    // The failing record starts after the last good one; csv-parse's own "at line N" is dropped.
    const message = (e as Error).message.replace(/ at line \d+/, '');
    return fail('BAD_FILE', `${file} line ${lines.recordStart(lastEnd)}: malformed CSV: ${message}`);
  }
  if (!seenHeader) fail('BAD_DATA', `${file}: file is empty (a header row and data rows are required)`);
}

/** The file line where field `col` of `rec` starts. */
export function fieldLine(rec: CsvRecord, col: number): number {
  let line = rec.line;
  for (let c = 0; c < col; c++) line += lineBreaks(rec.fields[c]!);
  return line;
}

/** Line breaks in a string: CRLF, LF and lone CR each count once. */
function lineBreaks(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10 || (c === 13 && s.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

/** Walks the file forward once, turning byte offsets into 1-based line numbers. */
class LineCounter {
  private pos = 0;
  private line = 1;
  constructor(private readonly buf: Uint8Array) {}

  /** Line of the first record character at or after `offset` (skipping empty lines). */
  recordStart(offset: number): number {
    let end = offset;
    while (end < this.buf.length && (this.buf[end] === 10 || this.buf[end] === 13)) end++;
    for (; this.pos < end; this.pos++) {
      const c = this.buf[this.pos];
      if (c === 10 || (c === 13 && this.buf[this.pos + 1] !== 10)) this.line++;
    }
    return this.line;
  }
}
