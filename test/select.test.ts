import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RegpathError } from '../src/errors.js';
import { readSafetensors, writeSafetensors } from '../src/io/safetensors.js';
import { crossValidatePath } from '../src/select/cross-validate.js';
import { applyRule, parseRule, ruleText, type SelectablePath } from '../src/select/rules.js';
import { selectFromRun } from '../src/select/select-run.js';
import type { ValidatedPoint } from '../src/select/selection.js';
import { assertOneLineError } from './helpers/cli-assert.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
test('rules parse: min, 1se, nonzeros=N, accuracy=A as a fraction or a percentage', () => {
  assert.deepEqual(parseRule('min'), { kind: 'min' });
  assert.deepEqual(parseRule(' 1SE '), { kind: '1se' });
  assert.deepEqual(parseRule('nonzeros=120'), { kind: 'nonzeros', max: 120 });
  assert.deepEqual(parseRule('nonzeros=0'), { kind: 'nonzeros', max: 0 });
  assert.deepEqual(parseRule('accuracy=0.95'), { kind: 'accuracy', min: 0.95 });
  assert.deepEqual(parseRule('accuracy=95%'), { kind: 'accuracy', min: 0.95 });
  assert.deepEqual(parseRule('accuracy=1'), { kind: 'accuracy', min: 1 });
  assert.deepEqual(parseRule('accuracy=100%'), { kind: 'accuracy', min: 1 });
  assert.equal(ruleText(parseRule('accuracy=92.5%')), 'accuracy=0.925');
});

test('rules that do not parse or are out of range are refused with what was expected', () => {
  const cases: Array<[string, RegExp]> = [
    ['max', /rule: expected min, 1se, nonzeros=N or accuracy=A, got "max"/],
    ['', /rule: expected min, 1se/],
    ['lambda=3', /rule: expected min, 1se/],
    ['nonzeros=-1', /nonzeros=N: N must be a non-negative integer, got "-1"/],
    ['nonzeros=1.5', /N must be a non-negative integer, got "1.5"/],
    ['nonzeros=', /N must be a non-negative integer, got ""/],
    ['accuracy=0', /accuracy=A: A must be a fraction above 0 and at most 1, or a percentage .* got "0"/],
    ['accuracy=1.5', /got "1.5"/],
    ['accuracy=95', /got "95" \(write 95% for a percentage\)/],
    ['accuracy=101%', /got "101%"/],
    ['accuracy=0%', /got "0%"/],
    ['accuracy=abc', /got "abc"/],
  ];
  for (const [text, expect] of cases) {
    assert.throws(() => parseRule(text), (e: Error) => e instanceof RegpathError && e.code === 'BAD_OPTION' && expect.test(e.message), text);
  }
});

/** A hand-made front (l1 ascending) with test accuracies, and validation numbers when asked. */
function front(validation: boolean): SelectablePath {
  const rows: Array<[number, number, number, number, number]> = [
    // l1, nonzeros, train loss, test acc, validation acc
    [0, 0, 2.3, 0.1, 0.1], [10, 40, 1.0, 0.7, 0.72], [20, 80, 0.6, 0.86, 0.84], [30, 80, 0.5, 0.9, 0.88],
    [40, 150, 0.3, 0.93, 0.9], [50, 240, 0.2, 0.92, 0.89],
  ];
  const points: ValidatedPoint[] = rows.map(([l1, nonzeros, trainLoss, testAccuracy, va], i) => ({
    index: i, l1, nonzeros, trainLoss, testAccuracy, lambda: null, weights: `points/${i}.safetensors`,
    ...(validation ? { validationAccuracy: va, validationLoss: trainLoss + 0.1 } : {}),
  }));
  return {
    format: 'regpath.path/1', status: 'complete', points,
    dataset: { task: 'classification', features: 4, classes: 3 }, model: { layers: [4, 3], activation: 'relu' },
  } as unknown as SelectablePath;
}

test('nonzeros=N: the densest point with at most N non-zeros, ties to the lower training loss', () => {
  const run = front(false);
  assert.equal(applyRule(run, parseRule('nonzeros=100')).point, 3, '80 non-zeros twice: the one with loss 0.5');
  assert.equal(applyRule(run, parseRule('nonzeros=150')).point, 4);
  assert.equal(applyRule(run, parseRule('nonzeros=1000')).point, 5);
  assert.equal(applyRule(run, parseRule('nonzeros=0')).point, 0);
  const noZero = { ...run, points: run.points.slice(1) };
  assert.throws(() => applyRule(noZero, parseRule('nonzeros=5'), 'RUN'), /no point of RUN has at most 5 non-zeros \(the sparsest has 40\)/);
});

test('accuracy=A: the sparsest point reaching A, on validation accuracy when the run has it, else test', () => {
  assert.equal(applyRule(front(false), parseRule('accuracy=0.9')).point, 3, 'test 0.90 at l1 30');
  assert.equal(applyRule(front(false), parseRule('accuracy=92%')).point, 4);
  const v = applyRule(front(true), parseRule('accuracy=0.9'));
  assert.equal(v.point, 4, 'validation 0.90 at l1 40');
  assert.match(v.basis, /validation accuracy at least 90%/);
  assert.throws(() => applyRule(front(false), parseRule('accuracy=0.95'), 'RUN'), /no point of RUN reaches test accuracy 95% \(the best is 93% at l1 40.00\)/);
  const regression = { ...front(false), points: front(false).points.map(({ testAccuracy: _t, ...p }) => p) };
  assert.throws(() => applyRule(regression, parseRule('accuracy=0.5'), 'RUN'), /needs accuracies, and RUN has neither validation nor test accuracy/);
});

test('min and 1se need validation numbers and say which option gives them', () => {
  for (const rule of ['min', '1se']) {
    assert.throws(() => applyRule(front(true), parseRule(rule), 'RUN'),
      new RegExp(`rule ${rule} needs validation losses, and RUN has none: compute the path with --folds K \\(cross-validation\\) or --validation-fraction f`));
  }
});

test('select writes selected.json and a readable copy of the chosen weights; min/1se agree with path.json', async () => {
  const out = tempDir('select');
  const r = await crossValidatePath({ data: 'iris', hidden: [3], activation: 'tanh', points: 8, seed: 4, validationFraction: 0.3, out });
  for (const rule of ['1se', 'min', 'nonzeros=8', 'accuracy=0.9']) {
    const s = selectFromRun(out, rule);
    const json = JSON.parse(fs.readFileSync(path.join(out, 'selected.json'), 'utf8'));
    assert.deepEqual(json, JSON.parse(JSON.stringify(s)));
    assert.equal(json.format, 'regpath.selection/1');
    assert.equal(json.rule, rule === 'accuracy=0.9' ? 'accuracy=0.9' : rule);
    const p = r.points[json.point]!;
    assert.equal(json.index, p.index);
    assert.equal(json.l1, p.l1);
    assert.equal(json.nonzeros, p.nonzeros);
    assert.equal(json.testAccuracy, p.testAccuracy);
    assert.equal(json.validationLoss, p.validationLoss);
    if (rule === '1se') assert.equal(json.point, r.selection!['1se'].point);
    if (rule === 'min') assert.equal(json.point, r.selection!.min.point);
    if (rule === 'nonzeros=8') assert.ok(json.nonzeros <= 8);
    if (rule === 'accuracy=0.9') assert.ok(json.validationAccuracy >= 0.9);
    const copy = readSafetensors(path.join(out, 'selected.safetensors'));
    const orig = readSafetensors(path.join(out, p.weights));
    assert.deepEqual(Object.keys(copy.tensors).sort(), Object.keys(orig.tensors).sort());
    for (const name of Object.keys(orig.tensors)) assert.deepEqual(copy.tensors[name]!.data, orig.tensors[name]!.data, name);
    assert.equal(copy.metadata.rule, json.rule);
    assert.equal(copy.metadata.point, String(json.point));
    // the l1 of the copied kernels is the point's l1
    let l1 = 0;
    for (const [name, t] of Object.entries(copy.tensors)) if (name.endsWith('.kernel')) for (const v of t.data) l1 += Math.abs(v);
    assert.ok(Math.abs(l1 - p.l1) < 1e-4 * (1 + p.l1));
  }
  fs.rmSync(out, { recursive: true });
});

/** A hand-made run folder: path.json and the weights of its points. */
function fakeRun(dir: string, pathJson: Record<string, unknown>): void {
  fs.mkdirSync(path.join(dir, 'points'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'settings.json'), '{"format":"regpath.settings/1"}');
  fs.writeFileSync(path.join(dir, 'path.json'), JSON.stringify(pathJson));
  for (const p of (pathJson.points as Array<{ weights: string }> | undefined) ?? []) {
    writeSafetensors(path.join(dir, p.weights), { 'layer0.kernel': { dtype: 'F32', shape: [1, 1], data: Float32Array.of(1) } });
  }
}

test('bad input to select: one clear error, nothing written', () => {
  const base = tempDir('select');
  const good = { ...front(false), points: front(false).points.map((p) => ({ ...p, weights: `points/${p.index}.safetensors` })) };
  const cases: Array<[string, string, (dir: string) => void, RegExp]> = [
    ['no such folder', 'min', () => {}, /no such run folder/],
    ['a file', 'min', (d) => fs.writeFileSync(d, 'x'), /is not a run folder \(it is a file\)/],
    ['no path.json', 'min', (d) => fs.mkdirSync(d), /is not a regpath run \(it has no settings.json or path.json\)/],
    ['newer format', 'min', (d) => fakeRun(d, { ...good, format: 'regpath.path/2' }), /was written by a newer regpath \(format regpath.path\/2\)/],
    ['foreign json', 'min', (d) => fakeRun(d, { hello: 1 }), /is not a regpath path file/],
    ['unfinished run', 'nonzeros=5', (d) => fakeRun(d, { ...good, status: 'running' }), /the run is not finished \(status running\); finish it with regpath path --out .* --resume/],
    ['min without validation', 'min', (d) => fakeRun(d, good), /rule min needs validation losses/],
    ['no point satisfying', 'accuracy=0.99', (d) => fakeRun(d, good), /reaches test accuracy 99%/],
    ['bad rule', 'sparsest', (d) => fakeRun(d, good), /rule: expected min, 1se, nonzeros=N or accuracy=A, got "sparsest"/],
    ['missing weights', 'nonzeros=100', (d) => { fakeRun(d, good); fs.rmSync(path.join(d, 'points', '3.safetensors')); }, /points\/3\.safetensors is missing/],
  ];
  for (const [name, rule, make, expect] of cases) {
    const dir = path.join(base, name.replace(/\W+/g, '-'));
    make(dir);
    assert.throws(() => selectFromRun(dir, rule), (e: Error) => e instanceof RegpathError && expect.test(e.message), name);
    assert.ok(!fs.existsSync(path.join(dir, 'selected.json')) && !fs.existsSync(path.join(dir, 'selected.safetensors')), `${name}: nothing written`);
  }
  fs.rmSync(base, { recursive: true });
});

test('regpath select: prints the pick, --json prints selected.json; errors are one line with a non-zero exit', () => {
  const dir = tempDir('select');
  const good = { ...front(false), points: front(false).points.map((p) => ({ ...p, weights: `points/${p.index}.safetensors` })) };
  fakeRun(dir, good);
  const run = (args: string[]) => spawnSync(process.execPath, [bin, 'select', ...args], { encoding: 'utf8', env: { ...process.env, REGPATH_KERNELS: 'js' } });
  let r = run([dir, '--rule', 'accuracy=90%']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rule accuracy=0.9: sparsest point with test accuracy at least 90%\npoint 3 of the front/);
  r = run([dir, '--rule', 'nonzeros=100', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).point, 3);
  fs.rmSync(path.join(dir, 'selected.json'));
  fs.rmSync(path.join(dir, 'selected.safetensors'));
  for (const [args, expect] of [
    [[dir, '--rule', '1se'], /^regpath: rule 1se needs validation losses, .* --folds K/],
    [[dir, '--rule', 'nonzeros=x'], /^regpath: rule nonzeros=N: N must be a non-negative integer, got "x"/],
    [[dir], /required option '--rule <rule>' not specified/],
  ] as Array<[string[], RegExp]>) {
    r = run(args);
    assertOneLineError({ ...r, exitCode: r.status }, expect);
  }
  assert.ok(!fs.existsSync(path.join(dir, 'selected.json')));
  fs.rmSync(dir, { recursive: true });
});
