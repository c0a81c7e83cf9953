import { Command, CommanderError } from 'commander';
import { RegpathError } from '../errors.js';
import { setRenameHook } from '../io/atomic.js';
import { VERSION } from '../version.js';
import { compareCommand } from './compare-command.js';
import { pathCommand } from './path-command.js';
import { exportCommand } from './export-command.js';
import { predictCommand } from './predict-command.js';
import { selectCommand } from './select-command.js';
import { neuronsCommand } from './neurons-command.js';
import { widthsCommand } from './widths-command.js';
import { l1VsL2Command } from './l1-vs-l2-command.js';
import { ensembleCommand } from './ensemble-command.js';
import { creditCommand } from './credit-command.js';
import { REPORTING_COMMANDS, loadReportBuilder, reportCommand } from './report-command.js';
import { threadsHook } from './flags.js';
import { configureThreads } from '../kernels/index.js';

/** The command tree: every command with the flags it declares from the flags table (src/cli/flags.ts). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('regpath')
    .description('Regularization paths of neural networks: the Pareto front of training loss against the l1 norm.')
    .version(VERSION, '-V, --version', 'print regpath\'s version')
    .exitOverride()
    // commander's errors on one line, as ours are (it would put the hint on a second line)
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`${oneLine(s)} (run with --help for usage)\n`),
    });
  threadsHook(program, configureThreads);
  program.hook('preAction', async (_root, action) => {
    if (REPORTING_COMMANDS.has(action.name())) await loadReportBuilder();
  });
  pathCommand(program);
  compareCommand(program);
  exportCommand(program);
  predictCommand(program);
  selectCommand(program);
  neuronsCommand(program);
  widthsCommand(program);
  l1VsL2Command(program);
  ensembleCommand(program);
  creditCommand(program);
  reportCommand(program);
  return program;
}

/**
 * The CLI's entry point: parses arguments, runs a command, and is the only place where an error
 * becomes a message and an exit code. RegpathError (bad input) prints one line; anything else is
 * a bug and says so.
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  quietOnClosedStdout();
  killAtRename(process.env.REGPATH_TEST_KILL_AT_RENAME);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2;
    if (err instanceof RegpathError) {
      process.stderr.write(`regpath: ${oneLine(err.message)}\n`);
      return err.code === 'BAD_OPTION' ? 2 : 1;
    }
    process.stderr.write(`regpath: internal error (a bug, please report it): ${(err as Error)?.stack ?? String(err)}\n`);
    return 70;
  }
}

/** A message on one line: line breaks (say, in a column name quoted in it) shown as \\n. */
function oneLine(s: string): string {
  return s.replace(/\n+$/, '').replace(/\r?\n/g, '\\n');
}

/**
 * Crash-safety tests: REGPATH_TEST_KILL_AT_RENAME=n kills the process (SIGKILL, no clean-up)
 * just before its n-th atomic file rename, leaving the folder as a power cut would.
 */
function killAtRename(n: string | undefined): void {
  if (n === undefined || !/^\d+$/.test(n)) return;
  let count = 0;
  setRenameHook(() => {
    if (++count === Number(n)) process.kill(process.pid, 'SIGKILL');
  });
}

let stdoutGuarded = false;

/** `regpath predict … | head -1`: a reader that stops early is normal, not a crash. */
function quietOnClosedStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
