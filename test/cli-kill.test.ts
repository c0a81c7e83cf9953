import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');

const logLines = (dir: string): number => {
  try {
    return fs.readFileSync(path.join(dir, 'log.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).length;
  } catch {
    return 0;
  }
};

test('a run killed with SIGKILL keeps every finished point, and --resume finishes it', async () => {
  const out = path.join(tempDir('kill'), 'run');
  const args = [bin, 'path', '--data', 'mnist', '--hidden', '0', '--points', '10', '--test-fraction', '0.5', '--out', out];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // wait for three finished points, then kill without warning
  while (logLines(out) < 3) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL', 'the run was still going when killed');
  // the log is the record of finished points; path.json is rewritten after the first point and
  // then at checkpoints (at most a second apart), so a kill leaves it behind the log, never ahead or torn
  const kept = logLines(out);
  const logged = fs.readFileSync(path.join(out, 'log.jsonl'), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).point);
  const partial = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
  assert.equal(partial.status, 'running');
  assert.ok(partial.raw.length >= 1 && partial.raw.length <= kept);
  assert.deepEqual(partial.raw, logged.slice(0, partial.raw.length));
  for (const p of logged) assert.ok(fs.existsSync(path.join(out, `points/${String(p.index).padStart(3, '0')}.safetensors`)));

  const resumed = spawnSync(process.execPath, [bin, 'path', '--out', out, '--resume', '--json'], { encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  const final = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
  assert.equal(final.status, 'complete');
  // a temp file a kill left mid-write is cleared on resume and never became a result file
  assert.deepEqual(fs.readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
  assert.ok(final.raw.length > kept);
  // the points computed before the kill are kept as they were, not recomputed
  for (let i = 0; i < logged.length; i++) assert.deepEqual(final.raw[i], logged[i]);
  assert.equal(final.points[0].l1, 0);
  fs.rmSync(path.dirname(out), { recursive: true });
});
