import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { RegpathError } from '../src/errors.js';
import { RunFolder, defaultRunDir } from '../src/io/run-folder.js';
import { tempDir } from './helpers/tmp.js';

const root = tempDir('io-run');
let n = 0;
const fresh = (): string => path.join(root, `r${n++}`);

const isErr = (code: string, message: string | RegExp) => (e: unknown) => {
  assert.ok(e instanceof RegpathError, String(e));
  assert.equal(e.code, code);
  if (typeof message === 'string') assert.equal(e.message, message);
  else assert.match(e.message, message);
  return true;
};

describe('RunFolder.create', () => {
  test('creates a missing folder with its parents', () => {
    const dir = path.join(fresh(), 'a', 'b');
    const run = RunFolder.create(dir, { resume: false });
    assert.ok(fs.statSync(dir).isDirectory());
    assert.equal(run.dir, dir);
    assert.equal(run.resumed, false);
  });

  test('accepts an existing empty folder', () => {
    const dir = fresh();
    fs.mkdirSync(dir);
    assert.equal(RunFolder.create(dir, { resume: false }).resumed, false);
  });

  test('refuses a non-empty folder without resume', () => {
    const dir = fresh();
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'stuff.txt'), 'x');
    assert.throws(() => RunFolder.create(dir, { resume: false }), isErr('BAD_RUN',
      `${dir} already exists and is not empty; pass --resume to finish that run or choose another --out`));
  });

  test('refuses a path that is a file', () => {
    const file = fresh();
    fs.writeFileSync(file, 'x');
    assert.throws(() => RunFolder.create(file, { resume: false }), isErr('BAD_RUN', `${file} exists and is not a folder; choose another --out`));
    assert.throws(() => RunFolder.create(file, { resume: true }), isErr('BAD_RUN', /is not a folder/));
  });

  test('resume needs an existing regpath run', () => {
    const missing = fresh();
    assert.throws(() => RunFolder.create(missing, { resume: true }), isErr('BAD_RUN', `cannot resume ${missing}: it does not exist`));
    assert.equal(fs.existsSync(missing), false);
    const foreign = fresh();
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'x');
    assert.throws(() => RunFolder.create(foreign, { resume: true }),
      isErr('BAD_RUN', `cannot resume ${foreign}: it is not a regpath run (it has no settings.json)`));
    fs.mkdirSync(path.join(foreign, 'settings.json'));
    assert.throws(() => RunFolder.create(foreign, { resume: true }), isErr('BAD_RUN', /it has no settings\.json/));
  });

  test('resume opens a run and removes temp files left by a killed write', () => {
    const dir = fresh();
    const first = RunFolder.create(dir, { resume: false });
    first.writeJson('settings.json', { format: 'regpath.settings/1' });
    first.writeTensors('points/000.safetensors', { w: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    const stale = [path.join(dir, '.path.json.1234.0123456789ab.tmp'), path.join(dir, 'points', '.001.safetensors.99.abcdefabcdef.tmp')];
    for (const s of stale) fs.writeFileSync(s, 'half');
    fs.writeFileSync(path.join(dir, 'keep.tmp'), 'not ours');
    const run = RunFolder.create(dir, { resume: true });
    assert.equal(run.resumed, true);
    for (const s of stale) assert.equal(fs.existsSync(s), false, s);
    assert.ok(fs.existsSync(path.join(dir, 'keep.tmp')));
    assert.deepEqual(run.readJson('settings.json', 'regpath.settings/1'), { format: 'regpath.settings/1' });
  });
});

describe('RunFolder files', () => {
  test('writeJson/readJson round trip, atomically, with format check', () => {
    const run = RunFolder.create(fresh(), { resume: false });
    run.writeJson('path.json', { format: 'regpath.path/1', points: [{ l1: 2, loss: 0.5 }] });
    assert.deepEqual(run.readJson('path.json'), { format: 'regpath.path/1', points: [{ l1: 2, loss: 0.5 }] });
    assert.deepEqual(run.readJson('path.json', 'regpath.path/1'), { format: 'regpath.path/1', points: [{ l1: 2, loss: 0.5 }] });
    assert.throws(() => run.readJson('path.json', 'regpath.settings/1'),
      isErr('BAD_FILE', `${run.path('path.json')} is not a regpath settings file (its format is 'regpath.path/1')`));
    // the lock is the only other file while the folder is open, and goes with release()
    assert.deepEqual(fs.readdirSync(run.dir), ['.regpath.lock', 'path.json']);
    run.release();
    assert.deepEqual(fs.readdirSync(run.dir), ['path.json']);
    assert.equal(run.has('path.json'), true);
    assert.equal(run.has('nope.json'), false);
  });

  test('readJson: clear errors for missing and non-JSON files', () => {
    const run = RunFolder.create(fresh(), { resume: false });
    assert.throws(() => run.readJson('settings.json'), isErr('FILE_NOT_FOUND', `${path.join(run.dir, 'settings.json')} is missing`));
    fs.writeFileSync(path.join(run.dir, 'bad.json'), '{"a": 1,');
    assert.throws(() => run.readJson('bad.json'), isErr('BAD_FILE', new RegExp(`^${escape(path.join(run.dir, 'bad.json'))} is not valid JSON \\(`)));
  });

  test('writeJson refuses NaN and keeps the previous file', () => {
    const run = RunFolder.create(fresh(), { resume: false });
    run.writeJson('path.json', { loss: 1 });
    assert.throws(() => run.writeJson('path.json', { loss: NaN }), isErr('INTERNAL', /refusing to write NaN .*\(at loss\)/));
    assert.deepEqual(run.readJson('path.json'), { loss: 1 });
  });

  test('writeText and tensors in subfolders', () => {
    const run = RunFolder.create(fresh(), { resume: false });
    run.writeText('summary.csv', 'a,b\n1,2\n');
    assert.equal(fs.readFileSync(path.join(run.dir, 'summary.csv'), 'utf8'), 'a,b\n1,2\n');
    const tensors = { 'layer0.w': { dtype: 'F32' as const, shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) } };
    run.writeTensors('points/003.safetensors', tensors, { lambda: '0.5' });
    assert.deepEqual(run.readTensors('points/003.safetensors'), { tensors, metadata: { lambda: '0.5' } });
    assert.deepEqual(fs.readdirSync(path.join(run.dir, 'points')), ['003.safetensors']);
    assert.throws(() => run.readTensors('points/004.safetensors'), isErr('FILE_NOT_FOUND', /points\/004\.safetensors: no such file/));
  });

  test('log append/read through the folder, torn tail dropped', () => {
    const run = RunFolder.create(fresh(), { resume: false });
    assert.deepEqual(run.readLog('points.jsonl'), []);
    run.appendLog('points.jsonl', { i: 0, loss: 1 });
    run.appendLog('points.jsonl', { i: 1, loss: 0.5 });
    fs.appendFileSync(path.join(run.dir, 'points.jsonl'), '{"i":2,"lo');
    assert.deepEqual(run.readLog('points.jsonl'), [{ i: 0, loss: 1 }, { i: 1, loss: 0.5 }]);
    run.appendLog('points.jsonl', { i: 2, loss: 0.25 });
    assert.deepEqual(run.readLog('points.jsonl'), [{ i: 0, loss: 1 }, { i: 1, loss: 0.5 }, { i: 2, loss: 0.25 }]);
  });

  test('names that escape the folder are refused', () => {
    const run = RunFolder.create(fresh(), { resume: false });
    for (const name of ['../x.json', '/etc/passwd', 'a/../../x', '', '.']) {
      assert.throws(() => run.writeJson(name, {}), isErr('INTERNAL', /is not a file name inside the run folder/), name);
    }
    assert.equal(run.path('a/../b.json'), path.join(run.dir, 'b.json'));
  });
});

describe('kill -9 in the middle of writing', () => {
  test('the run resumes: log intact up to a torn tail, JSON files whole, temp files cleaned', async () => {
    const dir = fresh();
    const first = RunFolder.create(dir, { resume: false });
    first.writeJson('settings.json', { format: 'regpath.settings/1' });
    first.release();
    const moduleUrl = new URL('../src/io/run-folder.js', import.meta.url).href;
    const script = `
      import { RunFolder } from ${JSON.stringify(moduleUrl)};
      const run = RunFolder.create(${JSON.stringify(dir)}, { resume: true });
      const pad = 'x'.repeat(200000);
      for (let i = 0; ; i++) {
        run.appendLog('points.jsonl', { i, pad });
        run.writeJson('path.json', { i, pad });
        if (i === 3) process.stdout.write('go\\n');
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout, 'data');
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await once(child, 'exit');

    const run = RunFolder.create(dir, { resume: true });
    const log = run.readLog('points.jsonl') as Array<{ i: number }>;
    assert.ok(log.length >= 4);
    log.forEach((r, k) => assert.equal(r.i, k));
    const last = (run.readJson('path.json') as { i: number }).i;
    assert.ok(last === log.length - 1 || last === log.length - 2, `path.json has i=${last}, log has ${log.length}`);
    assert.ok(fs.readdirSync(dir).every((f) => !f.endsWith('.tmp')));
    run.appendLog('points.jsonl', { i: log.length });
    assert.equal(run.readLog('points.jsonl').length, log.length + 1);
  });
});

describe('defaultRunDir', () => {
  const when = new Date(2024, 0, 2, 3, 4, 5); // local time
  test('runs/<YYYYMMDD-HHMMSS> in local time, claimed by creating it', () => {
    const parent = path.join(fresh(), 'runs');
    const dir = defaultRunDir(when, parent);
    assert.equal(dir, path.join(parent, '20240102-030405'));
    assert.ok(fs.statSync(dir).isDirectory());
    assert.deepEqual(fs.readdirSync(dir), []);
    assert.equal(RunFolder.create(dir, { resume: false }).dir, dir);
  });

  test('adds -2, -3… when taken', () => {
    const parent = fresh();
    assert.equal(defaultRunDir(when, parent), path.join(parent, '20240102-030405'));
    assert.equal(defaultRunDir(when, parent), path.join(parent, '20240102-030405-2'));
    assert.equal(defaultRunDir(when, parent), path.join(parent, '20240102-030405-3'));
    fs.writeFileSync(path.join(parent, '20240102-030405-4'), 'a file takes the name too');
    assert.equal(defaultRunDir(when, parent), path.join(parent, '20240102-030405-5'));
  });

  test('pads two-digit fields and defaults to ./runs', () => {
    const cwd = process.cwd();
    const base = fresh();
    fs.mkdirSync(base);
    process.chdir(base);
    try {
      assert.equal(defaultRunDir(new Date(1999, 11, 31, 23, 59, 59)), path.join('runs', '19991231-235959'));
      assert.ok(fs.existsSync(path.join(base, 'runs', '19991231-235959')));
    } finally {
      process.chdir(cwd);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
