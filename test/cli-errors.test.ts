import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { assertOneLineError } from './helpers/cli-assert.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');

/** Runs the CLI in a fresh folder; returns its exit code, output and whatever it left there. */
function run(args: string[], files: Record<string, string | Buffer> = {}): { code: number | null; stderr: string; stdout: string; left: string[] } {
  const cwd = tempDir('cli');
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(cwd, name)), { recursive: true });
    fs.writeFileSync(path.join(cwd, name), content);
  }
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'js' } });
  const left = fs.readdirSync(cwd).filter((f) => !(f in files) && !Object.keys(files).some((k) => k.startsWith(f + '/')));
  fs.rmSync(cwd, { recursive: true });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout, left };
}

const idxHeader = (magic: number, dims: number[]): Buffer => {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
};

const cases: Array<{ name: string; args: string[]; files?: Record<string, string | Buffer>; expect: RegExp }> = [
  { name: 'missing file', args: ['path', '--data', 'nope.csv'], expect: /nope\.csv/ },
  { name: 'non-numeric cell', args: ['path', '--data', 'd.csv'], files: { 'd.csv': 'a,b,y\n1,2,0\n3,abc,1\n' }, expect: /d\.csv line 3, column "b": expected a number, got "abc"/ },
  { name: 'ragged row', args: ['path', '--data', 'd.csv'], files: { 'd.csv': 'a,b,y\n1,2,0\n3,1\n' }, expect: /d\.csv line 3: expected 3 fields.*got 2/ },
  { name: 'missing target column', args: ['path', '--data', 'd.csv', '--target', 'price'], files: { 'd.csv': 'a,b,y\n1,2,0\n3,1,1\n' }, expect: /price/ },
  { name: 'NaN in the data', args: ['path', '--data', 'd.csv'], files: { 'd.csv': 'a,b,y\n1,2,0\nNaN,1,1\n' }, expect: /d\.csv line 3, column "a"/ },
  { name: 'unknown option', args: ['path', '--bogus'], expect: /unknown option '--bogus'/ },
  { name: 'unknown method', args: ['path', '--method', 'lars'], expect: /method: expected one of continuation.*got "lars"/ },
  { name: 'unknown dataset', args: ['path', '--data', 'cifar'], expect: /cifar/ },
  { name: '--hidden that does not parse', args: ['path', '--hidden', '20,x'], expect: /--hidden.*"20,x"/ },
  { name: '--arch with a bad token', args: ['path', '--arch', 'conv6k5,pool,fc32'], expect: /^regpath: --arch: bad layer "pool" in "conv6k5,pool,fc32"; expected comma-separated conv<C>k<K>\[s<S>\]\[p<P>\], pool<K>, avgpool<K>, fc<N>$/ },
  { name: '--arch with image layers on flat data', args: ['path', '--data', 'iris', '--arch', 'conv2k2'], expect: /^regpath: --arch conv2k2 has image layers but iris is not image data: give its shape with --input-shape C,H,W$/ },
  { name: '--input-shape that does not match the columns', args: ['path', '--data', 'iris', '--input-shape', '1,3,2', '--arch', 'conv2k2'], expect: /^regpath: --input-shape 1,3,2: 1×3×2 = 6 values per example, but iris has 4 features$/ },
  { name: 'bad --points', args: ['path', '--data', 'iris', '--points', '1'], expect: /points: expected an integer from 2/ },
  { name: '--resume without --out', args: ['path', '--resume'], expect: /--resume needs --out/ },
  { name: 'resume of a folder that is no run', args: ['path', '--resume', '--out', 'x'], files: { 'x/a.txt': 'hi' }, expect: /not a regpath run/ },
  {
    name: 'corrupt IDX header', args: ['path', '--data', 'idx'],
    files: {
      'idx/train-images-idx3-ubyte.gz': zlib.gzipSync(Buffer.concat([idxHeader(0x00000999, [1, 2, 2]), Buffer.alloc(4)])),
      'idx/train-labels-idx1-ubyte.gz': zlib.gzipSync(Buffer.concat([idxHeader(0x00000801, [1]), Buffer.alloc(1)])),
    },
    expect: /train-images-idx3-ubyte\.gz/,
  },
];

for (const c of cases) {
  test(`bad input: ${c.name} → one clear line, non-zero exit, nothing written`, () => {
    const r = run(c.args, c.files);
    assertOneLineError({ ...r, exitCode: r.code }, c.expect);
    assert.deepEqual(r.left, [], 'nothing written');
  });
}

test('--help lists the options with their defaults', () => {
  const r = run(['path', '--help']);
  assert.equal(r.code, 0);
  for (const opt of ['--data', '--target', '--task', '--hidden', '--activation', '--points', '--batch', '--seed', '--out', '--penalize-bias', '--standardize', '--test-fraction', '--json', '--resume']) {
    assert.ok(r.stdout.includes(opt), `help mentions ${opt}`);
  }
});

test('--json prints only a machine-readable summary', () => {
  const r = run(['path', '--data', 'iris', '--hidden', '3', '--points', '6', '--json', '--out', 'run']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.format, 'regpath.path/1');
  assert.ok(j.points.length >= 3);
  assert.equal(r.stderr, '');
});
