import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../src/cli/main.js';
import { FLAGS, type FlagSpec } from '../src/cli/flags.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
const specs = Object.values(FLAGS) as FlagSpec[];
const bySyntax = new Map(specs.map((s) => [s.syntax, s]));
const program = buildProgram();
const commands = program.commands;

test('every option of every command comes from the flags table, with the table\'s meaning', () => {
  for (const cmd of commands) {
    for (const option of cmd.options) {
      if (option.negate) {
        assert.ok(specs.some((s) => s.negatable === option.flags), `${cmd.name()} ${option.flags} is a table flag's --no- form`);
        continue;
      }
      const spec = bySyntax.get(option.flags);
      assert.ok(spec, `${cmd.name()} ${option.flags} is declared in src/cli/flags.ts`);
      // a command may prefix a word of context ("one-command mode: …") and the table adds the default
      assert.ok(option.description.includes(spec.help), `${cmd.name()} ${option.flags}: "${option.description}" carries the table's help`);
    }
  }
});

test('every flag in the table is used by some command (no dead entries)', () => {
  const used = new Set(commands.flatMap((c) => c.options.map((o) => o.flags)));
  for (const s of specs) assert.ok(used.has(s.syntax), `${s.syntax} is used`);
});

test('--threads and --seed are one flag: every command that runs kernels has --threads, with one message for a bad value', () => {
  const withThreads = commands.filter((c) => c.options.some((o) => o.long === '--threads')).map((c) => c.name()).sort();
  assert.deepEqual(withThreads, ['compare', 'credit', 'ensemble', 'l1-vs-l2', 'neurons', 'path', 'perturb', 'widths']);
  for (const name of withThreads) {
    const args = name === 'neurons' || name === 'perturb' ? [name, 'somewhere', '--threads', '0'] : [name, '--threads', '0'];
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /^regpath: --threads: expected an integer from 1 to \d+, got "0"\n$/, name);
  }
  for (const name of ['path', 'ensemble', 'widths']) {
    const r = spawnSync(process.execPath, [bin, name, '--seed', 'x'], { encoding: 'utf8' });
    assert.equal(r.stderr, 'regpath: --seed: expected an integer, got "x"\n', name);
  }
});

test('regpath --version prints the version of package.json', () => {
  const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
});
