/**
 * [median, min] in ms of `reps` timed runs of fn, after `warmMs` of untimed runs (enough for V8's
 * tier-up). The min is the better estimate on a busy machine; the bench reports both.
 */
export function timeMedianMin(fn: () => void, reps: number, warmMs = 200): [number, number] {
  const warm = Date.now();
  do fn();
  while (Date.now() - warm < warmMs);
  const ts: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ts.sort((a, b) => a - b);
  return [ts[ts.length >> 1]!, ts[0]!];
}

/** The word after flag `name` on the command line, if there is one. */
function argAfter(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}

/** The word after flag `name` on the command line (`--out DIR`), else `fallback`. */
export function stringArg(name: string, fallback: string): string {
  return argAfter(name) ?? fallback;
}

/** The number after flag `name` on the command line (`--reps 9`), else `fallback`. */
export function numberArg(name: string, fallback: number): number {
  const word = argAfter(name);
  return word === undefined ? fallback : Number(word);
}
