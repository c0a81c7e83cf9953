import { fail } from '../errors.js';
import { continuationMethod } from './continuation.js';
import { nsga2Method } from './baselines/nsga2.js';
import { sweepMethod } from './baselines/sweep.js';
import { weightedSumMethod } from './baselines/weighted-sum.js';
import type { PathMethod } from './method.js';

/** Every path method by its --method name. Baselines register here next to the continuation. */
const METHODS: Record<string, PathMethod> = {
  continuation: continuationMethod,
  sweep: sweepMethod,
  'weighted-sum': weightedSumMethod,
  nsga2: nsga2Method,
};

export function methodNames(): string[] {
  return Object.keys(METHODS);
}

export function getMethod(name: string): PathMethod {
  const m = METHODS[name];
  if (!m) fail('BAD_OPTION', `method: expected one of ${methodNames().join(', ')}, got "${name}"`);
  return m;
}
