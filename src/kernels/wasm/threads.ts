// How many threads the wasm kernels use: `createWasmKernels({ threads })`, else the process
// default, which is REGPATH_THREADS when set, else os.availableParallelism(), and which the CLI
// sets from `--threads` (configureThreads, before the first kernels() use).
import { availableParallelism, cpus } from 'node:os';
import { RegpathError } from '../../errors.js';

/** Most threads a backend accepts. */
export const MAX_THREADS = 64;

let processDefault: number | null = null;

/** n as a thread count (integer 1..64), or a RegpathError('BAD_OPTION') naming `source`. */
export function parseThreads(value: unknown, source: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RegpathError('BAD_OPTION', `${source} must be an integer from 1 to ${MAX_THREADS}, not '${String(value)}'`);
  }
  return n;
}

/** Cores this process may use (at most MAX_THREADS). */
export function availableCores(): number {
  let n = 1;
  try {
    n = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  } catch {
    n = 1;
  }
  return Math.max(1, Math.min(MAX_THREADS, n || 1));
}

/** The process-wide default thread count (validated REGPATH_THREADS, else the available cores). */
export function defaultThreads(): number {
  if (processDefault !== null) return processDefault;
  const env = process.env['REGPATH_THREADS'];
  if (env !== undefined && env.trim() !== '') return parseThreads(env, 'REGPATH_THREADS');
  return availableCores();
}

/** Set the process-wide default (validated); null goes back to REGPATH_THREADS / the cores. */
export function setDefaultThreads(n: number | null): void {
  processDefault = n === null ? null : parseThreads(n, 'the number of threads');
}
