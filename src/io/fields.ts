/**
 * Checking a parsed JSON file field by field, so a damaged or crafted run file gives one line
 * naming the file, the field (e.g. `points[3].weights`) and what was expected, instead of a
 * TypeError deep in a reader. Fields a reader does not ask for are never looked at, which is
 * what lets newer regpath versions add fields that older readers pass over.
 */
import { fail } from '../errors.js';

export type Obj = Record<string, unknown>;

export class Fields {
  constructor(readonly file: string) {}

  bad(field: string, want: string, got: unknown): never {
    return fail('BAD_FILE', `${this.file}: ${field ? `field "${field}"` : 'the file'} should be ${want}, got ${describe(got)}`);
  }

  object(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.bad(field, 'an object', v);
    return v as Obj;
  }

  array(v: unknown, field: string): unknown[] {
    if (!Array.isArray(v)) this.bad(field, 'a list', v);
    return v as unknown[];
  }

  string(v: unknown, field: string): string {
    if (typeof v !== 'string') this.bad(field, 'a string', v);
    return v as string;
  }

  number(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.bad(field, 'a finite number', v);
    return v as number;
  }

  int(v: unknown, field: string, min = 0): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) this.bad(field, `an integer ≥ ${min}`, v);
    return v as number;
  }

  oneOf<T extends string>(v: unknown, field: string, values: readonly T[]): T {
    if (typeof v !== 'string' || !values.includes(v as T)) this.bad(field, `one of ${values.join(', ')}`, v);
    return v as T;
  }

  /** An optional field: undefined stays undefined, anything else must pass `check`. */
  optional<T>(v: unknown, check: (v: unknown) => T): T | undefined {
    return v === undefined ? undefined : check(v);
  }
}

/** A value as shown in an error: its JSON, cut short, on one line. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
