import cliProgress from 'cli-progress';

/** A bar on stderr in regpath's style, started at `value` of `total` with the format's fields in `payload`. */
export function startBar(format: string, total: number, value: number, payload: Record<string, unknown>): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar({
    format, stream: process.stderr, hideCursor: false, clearOnComplete: false,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, value, payload);
  return bar;
}

/**
 * Progress of a long experiment (widths, neurons --reduce, l1-vs-l2) on stderr: a bar over a
 * total amount of work with a short status on a TTY, else one line per `line()` call.
 */
export class TaskProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly started = performance.now();

  constructor(private readonly enabled = true) {}

  /** Starts the bar (TTY only) over `total` units of work. */
  start(total: number): void {
    if (!this.enabled || !this.tty) return;
    this.bar = startBar('{bar} {percentage}% | {status} | {elapsed}s', total, 0, { status: '', elapsed: 0 });
  }

  /** Moves the bar (TTY); nothing is printed otherwise. */
  update(done: number, status: string): void {
    this.bar?.update(done, { status, elapsed: this.elapsed().toFixed(0) });
  }

  /** A line of its own (above the bar on a TTY). */
  line(text: string): void {
    if (!this.enabled) return;
    if (this.bar) {
      this.bar.stop();
      process.stderr.write(text + '\n');
      const total = this.bar.getTotal();
      const value = (this.bar as unknown as { value: number }).value ?? 0;
      this.bar.start(total, value, { status: '', elapsed: this.elapsed().toFixed(0) });
    } else {
      process.stderr.write(text + '\n');
    }
  }

  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}

/** Right-aligned text table. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ').trimEnd() + '\n';
  return line(head) + rows.map(line).join('');
}

export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '' : `${(100 * x).toFixed(1)}%`);
