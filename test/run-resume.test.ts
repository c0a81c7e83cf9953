// --resume checks what it resumes: the same data (fingerprint), the same options, and no
// other process writing the folder (lock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { computePath } from '../src/path/compute-path.js';
import { runEnsemble } from '../src/ensemble/run.js';
import { crossValidatePath } from '../src/select/cross-validate.js';
import { RegpathError } from '../src/errors.js';
import { LOCK_FILE } from '../src/io/lock.js';
import { assertOneLineError } from './helpers/cli-assert.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
const root = tempDir('run-resume');

const isError = (code: string, message: string) => (e: unknown): boolean => {
  assert.ok(e instanceof RegpathError, String(e));
  assert.equal(e.message, message);
  assert.equal(e.code, code);
  return true;
};

/** Every file under dir with a hash of its bytes: a refused resume must leave this unchanged. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) files[f] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  }
  return files;
}

function cli(...args: string[]): { exitCode: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { exitCode: r.status, stderr: r.stderr, stdout: r.stdout };
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const otherOptions = (out: string, diffs: string): string =>
  `cannot resume ${out} with other options: ${diffs}; leave them out to finish the run as it was started, or start a new run`;

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

const ensembleOptions = { hidden: [2], epochs: 2, batch: 40, samples: 2, evalEvery: 2 };

test('ensemble resume refuses data that changed since the run started; a run without a fingerprint resumes as before', () => {
  const f = data('e.csv', 0);
  const out = path.join(root, 'ens-changed');
  runEnsemble({ data: f, ...ensembleOptions, out });
  const settingsFile = path.join(out, 'settings.json');
  const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
  assert.deepEqual(settings.data, { kind: 'file', bytes: fs.statSync(f).size, sha256: createHash('sha256').update(fs.readFileSync(f)).digest('hex') });
  fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('0,0,0', '6,0,0'));
  const before = snapshot(out);
  assert.throws(() => runEnsemble({ out, resume: true }), isError('BAD_RUN',
    `cannot resume ${out}: its data ${f} changed since the run started (its content differs (SHA-256)); resume with the original data, or start a new run`));
  const r = cli('ensemble', '--out', out, '--resume');
  assertOneLineError(r, new RegExp(`^regpath: cannot resume ${out}: its data ${f} changed since the run started \\(its content differs \\(SHA-256\\)\\)`));
  assert.deepEqual(snapshot(out), before, 'nothing in the folder changed');
  // settings from before fingerprints were saved: resumed unchecked, as then
  delete settings.data;
  fs.writeFileSync(settingsFile, JSON.stringify(settings));
  assert.equal(runEnsemble({ out, resume: true }).status, 'complete');
  assert.equal(JSON.parse(fs.readFileSync(settingsFile, 'utf8')).data, undefined);
});

test('ensemble resume refuses options that differ from the saved ones, naming each; the same ones are fine', () => {
  const out = path.join(root, 'ens-opts');
  runEnsemble({ data: 'iris', ...ensembleOptions, out });
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'settings.json'), 'utf8')).data, { kind: 'built-in', name: 'iris' });
  const before = snapshot(out);
  const r = cli('ensemble', '--data', 'iris', '--hidden', '3', '--seed', '5', '--lr', '0.5', '--out', out, '--resume');
  assertOneLineError(r, new RegExp(`^regpath: ${escapeRe(otherOptions(out, '--hidden 3 (the run has 2), --lr 0.5 (the run has 0.1), --seed 5 (the run has 1)'))}$`));
  assert.throws(() => runEnsemble({ out, resume: true, recipe: 'code2022' }), isError('BAD_OPTION', otherOptions(out, '--recipe code2022 (the run has hybrid)')));
  assert.deepEqual(snapshot(out), before, 'nothing in the folder changed');
  const same = cli('ensemble', '--data', 'iris', '--hidden', '2', '--epochs', '2', '--out', out, '--resume', '--json');
  assert.equal(same.exitCode, 0, same.stderr);
});

test('a cross-validation or validation run resumed with another --folds or --validation-fraction is refused, naming it', async () => {
  const base = { data: 'iris', hidden: [], points: 2, direction: 'sparser' as const };
  const cv = path.join(root, 'cv');
  await crossValidatePath({ ...base, folds: 2, out: cv });
  const cvBefore = snapshot(cv);
  const r = cli('path', '--out', cv, '--resume', '--folds', '3');
  assertOneLineError(r, new RegExp(`^regpath: ${escapeRe(otherOptions(cv, '--folds 3 (the run has 2)'))}$`));
  await assert.rejects(crossValidatePath({ out: cv, resume: true, validationFraction: 0.3, hidden: [2] }), isError('BAD_OPTION',
    otherOptions(cv, '--hidden 2 (the run has ""), --validation-fraction 0.3 (the run has the default)')));
  assert.deepEqual(snapshot(cv), cvBefore, 'nothing in the folder changed');
  assert.equal((await crossValidatePath({ out: cv, resume: true, folds: 2 })).status, 'complete');

  const val = path.join(root, 'val');
  await crossValidatePath({ ...base, validationFraction: 0.25, out: val });
  const valBefore = snapshot(val);
  await assert.rejects(crossValidatePath({ out: val, resume: true, validationFraction: 0.5 }), isError('BAD_OPTION',
    otherOptions(val, '--validation-fraction 0.5 (the run has 0.25)')));
  assert.deepEqual(snapshot(val), valBefore, 'nothing in the folder changed');

  // a run without selection does not become one on resume
  const plain = path.join(root, 'plain');
  await computePath({ ...base, out: plain });
  const plainBefore = snapshot(plain);
  await assert.rejects(crossValidatePath({ out: plain, resume: true, folds: 2 }), isError('BAD_OPTION',
    otherOptions(plain, '--folds 2 (the run has the default)')));
  assert.deepEqual(snapshot(plain), plainBefore, 'nothing in the folder changed');
});

test('a machine crash between checkpoints: resume drops the log lines from the first whose weights are missing or torn, and recomputes them', async () => {
  const untimed = (f: string): unknown => JSON.parse(fs.readFileSync(f, 'utf8'), (k, v) => (k === 'seconds' || k === 'elapsed' ? undefined : v));
  const ref = path.join(root, 'crash-ref');
  const options = { data: 'iris', hidden: [3], points: 8, direction: 'sparser' as const };
  await computePath({ ...options, out: ref });
  const lines = fs.readFileSync(path.join(ref, 'log.jsonl'), 'utf8').trim().split('\n');
  assert.ok(lines.length >= 6, `${lines.length} points`);
  for (const damage of ['torn', 'missing'] as const) {
    const out = path.join(root, `crash-${damage}`);
    fs.cpSync(ref, out, { recursive: true });
    // the weights of the point three from the end did not reach the disk; its log line and the later ones did
    const cut = lines.length - 3;
    const weights = path.join(out, `points/${String(JSON.parse(lines[cut]!).point.index).padStart(3, '0')}.safetensors`);
    if (damage === 'torn') fs.writeFileSync(weights, fs.readFileSync(weights).subarray(0, 20));
    else fs.rmSync(weights);
    await computePath({ ...options, out, resume: true });
    const log = fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8').trim().split('\n');
    const strip = (l: string): unknown => JSON.parse(l, (k, v) => (k === 'seconds' || k === 'elapsed' ? undefined : v));
    assert.deepEqual(log.map(strip), lines.map(strip), `${damage}: the log of the uninterrupted run`);
    const pj = (d: string): unknown => untimed(path.join(d, 'path.json'));
    assert.deepEqual(pj(out), pj(ref), damage);
    for (const l of lines) {
      const f = `points/${String(JSON.parse(l).point.index).padStart(3, '0')}.safetensors`;
      assert.deepEqual(fs.readFileSync(path.join(out, f)), fs.readFileSync(path.join(ref, f)), `${damage}: ${f}`);
    }
  }
});
