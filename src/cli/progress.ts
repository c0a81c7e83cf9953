import type cliProgress from 'cli-progress';
import { startBar } from './task-progress.js';
import type { PathEvent } from '../path/compute-path.js';

/**
 * Seconds between two pass lines on a non-TTY stderr: a long fit (the seed's CIFAR-10 CNN: ~30 s
 * a pass) shows every pass, a fast one (Fashion-MNIST's MLP: ~0.3 s) does not fill the log.
 */
const PASS_LINE_SECONDS = 10;

/**
 * The terminal progress display of a path run: a bar over the target number of points, with the
 * branch and the latest point's l1, loss and accuracy, and, while a mini-batch point is being
 * fitted, its pass, the subsample's loss and l1 and the step. On a non-TTY stderr (logs, CI) it
 * prints one line per point instead, and a line per pass at most every PASS_LINE_SECONDS.
 */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly tty = Boolean(process.stderr.isTTY);
  private started = performance.now();
  /** Put in front of every line, e.g. '[fold 2/5] ' during cross-validation. */
  private prefix = '';
  private lastLine = -Infinity;

  setPrefix(prefix: string): void {
    this.stop();
    this.prefix = prefix;
  }

  update(e: PathEvent): void {
    if (e.type === 'start') {
      this.started = performance.now();
      const where = e.out ? ` → ${e.out}` : '';
      process.stderr.write(
        `${this.prefix}regpath path: ${e.dataset.name} (${e.dataset.train} train / ${e.dataset.test} test rows), ` +
          `layers ${e.arch ?? e.layers.join('-')}, ~${e.points} points${where}` + (e.resumedPoints ? `, resuming after ${e.resumedPoints} points` : '') +
          (e.resumedPasses ? `, point ${e.resumedPoints} from its pass ${e.resumedPasses}` : '') + '\n' + (e.restartedPoint ? `${this.prefix}  ${e.restartedPoint}\n` : ''),
      );
      if (this.tty) {
        this.bar = startBar(this.prefix + '{bar} {value} points | {phase} | l1 {l1} | loss {loss} | {acc} | {elapsed}s',
          e.points, e.resumedPoints, { phase: 'initial', l1: '-', loss: '-', acc: '', elapsed: 0 });
      }
      return;
    }
    if (e.type === 'pass') {
      const fields = {
        phase: `point ${e.index} ${e.phase}, pass ${e.pass}, lr ${e.lr.toPrecision(3)}`, l1: e.l1.toPrecision(4), loss: `${e.loss.toPrecision(4)} (subsample)`,
        acc: `${e.seconds.toFixed(0)}s on the point`, elapsed: ((performance.now() - this.started) / 1000).toFixed(0),
      };
      if (this.bar) {
        this.bar.update(fields);
      } else if (performance.now() - this.lastLine >= PASS_LINE_SECONDS * 1000) {
        this.lastLine = performance.now();
        process.stderr.write(`${this.prefix}  ${fields.phase}: subsample loss ${e.loss.toPrecision(4)}, l1 ${fields.l1}, ${e.steps} steps, ${fields.acc}, ${fields.elapsed}s\n`);
      }
      return;
    }
    const p = e.point;
    const fields = {
      phase: p.phase, l1: p.l1.toPrecision(4), loss: p.trainLoss.toPrecision(4),
      acc: p.testAccuracy !== undefined ? `test acc ${(100 * p.testAccuracy).toFixed(1)}%` : '',
      elapsed: ((performance.now() - this.started) / 1000).toFixed(0),
    };
    if (this.bar) {
      if (p.index + 1 > this.bar.getTotal()) this.bar.setTotal(p.index + 1);
      this.bar.update(p.index + 1, fields);
    } else {
      this.lastLine = performance.now();
      process.stderr.write(`${this.prefix}  raw point ${p.index} ${fields.phase}: l1 ${fields.l1}, loss ${fields.loss}${fields.acc ? ', ' + fields.acc : ''}, ${p.steps} steps${p.workingSetRows !== undefined ? ` (settled on ${p.workingSetRows} rows first)` : ''}, ${fields.elapsed}s\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
