import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a child process left behind: wall seconds, peak RSS, exit, and whether it was stopped. */
export interface ChildRun {
  seconds: number;
  peakRssMiB: number | null;
  status: number | null;
  stopped: boolean;
  stdout: string;
}

/**
 * Runs `node --import hook.mjs <args>` and reads its peak RSS (process.resourceUsage().maxRSS is
 * process-wide: a worker thread started by the hook writes it every second, and the main thread
 * once more at exit). The path computation is synchronous, so a SIGTERM handler on the main
 * thread would never run: the child is stopped after `maxSeconds` by SIGTERM's default action,
 * and the last sample stands. stderr goes to `logFile`.
 */
export function runNode(dir: string, args: string[], maxSeconds: number, logFile: string): ChildRun {
  const usage = join(dir, 'usage.json');
  const hook = join(dir, 'hook.mjs');
  const save = `writeFileSync(${JSON.stringify(usage)}, JSON.stringify(process.resourceUsage()))`;
  writeFileSync(hook, [
    `import { writeFileSync } from 'node:fs';`,
    `import { Worker } from 'node:worker_threads';`,
    `process.on('exit', () => ${save});`,
    `const sampler = new Worker(${JSON.stringify(`const { writeFileSync } = require('node:fs'); const save = () => ${save}; save(); setInterval(save, 1000);`)}, { eval: true });`,
    `sampler.unref();`,
  ].join('\n') + '\n');
  return run(process.execPath, ['--import', hook, ...args], maxSeconds, logFile, () => {
    if (!existsSync(usage)) return null;
    return (JSON.parse(readFileSync(usage, 'utf8')) as { maxRSS: number }).maxRSS / 1024;
  });
}

/** Runs any executable; `rss` reads the peak RSS afterwards (the torch script reports its own). */
export function run(exe: string, args: string[], maxSeconds: number, logFile: string, rss: () => number | null = () => null): ChildRun {
  const t0 = performance.now();
  const r = spawnSync(exe, args, {
    encoding: 'utf8', maxBuffer: 1 << 28, timeout: maxSeconds * 1000, killSignal: 'SIGTERM',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seconds = (performance.now() - t0) / 1000;
  writeFileSync(logFile, r.stderr ?? '');
  const stopped = r.signal !== null;
  return { seconds, peakRssMiB: rss(), status: r.status, stopped, stdout: r.stdout ?? '' };
}
