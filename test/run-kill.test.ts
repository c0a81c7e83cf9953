// A kill at every atomic rename of a small run: --resume then gives exactly the front, weights
// and predictions of the run that was never interrupted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { predict } from '../src/export/predict.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
const root = tempDir('run-kill');

const ARGS = ['path', '--data', 'iris', '--hidden', '2', '--points', '2', '--direction', 'sparser', '--json'];

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, REGPATH_KERNELS: 'js', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** JSON without wall-clock times, which differ between any two runs. */
const untimed = (text: string): any => JSON.parse(text, (k, v) => (k === 'seconds' || k === 'elapsed' ? undefined : v));

/** What must match: path.json and the log without their times, the weights, the standardisation. */
function snapshot(dir: string): Record<string, unknown> {
  const pj = untimed(fs.readFileSync(path.join(dir, 'path.json'), 'utf8'));
  const files: Record<string, string> = {};
  for (const f of ['preprocess.safetensors', 'settings.json', ...pj.points.map((p: { weights: string }) => p.weights)]) {
    files[f] = fs.readFileSync(path.join(dir, f)).toString('base64');
  }
  const log = fs.readFileSync(path.join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map(untimed);
  const input = path.join(root, 'rows.csv');
  const predictions = pj.points.map((_: unknown, i: number) => predict(dir, input, { point: i }).rows);
  return { pj, files, log, predictions };
}

test('kill -9 at each atomic rename, then --resume: the same front, weights and predictions', async () => {
  fs.writeFileSync(path.join(root, 'rows.csv'), 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.2,2.9,4.3,1.3\n7.7,3.0,6.1,2.3\n');
  const ref = await run([...ARGS, '--out', 'ref']);
  assert.equal(ref.code, 0, ref.stderr);
  const want = snapshot(path.join(root, 'ref'));

  // every n until a run is no longer killed: that n is one past the run's last rename
  const killed: number[] = [];
  const check = async (n: number): Promise<boolean> => {
    const out = `k${n}`;
    const r = await run([...ARGS, '--out', out], { REGPATH_TEST_KILL_AT_RENAME: String(n) });
    if (r.code === 0) return false;
    assert.equal(r.signal, 'SIGKILL', `kill at rename ${n}: ${r.stderr}`);
    const resumed = await run([...ARGS, '--out', out, '--resume']);
    assert.equal(resumed.code, 0, `resume after the kill at rename ${n}: ${resumed.stderr}`);
    assert.deepEqual(snapshot(path.join(root, out)), want, `kill at rename ${n}`);
    assert.deepEqual(fs.readdirSync(path.join(root, out)).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')), []);
    killed.push(n);
    return true;
  };
  // two at a time (CI has two cores)
  for (let n = 1; ; n += 2) {
    const [a, b] = await Promise.all([check(n), check(n + 1)]);
    if (!a || !b) break;
  }
  assert.ok(killed.length >= 8, `only ${killed.length} renames: the run is not the one this test means`);
  killed.sort((a, b) => a - b);
  assert.deepEqual(killed, killed.map((_, i) => i + 1), 'every rename from the first');
});
