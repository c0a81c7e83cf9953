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
