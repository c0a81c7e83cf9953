// The HTML report: built from run folders written by the CLI (which writes report.html itself),
// checked as a file (self-contained, escaped, one numbering) and in Debian's headless chromium
// (no console errors, the front's marks, the explorer, no request leaving the page).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport, compileWarnings, writeRunReport } from '../src/report/build.js';
import { frontFigure } from '../src/report/figure.js';
import { computePath } from '../src/path/compute-path.js';
import { loadRun, type PathRun } from '../src/report/load.js';
import { jsonForScript } from '../src/report/html.js';
import { writeLinearCsv } from './helpers/linear-data.js';
import { LiveReport, loadReportBuilder } from '../src/cli/report-command.js';
import { REPORT_FILE } from '../src/report/build.js';
import { tempDir } from './helpers/tmp.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/regpath.js');
const root = tempDir('report');
const dirs = { iris: path.join(root, 'iris'), linear: path.join(root, 'linear'), cv: path.join(root, 'cv'), compare: path.join(root, 'compare') };
/** Feature names a hostile CSV header could carry: each would run script if pasted into HTML. */
const HOSTILE = ['</script><script>window.pwned=1</script>', '<img src=x onerror="window.pwned=2">'];

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, REGPATH_THREADS: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function run(args: string[]): string {
  const r = cli(args);
  assert.equal(r.status, 0, `regpath ${args.join(' ')}:\n${r.stderr}`);
  return r.stdout;
}

const stdouts: Record<string, string> = {};

before(async () => {
  const csv = writeLinearCsv('regression', 7);
  const lines = fs.readFileSync(csv, 'utf8').split('\n');
  const head = lines[0]!.split(',');
  head[0] = HOSTILE[0]!;
  head[1] = `"${HOSTILE[1]!.replace(/"/g, '""')}"`;
  fs.writeFileSync(csv, [head.join(','), ...lines.slice(1)].join('\n'));
  stdouts.iris = run(['path', '--data', 'iris', '--hidden', '4,4', '--activation', 'tanh', '--points', '12', '--out', dirs.iris]);
  stdouts.cv = run(['path', '--data', 'iris', '--hidden', '4', '--points', '10', '--folds', '3', '--out', dirs.cv]);
  // the hook is the same for every path: this one through the library, which is faster
  await computePath({ data: csv, hidden: [], points: 12, out: dirs.linear });
  writeRunReport(dirs.linear);
  stdouts.compare = run(['compare', '--data', 'iris', '--hidden', '4', '--points', '10', '--methods', 'continuation,sweep', '--nlambda', '15', '--fit-epochs', '20', '--dense-epochs', '100', '--out', dirs.compare]);
});

const pathJson = (dir: string): { points: Array<{ index: number; l1: number; nonzeros: number; testAccuracy: number }>; raw: unknown[]; metrics: { bestTestAccuracy: { accuracy: number; point: number; index: number; choice: string } } } =>
  JSON.parse(fs.readFileSync(path.join(dir, 'path.json'), 'utf8'));

test('path, compare and CV runs write report.html into their folder; the page carries everything inline', () => {
  for (const dir of Object.values(dirs)) {
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/);
    // nothing to fetch: no external script, style, image or frame
    assert.doesNotMatch(html, /<(script|img|iframe|link)\b[^>]*\b(src|href)=/i, dir);
    assert.match(html, /default-src 'none'/, 'the page forbids any request by its Content-Security-Policy');
    assert.match(html, /<script type="application\/json" id="regpath-data">/);
  }
  assert.deepEqual(compileWarnings, [], 'Vega-Lite had nothing to warn about in the chart specs');
});

test('data strings are escaped: a hostile CSV header shows as text and cannot end a script element', () => {
  const html = buildReport([dirs.linear]);
  for (const h of HOSTILE) assert.ok(!html.includes(h), `the raw string ${h} must not appear in the page`);
  assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;'), 'shown escaped in the header');
  assert.ok(html.includes('\\u003c/script\\u003e\\u003cscript\\u003ewindow.pwned=1'), 'and escaped in the page data');
  assert.equal(html.match(/<\/script>/g)!.length, 3, 'only the page\'s own three script elements end');
  assert.equal(jsonForScript({ a: '</script>&\u2028' }), '{"a":"\\u003c/script\\u003e\\u0026\\u2028"}');
  assert.deepEqual(JSON.parse(jsonForScript({ a: '</script>&\u2028' })), { a: '</script>&\u2028' });
});

test('one numbering: the summary numbers points by their front index and labels the best test accuracy an oracle choice', () => {
  const j = pathJson(dirs.iris);
  const b = j.metrics.bestTestAccuracy;
  assert.equal(b.choice, 'oracle: max test accuracy over the front');
  assert.equal(j.points[b.point]!.testAccuracy, Math.max(...j.points.map((p) => p.testAccuracy)));
  assert.equal(j.points[b.point]!.index, b.index);
  const rows = stdouts.iris!.split('\n').filter((l) => /^\s+\d+\s+\d/.test(l)).map((l) => l.trim().split(/\s+/));
  assert.deepEqual(rows.map((r) => Number(r[0])), j.points.map((_, i) => i), 'the point column counts the front from 0');
  rows.forEach((r, i) => assert.equal(Number(r[1]), Number(j.points[i]!.l1.toPrecision(5))));
  assert.match(stdouts.iris!, new RegExp(`best test accuracy \\(oracle: the maximum over the front, chosen on the test set\\) [\\d.]+% at point ${b.point}, `));
  // the point the summary names is the one --point exports
  const exp = path.join(root, 'best.json');
  run(['export', dirs.iris, '--point', String(b.point), '--format', 'tfjs', '--out', exp]);
  const cv = stdouts.cv!;
  assert.match(cv, /best test accuracy \(oracle[^\n]*\nselected by 3-fold cross-validation \(1-SE rule\): test accuracy [\d.]+% at point (\d+), /, 'the selected point beside the oracle');
  const cvj = JSON.parse(fs.readFileSync(path.join(dirs.cv, 'path.json'), 'utf8')) as { selection: { '1se': { point: number } } };
  assert.equal(Number(/1-SE rule\): test accuracy [\d.]+% at point (\d+)/.exec(cv)![1]), cvj.selection['1se'].point);
  assert.match(cv, /1se: point \d+ \(raw \d+\)/, 'the selected point beside it');
});

test('the loader tolerates an older run: no raw, status, metrics, log or weights', () => {
  const old = path.join(root, 'old');
  fs.mkdirSync(old);
  const j = pathJson(dirs.iris) as unknown as Record<string, unknown>;
  delete j.raw; delete j.status; delete j.metrics; delete j.selection;
  fs.writeFileSync(path.join(old, 'path.json'), JSON.stringify(j));
  const run = loadRun(old) as PathRun;
  assert.equal(run.kind, 'path');
  assert.equal(run.raw.length, run.summary.points.length, 'without raw or log the front stands for the raw points');
  assert.ok(run.networks.every((n) => n === null));
  const html = buildReport([old]);
  assert.match(html, /The weights of this point are not in the report|regpath-data/);
  const none = path.join(root, 'empty');
  fs.mkdirSync(none);
  const r = cli(['report', none]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), `regpath: ${none} is not a regpath run (no compare.json, credit.json, widths.json, l1-vs-l2.json, ensemble.json, path.json)`);
});

test('regpath report: several runs in one file, and the front alone as SVG and PNG', async () => {
  const html = buildReport([dirs.iris, dirs.compare]);
  assert.match(html, /<section class="run" id="run0">/);
  assert.match(html, /<section class="run" id="run1">/);
  const svg = await frontFigure(dirs.iris, 'svg') as string;
  const j = pathJson(dirs.iris);
  const group = svg.match(/<g class="mark-symbol role-mark front_points_marks"[^>]*>(.*?)<\/g>/s);
  assert.ok(group, 'the SVG has the front points');
  assert.equal(group[1]!.match(/<path /g)!.length, 2 * j.points.length + (j.raw.length - j.points.length), 'train and test per front point, and the dominated ones');
  assert.match(svg, /l1 norm of the weights/);
  const pngFile = path.join(root, 'front.png');
  run(['report', dirs.iris, '--format', 'png', '--out', pngFile]);
  const png = fs.readFileSync(pngFile);
  assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
  assert.ok(png.readUInt32BE(16) > 500 && png.readUInt32BE(20) > 300, 'at twice the chart size');
  const r = cli(['report', dirs.iris, dirs.cv, '--format', 'svg']);
  assert.equal(r.stderr.trim(), 'regpath: --format svg draws one run\'s front; got 2 runs');
});

test('a running path rewrites its report as points arrive (the first at once with no start delay), and says it is still going', async () => {
  const out = path.join(root, 'live');
  const file = path.join(out, 'report.html');
  await loadReportBuilder(); // as main.ts does before a path command's action
  assert.equal(REPORT_FILE, 'report.html');
  const live = new LiveReport(0);
  const seen: number[] = [];
  await computePath({
    data: 'iris', hidden: [3], points: 6, out,
    onProgress: (e) => {
      live.update(e);
      if (e.type === 'point' && fs.existsSync(file)) {
        const html = fs.readFileSync(file, 'utf8');
        if (html.includes('This run is still going')) seen.push(e.point.index);
      }
    },
  });
  assert.equal(seen[0], 0, 'the report exists from the first point on');
});

test('a mini-batch path rewrites path.json with its first point, though a pass checkpoint came just before, so its live report has a run to show', async () => {
  const out = path.join(root, 'live-batches');
  const file = path.join(out, 'report.html');
  await loadReportBuilder();
  const live = new LiveReport(0);
  let passes = 0;
  const firstPoint: boolean[] = [];
  await computePath({
    data: 'iris', hidden: [3], points: 6, batch: 16, out,
    onProgress: (e) => {
      if (e.type === 'pass') passes++;
      live.update(e);
      // before: the pass checkpoint of point 0 restarted the one-second clock, so path.json and
      // the report waited a second (the live report failed, with a warning, after every point)
      if (e.type === 'point' && !firstPoint.length) firstPoint.push(fs.existsSync(path.join(out, 'path.json')), fs.existsSync(file));
    },
  });
  assert.ok(passes > 0, 'the path ran on mini-batches');
  assert.deepEqual(firstPoint, [true, true]);
});

test('a live report waits its start delay: a path that ends before it gets no running report', async () => {
  const out = path.join(root, 'live-later');
  await loadReportBuilder();
  const live = new LiveReport(3600);
  let points = 0;
  await computePath({
    data: 'iris', hidden: [3], points: 6, out,
    onProgress: (e) => {
      live.update(e);
      if (e.type === 'point') points++;
    },
  });
  assert.ok(points >= 6);
  assert.equal(fs.existsSync(path.join(out, 'report.html')), false);
});

test('ensemble, credit, widths and l1-vs-l2 folders make their charts', () => {
  const make = (name: string, files: Record<string, unknown>): string => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), JSON.stringify(v));
    return dir;
  };
  const cats = (layer: number, n: number) => ({ layer, connections: n, important: n / 4, unimportant: n / 4, variable: n / 2, importantFraction: 0.25, unimportantFraction: 0.25, variableFraction: 0.5 });
  const perturb = [0, 0.5, 1].map((fraction) => ({ fraction, importantAccuracy: 0.9 - 0.5 * fraction, importantStd: 0.01, variableAccuracy: 0.9 - 0.1 * fraction, variableStd: 0.02, unimportantAccuracy: 0.9, unimportantStd: 0 }));
  const runs = [
    make('ens', {
      'settings.json': { format: 'regpath.settings/1', command: 'ensemble', options: { data: 'iris' } },
      'ensemble.json': { format: 'regpath.ensemble/1', dataset: { name: 'iris', task: 'classification' }, model: { layers: [4, 8, 3] }, categories: [cats(0, 32), cats(1, 24)], epochs: 4, seconds: 1,
        meanField: { testAccuracy: 0.9, testLoss: 0.3, evaluatedOn: 'test' }, sampled: { samples: 3, meanAccuracy: 0.9, stdAccuracy: 0.01 } },
      'histograms.json': { format: 'regpath.ensemble-histograms/1', histograms: [0, 1].map((layer) => ({ layer, quantity: 'pi', edges: [0, 0.5, 1], counts: [20, 12] })) },
      'perturb.json': { format: 'regpath.ensemble-perturb/1', layer: 0, rows: perturb },
    }),
    make('cred', { 'credit.json': { format: 'regpath.credit/1', layers: [4, 6, 3], points: [10, 5, 0].map((l1) => ({ l1, nonzeros: l1 * 3, precision: 0.5, recall: l1 / 10, zeroRate: 1 - l1 / 10, removedImportant: 0, gini: 0.5, giniNonzero: 0.4 })) }, 'credit.txt': 'credit: the table\n' }),
    make('wid', { 'widths.json': { format: 'regpath.widths/1', data: 'iris', rows: [2, 4, 8].map((width) => ({ width, objective: 1 / width, testAccuracy: 0.9 })), plateauWidth: 4, seconds: 1, options: { lambda: 0.001 } } }),
    make('l1l2', { 'l1-vs-l2.json': { format: 'regpath.l1-vs-l2/1', layers: [4, 4, 3], weights: 28, rows: [0.5, 0.2].map((fraction) => ({ fraction, target: 28 * fraction, l1: { testAccuracy: 0.9, nonzeros: 10 }, l2: { testAccuracy: 0.8, nonzeros: 10 }, better: 'l1' })), seconds: 1 } }),
  ];
  const expect = [['pi', 'categories', 'perturb'], ['credit'], ['widths'], ['l1-vs-l2']];
  runs.forEach((dir, i) => {
    const html = buildReport([dir]);
    for (const id of expect[i]!) assert.match(html, new RegExp(`<div id="run0-${id}">`), `${dir}: chart ${id}`);
  });
  assert.match(buildReport([runs[1]!]), /credit: the table/, 'the terminal text of credit');
  assert.deepEqual(compileWarnings, []);
});

// ---- in a real browser ----

const CHROMIUM = process.env.REGPATH_CHROMIUM ?? '/usr/bin/chromium';

test('in headless chromium: no console errors, the front\'s marks, the explorer, no request leaves the page', async (t) => {
  if (!fs.existsSync(CHROMIUM)) {
    t.skip(`chromium not found at ${CHROMIUM}: install it (apt-get install chromium; .ci/run does) or set REGPATH_CHROMIUM`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const profile = tempDir('chromium');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const shots = process.env.REGPATH_SCREENSHOTS ?? path.join(root, 'screenshots');
  fs.mkdirSync(shots, { recursive: true });
  try {
    for (const [name, dir] of Object.entries(dirs)) {
      const page = await context.newPage();
      const errors: string[] = [], requests: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); void d.dismiss(); });
      await page.route('**/*', (route) => {
        if (route.request().url().startsWith('file:')) return route.continue();
        requests.push(route.request().url());
        return route.abort();
      });
      await page.goto(`file://${path.join(dir, 'report.html')}`);
      await page.waitForSelector('body[data-ready]', { timeout: 20000 });
      const marks = (id: string): Promise<number> => page.evaluate((viewId) => {
        type Item = { name?: string; items?: Item[] };
        const count = (node: Item): number => (node.name === 'front_points_marks' ? node.items?.length ?? 0 : 0) + (node.items ?? []).reduce((s, c) => s + count(c), 0);
        const w = globalThis as unknown as { regpathViews: Record<string, { scenegraph(): { root: Item } }> };
        return count(w.regpathViews[viewId]!.scenegraph().root);
      }, id);
      if (name === 'linear') {
        // glmnet's plot(fit): one line per coefficient, each labelled at its end
        const lines = await page.evaluate(() => {
          type Node = { marktype?: string; role?: string; items?: Node[] };
          const w = globalThis as unknown as { regpathViews: Record<string, { scenegraph(): { root: Node } }> };
          // a line mark is one line (its items are the points); a text mark has one item per label
          const count = (node: Node, type: string): number => (node.marktype === type && node.role === 'mark' ? (type === 'line' ? 1 : node.items?.length ?? 0) : 0) + (node.items ?? []).reduce((s, c) => s + count(c, type), 0);
          const root = w.regpathViews['run0-coefficients']!.scenegraph().root;
          return [count(root, 'line'), count(root, 'text')];
        });
        assert.deepEqual(lines, [6, 6], 'six coefficient lines and six end labels');
      }
      if (name === 'compare') {
        const total = ['continuation', 'sweep'].reduce((s, m) => s + pathJson(path.join(dir, m)).points.length, 0);
        assert.equal(await marks('run0-compare-train'), total, 'every method\'s front points');
      } else {
        const j = pathJson(dir);
        assert.equal(await marks('run0-front'), 2 * j.points.length + (j.raw.length - j.points.length), `${name}: train and test per front point, and the dominated ones`);
        const ex = page.locator('#run0-explorer');
        const label = ex.locator('.ex-label');
        const edges = async (): Promise<number> => Number(await ex.locator('canvas.ex-network').getAttribute('data-edges'));
        // the slider moves the explorer: the label, the numbers and the network follow
        const target = Math.floor(j.points.length / 2);
        await ex.locator('input[type=range]').fill(String(target));
        assert.match(await label.textContent() ?? '', new RegExp(`^front point ${target} of ${j.points.length} `));
        assert.match(await ex.locator('.ex-numbers').textContent() ?? '', new RegExp(`l1 ‖θ‖₁${String(+j.points[target]!.l1.toPrecision(5)).replace('.', '\\.')}`));
        assert.equal(await edges(), j.points[target]!.nonzeros, 'one line per non-zero weight');
        await ex.focus();
        await page.keyboard.press('ArrowLeft');
        assert.match(await label.textContent() ?? '', new RegExp(`^front point ${target - 1} `), 'the arrow keys step point by point');
        assert.equal(await edges(), j.points[target - 1]!.nonzeros);
        // a click on a front point moves the explorer there
        const pick = 1;
        const at = await page.evaluate(([viewId, i]) => {
          type Box = { getBoundingClientRect(): { left: number; top: number }; scrollIntoView(o: object): void };
          const w = globalThis as unknown as { regpathViews: Record<string, { scale(n: string): (v: number) => number; origin(): [number, number]; padding(): { left: number; top: number }; container(): Box & { querySelector(s: string): Box | null }; data(n: string): Array<Record<string, unknown>> }> };
          const v = w.regpathViews[viewId as string]!;
          const row = v.data('rows').find((r) => r.point === i && r.series === 'train (front)')!;
          v.container().scrollIntoView({ block: 'center' });
          const box = v.container().querySelector('canvas')!.getBoundingClientRect();
          return [box.left + v.padding().left + v.origin()[0] + v.scale('x')(row.x as number), box.top + v.padding().top + v.origin()[1] + v.scale('y')(row.loss as number)];
        }, ['run0-front', pick] as const);
        await page.mouse.click(at[0]!, at[1]!);
        assert.match(await label.textContent() ?? '', new RegExp(`^front point ${pick} `), 'a click on the front selects that point');
      }
      await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
      assert.deepEqual(errors, [], `${name}: console errors`);
      assert.deepEqual(requests, [], `${name}: requests that left the page`);
      if (name === 'linear') assert.equal(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned), undefined, 'the hostile header ran no script');
      await page.close();
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});
