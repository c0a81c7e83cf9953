// --resume checks what it resumes: the same data (fingerprint), the same options, and no
// other process writing the folder (lock).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computePath } from '../src/path/compute-path.js';
import { RegpathError } from '../src/errors.js';
import { LOCK_FILE } from '../src/io/lock.js';
import { tmp } from './helpers/export-fixtures.js';
import { assertOneLineError } from './helpers/cli-assert.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
const root = tmp('regpath-run-resume-');
after(() => fs.rmSync(root, { recursive: true, force: true }));

const isError = (code: string, message: string) => (e: unknown): boolean => {
  assert.ok(e instanceof RegpathError, String(e));
  assert.equal(e.message, message);
  assert.equal(e.code, code);
  return true;
};

function data(name: string, shift: number): string {
  const f = path.join(root, name);
  const rows = Array.from({ length: 40 }, (_, i) => `${i % 7},${(i * 3) % 5},${(i % 2) + shift}`);
  fs.writeFileSync(f, 'a,b,y\n' + rows.join('\n') + '\n');
  return f;
}

test('resume refuses data that changed since the run started', async () => {
  const f = data('d.csv', 0);
  const out = path.join(root, 'changed');
  await computePath({ data: f, hidden: [], points: 2, direction: 'sparser', out });
  const settings = JSON.parse(fs.readFileSync(path.join(out, 'settings.json'), 'utf8'));
  assert.equal(settings.data.kind, 'file');
  assert.equal(settings.data.bytes, fs.statSync(f).size);
  fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('0,0,0', '0,0,1'));
  await assert.rejects(computePath({ out, resume: true }), isError('BAD_RUN',
    `cannot resume ${out}: its data ${f} changed since the run started (its content differs (SHA-256)); resume with the original data, or start a new run`));
  fs.appendFileSync(f, '1,1,1\n');
  await assert.rejects(computePath({ out, resume: true }), /changed since the run started \(it had \d+ bytes and now has \d+\)/);
});

test('resume refuses options that differ from the saved ones, naming each; the same ones are fine', async () => {
  const out = path.join(root, 'opts');
  await computePath({ data: 'iris', hidden: [2], points: 2, direction: 'sparser', out });
  const r = spawnSync(process.execPath, [bin, 'path', '--data', 'iris', '--hidden', '3', '--seed', '5', '--out', out, '--resume'], { encoding: 'utf8' });
  assertOneLineError({ exitCode: r.status, stderr: r.stderr, stdout: r.stdout },
    new RegExp(`^regpath: cannot resume ${out} with other options: --hidden 3 \\(the run has 2\\), --seed 5 \\(the run has 1\\); leave them out`));
  const same = spawnSync(process.execPath, [bin, 'path', '--data', 'iris', '--hidden', '2', '--out', out, '--resume', '--json'], { encoding: 'utf8' });
  assert.equal(same.status, 0, same.stderr);
  await assert.rejects(computePath({ out, resume: true, activation: 'tanh' }), /other options: --activation tanh \(the run has relu\)/);
});

test('a folder in use by a live process is refused; a stale lock is taken over', async () => {
  const out = path.join(root, 'locked');
  await computePath({ data: 'iris', hidden: [], points: 2, direction: 'sparser', out });
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(path.join(out, LOCK_FILE), JSON.stringify({ pid: sleeper.pid }));
    await assert.rejects(computePath({ out, resume: true }), isError('BAD_RUN',
      `${out} is in use by process ${sleeper.pid} (lock ${path.join(out, LOCK_FILE)}); wait for it to end, or delete the lock if that process is not regpath`));
    // and from the command line, as a second regpath would see it
    const r = spawnSync(process.execPath, [bin, 'path', '--out', out, '--resume'], { encoding: 'utf8' });
    assertOneLineError({ exitCode: r.status, stderr: r.stderr, stdout: r.stdout }, /is in use by process \d+/);
  } finally {
    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit');
  }
  // the holder is gone: its lock is stale
  const res = await computePath({ out, resume: true });
  assert.equal(res.status, 'complete');
  assert.equal(fs.existsSync(path.join(out, LOCK_FILE)), false, 'released at the end');
});
