// Bad input to `regpath export` and `regpath predict`: one clear line, non-zero exit, nothing written.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportModel } from '../src/export/export.js';
import { predict } from '../src/export/predict.js';
import { RegpathError } from '../src/errors.js';
import { listTree, makeRuns, type TestRun } from './helpers/export-fixtures.js';
import { assertOneLineError } from './helpers/cli-assert.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');

let root: string;
let runs: { iris: TestRun; reg: TestRun };

before(async () => {
  root = tempDir('export-errors');
  runs = await makeRuns(root);
  // a run from a newer regpath, a folder that is not a run, and prediction inputs
  const newer = path.join(root, 'newer');
  fs.cpSync(runs.iris.dir, newer, { recursive: true });
  const pj = JSON.parse(fs.readFileSync(path.join(newer, 'path.json'), 'utf8'));
  fs.writeFileSync(path.join(newer, 'path.json'), JSON.stringify({ ...pj, format: 'regpath.path/2' }));
  fs.mkdirSync(path.join(root, 'notrun'));
  fs.writeFileSync(path.join(root, 'notrun', 'a.txt'), 'hi');
  fs.writeFileSync(path.join(root, 'missing-col.csv'), 'sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n');
  fs.writeFileSync(path.join(root, 'extra-col.csv'), 'sepal_length,sepal_width,petal_length,petal_width,colour\n5.1,3.5,1.4,0.2,1\n');
  fs.writeFileSync(path.join(root, 'bad-cell.csv'), 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n5.1,wide,1.4,0.2\n');
  fs.writeFileSync(path.join(root, 'bad-selected.json'), '');
});

function cli(args: string[]): { code: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'js' } });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

const cases: Array<{ name: string; args: () => string[]; expect: RegExp }> = [
  { name: 'export of a folder that is not a run', args: () => ['export', 'notrun', '--point', '0', '--format', 'onnx'], expect: /notrun is not a regpath run \(it has no settings\.json\)/ },
  { name: 'export of a missing folder', args: () => ['export', 'nowhere', '--point', '0', '--format', 'onnx'], expect: /nowhere: no such run folder/ },
  { name: 'export of a run from a newer regpath', args: () => ['export', 'newer', '--point', '0', '--format', 'onnx'], expect: /newer\/path\.json was written by a newer regpath \(format regpath\.path\/2\)/ },
  { name: 'point out of range', args: () => ['export', 'iris', '--point', '99', '--format', 'tfjs'], expect: /point 99 is out of range: the front of iris has \d+ points, 0\.\.\d+/ },
  { name: 'point that is not a number', args: () => ['export', 'iris', '--point', 'best', '--format', 'tfjs'], expect: /--point: expected a front index \(0, 1, …\) or "selected", got "best"/ },
  { name: 'no selected.json (the default --point)', args: () => ['export', 'iris', '--format', 'tfjs'], expect: /iris has no selected\.json: run `regpath select iris` first/ },
  { name: 'unknown format', args: () => ['export', 'iris', '--point', '1', '--format', 'keras'], expect: /unknown export format "keras"; expected one of tfjs, onnx, safetensors/ },
  { name: 'missing --format', args: () => ['export', 'iris', '--point', '1'], expect: /required option '--format <format>' not specified/ },
  { name: '--out that is a foreign non-empty folder', args: () => ['export', 'iris', '--point', '1', '--format', 'onnx', '--out', 'notrun'], expect: /notrun already exists and is not an earlier regpath export; choose another --out/ },
  { name: 'predict with a missing feature column', args: () => ['predict', 'iris', '--point', '1', '--input', 'missing-col.csv', '--out', 'p.csv'], expect: /missing-col\.csv: missing feature column "petal_width"; the model needs 4/ },
  { name: 'predict with an unknown column', args: () => ['predict', 'iris', '--point', '1', '--input', 'extra-col.csv', '--out', 'p.csv'], expect: /extra-col\.csv: column "colour" is not among the model's features \(the target column "species" may be present and is ignored\)/ },
  { name: 'predict with a non-numeric cell', args: () => ['predict', 'iris', '--point', '1', '--input', 'bad-cell.csv', '--out', 'p.csv'], expect: /bad-cell\.csv line 3, column "sepal_width": expected a number, got "wide"/ },
  { name: 'predict with a missing input file', args: () => ['predict', 'iris', '--point', '1', '--input', 'nope.csv'], expect: /nope\.csv/ },
  { name: 'predict of a folder that is not a run', args: () => ['predict', 'notrun', '--input', 'missing-col.csv'], expect: /notrun is not a regpath run/ },
  { name: 'predict without a selection', args: () => ['predict', 'iris', '--input', 'extra-col.csv'], expect: /iris has no selected\.json: run `regpath select iris` first, or pass --point/ },
  { name: 'predict with a point out of range', args: () => ['predict', 'reg', '--point', '40', '--input', 'extra-col.csv'], expect: /point 40 is out of range: the front of reg has \d+ points/ },
];

for (const c of cases) {
  test(`bad input: ${c.name} → one clear line, non-zero exit, nothing written`, () => {
    const before = listTree(root);
    const r = cli(c.args());
    assertOneLineError({ ...r, exitCode: r.code }, c.expect);
    assert.deepEqual(listTree(root), before, 'nothing written');
  });
}

test('the library throws RegpathError with the same messages', () => {
  assert.throws(() => exportModel(path.join(root, 'notrun'), { point: 0, format: 'onnx' }), (e: unknown) => e instanceof RegpathError && /not a regpath run/.test(e.message));
  assert.throws(() => exportModel(runs.iris.dir, { point: 0, format: 'pickle' }), (e: unknown) => e instanceof RegpathError && e.code === 'BAD_OPTION');
  assert.throws(() => predict(runs.iris.dir, path.join(root, 'missing-col.csv'), { point: 0 }), (e: unknown) => e instanceof RegpathError && e.code === 'BAD_DATA');
});

test('a selected.json of another format or pointing outside the front is refused', () => {
  const copy = path.join(root, 'sel');
  fs.cpSync(runs.iris.dir, copy, { recursive: true });
  const file = path.join(copy, 'selected.json');
  fs.writeFileSync(file, JSON.stringify({ format: 'regpath.selection/9', point: 0 }));
  assert.throws(() => exportModel(copy, { point: 'selected', format: 'onnx' }), /selected\.json was written by a newer regpath/);
  fs.writeFileSync(file, JSON.stringify({ format: 'regpath.selection/1', point: 500 }));
  assert.throws(() => exportModel(copy, { point: 'selected', format: 'onnx' }), /selected\.json: "point" is 500, not an index into the front/);
  assert.deepEqual(fs.readdirSync(copy).filter((f) => f.startsWith('export-')), []);
  fs.rmSync(copy, { recursive: true });
});

test('export and predict --help describe the point index', () => {
  for (const cmd of ['export', 'predict']) {
    const r = cli([cmd, '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--point <i\|selected>/);
    // one default and one meaning in both commands (help lines wrap: compare with single spaces)
    assert.match(r.stdout.replace(/\s+/g, ' '), /index into path\.json "points" \(0-based, l1 ascending.*\(default: selected\)/);
  }
});
