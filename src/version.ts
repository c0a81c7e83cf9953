import { readFileSync } from 'node:fs';

/**
 * regpath's version, read from its package.json: two folders up from this file both in the
 * sources (src/) and after tsc (dist/src/), so it is never written twice.
 */
export const VERSION: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (p.name === 'regpath' && typeof p.version === 'string') return p.version;
    } catch {
      // not this folder: try the next
    }
  }
  return 'unknown';
})();
