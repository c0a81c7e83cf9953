import * as path from 'node:path';
import type { Command } from 'commander';
import { addFlags, readFlags, type FlagName } from './flags.js';
import { fail } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import type { FigureFormat } from '../report/figure.js';
import { REPORT_FORMATS } from '../report/formats.js';
import type { PathEvent } from '../path/compute-path.js';

/** report/build.ts's REPORT_FILE (not imported from there: see loadReportBuilder). */
const REPORT_FILE = 'report.html';

/**
 * The report builder (report/build.js) is loaded only by the commands that write a report: it
 * imports Vega-Lite, 0.4–0.9 s of startup on the benchmark VM that `predict`, `export`,
 * `select`, `neurons`, --help and --version do not need. main.ts loads it before the action of
 * each command in REPORTING_COMMANDS; the rest of the CLI reaches it through this module.
 */
export const REPORTING_COMMANDS: ReadonlySet<string> = new Set(['path', 'compare', 'ensemble', 'credit', 'widths', 'l1-vs-l2', 'report']);
let builder: typeof import('../report/build.js') | null = null;

export async function loadReportBuilder(): Promise<typeof import('../report/build.js')> {
  builder ??= await import('../report/build.js');
  return builder;
}

function reportBuilder(): typeof import('../report/build.js') {
  if (!builder) fail('INTERNAL', 'the report builder is not loaded (loadReportBuilder)');
  return builder;
}

const REPORT_FLAGS = ['out', 'format'] as const satisfies readonly FlagName[];

export function reportCommand(program: Command): void {
  const cmd = program
    .command('report')
    .description('write a self-contained HTML report (plots and the front explorer) of one or more run folders, or the front as an SVG/PNG figure')
    .argument('<run...>', 'run folders (path, compare, ensemble, credit, widths, l1-vs-l2)');
  // built here, not at module load: report/build.js imports the command modules that import this one
  const defaults = { format: 'html', out: `RUN/${REPORT_FILE} for one run, ./${REPORT_FILE} for several; RUN/front.svg|png for a figure` };
  addFlags(cmd, REPORT_FLAGS, { defaults, notes: { out: 'the report or figure file' } });
  cmd.action(async (runs: string[], given: Record<string, unknown>) => {
    const { out: outFlag, format = 'html' } = readFlags(given, REPORT_FLAGS) as { out?: string; format?: string };
    if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
      fail('BAD_OPTION', `--format: expected ${REPORT_FORMATS.join(' | ')} for a report, got "${format}"`);
    }
    const flags = { out: outFlag, format: format as 'html' | FigureFormat };
    if (flags.format !== 'html') {
      if (runs.length !== 1) fail('BAD_OPTION', `--format ${flags.format} draws one run's front; got ${runs.length} runs`);
      const out = flags.out ?? path.join(runs[0]!, `front.${flags.format}`);
      const { frontFigure } = await import('../report/figure.js');
      writeFileAtomic(out, await frontFigure(runs[0]!, flags.format));
      process.stdout.write(`wrote ${out}\n`);
      return;
    }
    if (!flags.out && runs.length === 1) {
      process.stdout.write(`wrote ${reportBuilder().writeRunReport(runs[0]!)}\n`);
      return;
    }
    const out = flags.out ?? REPORT_FILE;
    writeFileAtomic(out, reportBuilder().buildReport(runs));
    process.stdout.write(`wrote ${out}\n`);
  });
}

/**
 * The hook the run commands call when they finish (and a path after its points): writes
 * RUN/report.html. A report that cannot be written costs a warning, never the run's results.
 */
export function writeReportAfterRun(dir: string | null | undefined, quiet = false): void {
  if (!dir) return;
  try {
    const file = reportBuilder().writeRunReport(dir);
    if (!quiet) process.stderr.write(`report: ${file}\n`);
  } catch (err) {
    process.stderr.write(`regpath: warning: could not write ${path.join(dir, REPORT_FILE)}: ${(err as Error).message}\n`);
  }
}

/**
 * report.html of a running path, rebuilt after its points so that a long run can be watched by
 * reloading the page, first LIVE_REPORT_START seconds into the run. Rebuilding reads every point's
 * weights, so it waits at least thirty times as long as the last rebuild took (at most ~3 % of the run): a slow run still gets a fresh page
 * every few points, a fast one (Iris, milliseconds per point) does not spend its time writing
 * reports. At ten times, the default MNIST run spent 4 % of its CPU time on reports nobody
 * needed while it was running. Folds of a cross-validation have no report of their own.
 */
/** How many times the last rebuild's duration a live report waits before the next. */
const LIVE_REPORT_WAIT = 30;
/**
 * Seconds into a run before its first live report: a run that ends sooner gets only the final
 * report (the one written when it ends). On Iris (4-4-4-3, about a second) a first-point rebuild
 * cost ~0.15 s of CPU, half the time of all its points.
 */
export const LIVE_REPORT_START = 3;

export class LiveReport {
  private dir: string | null = null;
  private inFold = false;
  private next = 0;

  /** @param startSeconds seconds from the run's start to its first live report (LIVE_REPORT_START). */
  constructor(private readonly startSeconds = LIVE_REPORT_START) {}

  setStage(stage: string): void {
    this.inFold = stage === 'fold';
  }

  update(e: PathEvent): void {
    if (e.type === 'start') {
      this.dir = this.inFold ? null : e.out;
      this.next = performance.now() + this.startSeconds * 1000;
      return;
    }
    const now = performance.now();
    // path.json changes with points, not passes
    if (!this.dir || now < this.next || e.type !== 'point') return;
    writeReportAfterRun(this.dir, true);
    const took = performance.now() - now;
    this.next = performance.now() + LIVE_REPORT_WAIT * took;
  }
}
