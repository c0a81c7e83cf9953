import assert from 'node:assert/strict';

/**
 * The contract for bad input on the command line: a non-zero exit, exactly one line on stderr
 * (commander's errors end in a "(run with --help for usage)" hint) that matches `expect`, no stack trace, nothing on
 * stdout. Whether files were left behind is each caller's own check.
 */
export function assertOneLineError(
  r: { exitCode: number | null; stderr: string; stdout: string }, expect: RegExp, label = '',
): void {
  const at = label ? `${label}: ` : '';
  assert.notEqual(r.exitCode, 0, `${at}expected a non-zero exit`);
  const lines = r.stderr.trim().split('\n').map((l) => l.replace(/ \(run with --help for usage\)$/, ''));
  assert.equal(lines.length, 1, `${at}expected one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, expect, label);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `${at}no stack trace`);
  assert.equal(r.stdout, '', `${at}nothing on stdout`);
}
