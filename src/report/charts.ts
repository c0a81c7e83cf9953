/**
 * The report's charts as Vega-Lite specs with their data inline, one function per chart. Data
 * strings (feature, class, method names) only ever appear as data values, never as field names or
 * expressions, so a hostile CSV header cannot reach Vega's expression parser.
 */
import type { CompareRun, CreditRun, EnsembleRun, PathRun, PointRecord, TableRun } from './load.js';
import { fixedScale, liveInputs, networkCounts, scaleFor } from './scales.js';

export type Spec = Record<string, unknown>;
/**
 * Where the explorer marks its point on a chart: the fields of its x and y scales ('x' is the
 * path's objective, l1 or ‖θ‖²), or a vertical line when y is null. The mark is an overlay drawn
 * by the page, not a Vega layer, so that moving it never re-renders 10,000 points.
 */
export interface Marker { x: 'x' | 'nonzeros'; y: 'loss' | 'accuracy' | null }
export interface Chart { id: string; title: string; note?: string; spec: Spec; role?: 'front'; marker?: Marker }

const W = 460, H = 260;
const q = (field: string, title: string, scale: Record<string, unknown> = { zero: false }, extra: Record<string, unknown> = {}): Spec =>
  ({ field, type: 'quantitative', title, scale, ...extra });
const pct = { format: '.0%' };
const tip = (fields: Array<[string, string, string?]>): Spec[] =>
  fields.map(([field, title, format]) => ({ field, title, type: typeof format === 'string' && format === 'n' ? 'nominal' : 'quantitative', ...(format && format !== 'n' ? { format } : {}) }));

function base(title: string, layers: Spec[], datasets?: Record<string, unknown[]>): Spec {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, width: W, height: H, ...(datasets && { datasets }), layer: layers };
}

/** The x objective of a path: l1, or ‖θ‖² for a weight-decay path. */
function xOf(run: PathRun): { field: 'l1' | 'l2squared'; title: string } {
  return run.summary.objective?.penalty === 'l2' ? { field: 'l2squared', title: '‖θ‖² (sum of squared weights)' } : { field: 'l1', title: 'l1 norm of the weights ‖θ‖₁' };
}

function lossTitle(run: PathRun | null, task?: string): string {
  const loss = run?.summary.objective?.loss ?? (task === 'regression' ? 'mse' : 'cross-entropy');
  if (loss !== 'mse') return 'cross-entropy loss (nats)';
  const scale = run?.summary.dataset?.targetScale;
  return scale ? `mean squared error of the standardised target (× ${Number((scale.std ** 2).toPrecision(4))} in its units)` : 'mean squared error';
}

/** Rows of the front chart: every front point (train, test) and the dominated raw points, faded. */
export function frontRows(run: PathRun): Array<Record<string, unknown>> {
  const x = xOf(run).field;
  const rows: Array<Record<string, unknown>> = [];
  const front = run.summary.points;
  front.forEach((p, i) => {
    const common = { point: i, raw: p.index, x: p[x] ?? p.l1, nonzeros: p.nonzeros ?? null };
    rows.push({ ...common, loss: p.trainLoss, series: 'train (front)' });
    if (p.testLoss !== undefined) rows.push({ ...common, loss: p.testLoss, series: 'test' });
  });
  const onFront = new Set(front.map((p) => p.index));
  for (const p of run.raw) if (!onFront.has(p.index)) rows.push({ raw: p.index, x: p[x] ?? p.l1, nonzeros: p.nonzeros ?? null, loss: p.trainLoss, series: 'dominated (train)' });
  return rows;
}

/** The selected point(s): selected.json, else the CV/validation 1-SE and min points. */
export function selectedPoints(run: PathRun): Array<{ point: number; label: string }> {
  if (run.selected) return [{ point: run.selected.point, label: `selected (${run.selected.rule})` }];
  const s = run.summary.selection;
  const by = s?.kind === 'cross-validation' ? 'CV' : 'validation';
  return [s?.['1se'] && { point: s['1se'].point, label: `${by} 1-SE` }, s?.min && { point: s.min.point, label: `${by} min` }]
    .filter((v): v is { point: number; label: string } => Boolean(v) && v!.point >= 0 && v!.point < run.summary.points.length);
}

const SERIES = { domain: ['train (front)', 'test', 'dominated (train)'], range: ['#1f77b4', '#ff7f0e', '#9e9e9e'] };

/** Loss against l1 (or non-zeros): the front linked, dominated points faded, selected and current points marked. */
export function frontChart(run: PathRun, against: 'x' | 'nonzeros'): Chart {
  const rows = frontRows(run);
  const xs = xOf(run);
  const present = new Set(rows.map((r) => r.series));
  const keep = SERIES.domain.map((d, i) => [d, SERIES.range[i]!] as const).filter(([d]) => present.has(d));
  const series = { domain: keep.map(([d]) => d), range: keep.map(([, c]) => c) };
  const xField = against === 'x' ? 'x' : 'nonzeros';
  const xTitle = against === 'x' ? xs.title : 'non-zero weights (count)';
  const xScale = against === 'x' ? fixedScale(rows.map((r) => r.x as number), true) : fixedScale(rows.map((r) => r.nonzeros as number));
  const X = q(xField, xTitle, xScale);
  const Y = q('loss', lossTitle(run), fixedScale(rows.map((r) => r.loss as number)));
  const sel = selectedPoints(run).map((s) => {
    const p = run.summary.points[s.point]!;
    return { point: s.point, label: s.label, x: p[xs.field] ?? p.l1, nonzeros: p.nonzeros ?? null, loss: p.trainLoss };
  });
  const layers: Spec[] = [
    { data: { name: 'rows' }, transform: [{ filter: { field: 'series', oneOf: ['train (front)', 'test'] } }], mark: { type: 'line', strokeWidth: 1.5 },
      encoding: { x: X, y: Y, color: { field: 'series', type: 'nominal', scale: series, legend: { title: 'loss on', orient: 'right' } }, order: { field: 'x' } } },
    { name: 'front_points', data: { name: 'rows' }, mark: { type: 'point', filled: true, size: 36, cursor: 'pointer' },
      encoding: { x: X, y: Y, color: { field: 'series', type: 'nominal', scale: series },
        opacity: { condition: { test: "datum.series === 'dominated (train)'", value: 0.3 }, value: 1 },
        tooltip: tip([['point', 'front point'], ['raw', 'raw index'], ['x', xs.title, '.4g'], ['nonzeros', 'non-zeros'], ['loss', 'loss', '.4g'], ['series', 'series', 'n']]) } },
  ];
  if (sel.length) {
    layers.push(
      { data: { values: sel }, mark: { type: 'point', shape: 'diamond', size: 170, filled: true, color: '#2ca02c', stroke: 'black', strokeWidth: 1 }, encoding: { x: X, y: Y, tooltip: tip([['label', 'selected', 'n'], ['point', 'front point']]) } },
      { data: { values: sel }, mark: { type: 'text', dy: -14, fontWeight: 'bold', color: '#2ca02c' }, encoding: { x: X, y: Y, text: { field: 'label' } } },
    );
  }
  const title = against === 'x' ? `Front: loss against ${xs.field === 'l1' ? 'l1' : '‖θ‖²'}` : 'Front: loss against non-zero weights';
  return { id: against === 'x' ? 'front' : 'front-nonzeros', title, role: 'front', marker: { x: against === 'x' ? 'x' : 'nonzeros', y: 'loss' }, spec: base(title, layers, { rows }),
    note: 'Lines join the non-dominated points (train loss, and the same networks on the test part)' + (present.has('dominated (train)') ? '; grey points are dominated' : '') +
      (sel.length ? '; the green diamond is the selected point' : '') + '; the red ring is the explorer\'s point.' };
}

export function accuracyChart(run: PathRun): Chart | null {
  const rows: Array<Record<string, unknown>> = [];
  run.summary.points.forEach((p, i) => {
    if (p.trainAccuracy !== undefined) rows.push({ point: i, nonzeros: p.nonzeros ?? 0, accuracy: p.trainAccuracy, series: 'train' });
    if (p.testAccuracy !== undefined) rows.push({ point: i, nonzeros: p.nonzeros ?? 0, accuracy: p.testAccuracy, series: 'test' });
    if (p.validationAccuracy !== undefined) rows.push({ point: i, nonzeros: p.nonzeros ?? 0, accuracy: p.validationAccuracy, series: 'validation' });
  });
  if (!rows.length) return null;
  const has = new Set(rows.map((r) => r.series));
  const colors = ([['train', '#1f77b4'], ['test', '#ff7f0e'], ['validation', '#2ca02c']] as const).filter(([d]) => has.has(d));
  const accColors = { domain: colors.map(([d]) => d), range: colors.map(([, c]) => c) };
  const X = q('nonzeros', 'non-zero weights (count)', fixedScale(rows.map((r) => r.nonzeros as number)));
  const Y = q('accuracy', 'accuracy', fixedScale(rows.map((r) => r.accuracy as number), true), { axis: pct });
  const title = 'Accuracy against non-zero weights';
  return { id: 'accuracy', title, role: 'front', marker: { x: 'nonzeros', y: 'accuracy' }, spec: base(title, [
    { data: { name: 'rows' }, mark: { type: 'line', point: true }, encoding: { x: X, y: Y, order: { field: 'point' }, color: { field: 'series', type: 'nominal', scale: accColors, legend: { title: 'accuracy on', orient: 'bottom-right' } },
      tooltip: tip([['point', 'front point'], ['nonzeros', 'non-zeros'], ['accuracy', 'accuracy', '.1%'], ['series', 'on', 'n']]) } },
  ], { rows }) };
}

/** Per layer, non-zero weights and live units along the path (from the stored networks). */
export function layerCharts(run: PathRun): Chart[] {
  const xs = xOf(run);
  const nz: Array<Record<string, unknown>> = [], live: Array<Record<string, unknown>> = [];
  run.summary.points.forEach((p, i) => {
    const net = run.networks[i];
    if (!net) return;
    const c = networkCounts(net);
    c.nonzeros.forEach((n, l) => nz.push({ point: i, x: p[xs.field] ?? p.l1, layer: `weights ${l + 1} (${net[l]!.inputs}→${net[l]!.outputs})`, count: n }));
    c.live.forEach((n, l) => live.push({ point: i, x: p[xs.field] ?? p.l1, layer: `hidden layer ${l + 1} (of ${net[l]!.outputs})`, count: n }));
  });
  if (!nz.length) return [];
  const X = q('x', xs.title, scaleFor(nz.map((r) => r.x as number), true));
  const mk = (id: string, title: string, rows: Array<Record<string, unknown>>, yTitle: string): Chart => ({ id, title, spec: base(title, [
    { data: { values: rows }, mark: { type: 'line', point: true, interpolate: 'step-after' },
      encoding: { x: X, y: q('count', yTitle, scaleFor(rows.map((r) => r.count as number))), color: { field: 'layer', type: 'nominal', legend: { title: null, orient: 'bottom-right' } },
        tooltip: tip([['point', 'front point'], ['x', xs.title, '.4g'], ['count', yTitle], ['layer', 'layer', 'n']]) } },
  ]) });
  const out = [mk('layer-nonzeros', 'Non-zero weights per layer along the path', nz, 'non-zero weights (count)')];
  if (live.length) out.push(mk('layer-live', 'Live neurons per hidden layer along the path', live, 'live neurons (count)'));
  return out;
}

/** glmnet's plot(fit): each coefficient of a linear model against l1, labelled by feature (and class). */
export function coefficientChart(run: PathRun): Chart | null {
  const layers = run.summary.model?.layers ?? [];
  if (layers.length !== 2 || run.networks.every((n) => !n)) return null;
  const names = run.summary.dataset?.featureNames ?? [];
  const classes = run.summary.dataset?.classNames ?? [];
  const xs = xOf(run);
  const rows: Array<Record<string, unknown>> = [];
  const peak = new Map<string, number>();
  run.summary.points.forEach((p, i) => {
    const net = run.networks[i];
    if (!net) return;
    const k = net[0]!;
    for (let f = 0; f < k.inputs; f++) {
      for (let c = 0; c < k.outputs; c++) {
        const w = k.kernel[f * k.outputs + c]!;
        const name = (names[f] ?? `feature ${f}`) + (k.outputs > 1 ? ` → ${classes[c] ?? `class ${c}`}` : '');
        rows.push({ x: p[xs.field] ?? p.l1, coef: w, coefficient: name, point: i });
        peak.set(name, Math.max(peak.get(name) ?? 0, Math.abs(w)));
      }
    }
  });
  // a readable chart: at most 30 lines, the largest coefficients
  const keep = new Set([...peak.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30).map(([n]) => n));
  const shown = rows.filter((r) => keep.has(r.coefficient as string));
  const xMax = Math.max(...shown.map((r) => r.x as number));
  const ends = shown.filter((r) => r.x === xMax);
  const X = q('x', xs.title, fixedScale([0, ...shown.map((r) => r.x as number)], true));
  const Y = q('coef', 'coefficient (standardised features)', fixedScale([0, ...shown.map((r) => r.coef as number)], true));
  const title = 'Coefficient paths';
  const color = { field: 'coefficient', type: 'nominal', legend: keep.size <= 15 ? { title: 'coefficient', orient: 'left', labelLimit: 160 } : null };
  return { id: 'coefficients', title, role: 'front', marker: { x: 'x', y: null }, note: keep.size < peak.size ? `The ${keep.size} largest of ${peak.size} coefficients.` : 'Each coefficient against the l1 norm, as glmnet\'s plot(fit).',
    spec: base(title, [
      { data: { values: shown }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x: X, y: Y, color, order: { field: 'x' }, tooltip: tip([['coefficient', 'coefficient', 'n'], ['coef', 'value', '.4g'], ['x', xs.title, '.4g']]) } },
      { data: { values: ends }, mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { x: X, y: Y, text: { field: 'coefficient' }, color } },
    ]) };
}

/** LassoNet's question: which inputs feed the network at each point, as spans over l1 (one row per feature, ordered by where it enters). */
export function featureChart(run: PathRun): Chart | null {
  const nets = run.networks;
  if (nets.every((n) => !n)) return null;
  const names = run.summary.dataset?.featureNames ?? [];
  const xs = xOf(run);
  const pts = run.summary.points.map((p, i) => ({ x: (p[xs.field] ?? p.l1) as number, alive: nets[i] ? liveInputs(nets[i]![0]!) : null }));
  const features = pts.find((p) => p.alive)!.alive!.length;
  const spans: Array<Record<string, unknown>> = [];
  const enters = new Array<number>(features).fill(Infinity);
  for (let f = 0; f < features; f++) {
    let start: number | null = null;
    for (let i = 0; i < pts.length; i++) {
      const on = pts[i]!.alive?.[f] ?? false;
      const mid = (a: number, b: number): number => (a + b) / 2;
      if (on && start === null) start = i === 0 ? pts[0]!.x : mid(pts[i - 1]!.x, pts[i]!.x);
      if ((!on || i === pts.length - 1) && start !== null) {
        const end = on ? pts[i]!.x : mid(pts[i - 1]!.x, pts[i]!.x);
        spans.push({ feature: names[f] ?? `feature ${f}`, x: start, x2: end });
        enters[f] = Math.min(enters[f]!, start);
        start = null;
      }
    }
  }
  if (!spans.length) return null;
  const order = [...Array(features).keys()].filter((f) => enters[f]! < Infinity).sort((a, b) => enters[a]! - enters[b]! || a - b).map((f) => names[f] ?? `feature ${f}`);
  const many = order.length > 40;
  const fx = q('x', xs.title, fixedScale([0, ...pts.map((p) => p.x)], true));
  const title = 'Inputs that feed the network along the path';
  return { id: 'features', title, role: 'front', marker: { x: 'x', y: null }, note: `${order.length} of ${features} inputs have a non-zero first-layer weight somewhere on the path; bars show where. Inputs listed by where they enter (sparsest first).`,
    spec: { ...base(title, [
      { data: { values: spans }, mark: { type: 'bar', height: many ? { band: 1 } : 10, color: '#1f77b4' },
        encoding: { x: fx, x2: { field: 'x2' },
          y: { field: 'feature', type: 'ordinal', sort: order, title: many ? `input (${order.length}, in order of entry)` : 'input feature', axis: many ? { labels: false, ticks: false } : { labelLimit: 180 } },
          tooltip: tip([['feature', 'input', 'n'], ['x', 'from', '.4g'], ['x2', 'to', '.4g']]) } },
    ]), height: many ? 320 : Math.max(80, 16 * order.length) } };
}

/** plot(cv.glmnet): validation loss with ±1 SE bars, the min and 1-SE points as vertical lines. */
export function cvChart(run: PathRun): Chart | null {
  const s = run.summary.selection;
  if (!s?.points?.length) return null;
  const rows = s.points.map((p) => ({ point: p.point, l1: p.l1, loss: p.validationLoss ?? null, lo: (p.validationLoss ?? 0) - (p.validationLossSE ?? 0), hi: (p.validationLoss ?? 0) + (p.validationLossSE ?? 0), nonzeros: p.nonzeros ?? null }))
    .filter((r) => r.loss !== null);
  const rules = [s.min && { l1: s.min.l1, label: `min (point ${s.min.point})` }, s['1se'] && { l1: s['1se'].l1, label: `1-SE (point ${s['1se'].point})` }].filter(Boolean);
  const X = q('l1', 'l1 norm of the weights ‖θ‖₁', scaleFor(rows.map((r) => r.l1), true));
  const Y = q('loss', `validation ${lossTitle(run)}`, { ...scaleFor(rows.flatMap((r) => [r.lo, r.hi])), padding: 6 });
  const what = s.kind === 'cross-validation' ? `${s.folds}-fold cross-validation` : 'validation part';
  const title = `Model selection: ${what}`;
  return { id: 'cv', title, note: `Mean validation loss ± 1 standard error (over ${s.standardError ?? 'folds'}); dashed lines at the minimum and at the sparsest point within 1 SE of it.`,
    spec: base(title, [
      { data: { values: rows }, mark: { type: 'rule', color: '#888' }, encoding: { x: X, y: { ...Y, field: 'lo' }, y2: { field: 'hi' } } },
      { name: 'cv_points', data: { values: rows }, mark: { type: 'point', filled: true, color: '#d62728', size: 30 }, encoding: { x: X, y: Y, tooltip: tip([['point', 'front point'], ['l1', 'l1', '.4g'], ['loss', 'validation loss', '.4g'], ['nonzeros', 'non-zeros']]) } },
      { data: { values: rules }, mark: { type: 'rule', strokeDash: [6, 4], color: '#333' }, encoding: { x: { field: 'l1', type: 'quantitative' } } },
      { data: { values: rules }, mark: { type: 'text', angle: 270, align: 'right', baseline: 'bottom', dx: -4, y: 0, fontSize: 11 }, encoding: { x: { field: 'l1', type: 'quantitative' }, text: { field: 'label' } } },
    ]) };
}

/** Every method's front overlaid (train and test loss), with the common normalisation. */
export function compareCharts(run: CompareRun): Chart[] {
  const rows: Array<Record<string, unknown>> = [];
  run.runs.forEach((r, m) => {
    if (!r) return;
    r.summary.points.forEach((p, i) => {
      rows.push({ method: run.compare.rows[m]!.method, point: i, l1: p.l1, loss: p.trainLoss, set: 'train' });
      if (p.testLoss !== undefined) rows.push({ method: run.compare.rows[m]!.method, point: i, l1: p.l1, loss: p.testLoss, set: 'test' });
    });
  });
  if (!rows.length) return [];
  const first = run.runs.find((r) => r) ?? null;
  const X = q('l1', 'l1 norm of the weights ‖θ‖₁', scaleFor(rows.map((r) => r.l1 as number), true));
  const Y = q('loss', lossTitle(first, run.compare.dataset?.task), scaleFor(rows.map((r) => r.loss as number)));
  const mk = (set: string): Chart => {
    const title = `Fronts of every method: ${set} loss against l1`;
    return { id: `compare-${set}`, title, role: 'front', spec: base(title, [
      { data: { name: 'rows' }, transform: [{ filter: { field: 'set', equal: set } }], mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x: X, y: Y, color: { field: 'method', type: 'nominal', legend: { title: 'method', orient: 'right' } }, order: { field: 'l1' } } },
      { name: 'front_points', data: { name: 'rows' }, transform: [{ filter: { field: 'set', equal: set } }], mark: { type: 'point', filled: true, size: 30 },
        encoding: { x: X, y: Y, color: { field: 'method', type: 'nominal' }, shape: { field: 'method', type: 'nominal' }, tooltip: tip([['method', 'method', 'n'], ['point', 'front point'], ['l1', 'l1', '.4g'], ['loss', 'loss', '.4g']]) } },
    ], { rows }) };
  };
  return rows.some((r) => r.set === 'test') ? [mk('train'), mk('test')] : [mk('train')];
}

export function ensembleCharts(run: EnsembleRun): Chart[] {
  const out: Chart[] = [];
  const pi = run.histograms.filter((h) => h.quantity === 'pi').flatMap((h) => h.counts.map((c, i) => ({ layer: `layer ${h.layer + 1}`, lo: h.edges[i]!, hi: h.edges[i + 1]!, count: c })));
  if (pi.length) {
    const title = 'Inclusion probabilities π per layer';
    out.push({ id: 'pi', title, note: 'Histogram of π over each layer\'s connections; the count axis is symlog, as most connections sit at 0 or 1.', spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, data: { values: pi }, width: 300, height: 200,
      facet: { field: 'layer', type: 'nominal', title: null }, columns: 3,
      spec: { mark: { type: 'bar', color: '#1f77b4' }, encoding: { x: q('lo', 'π (inclusion probability)', { domain: [0, 1] }), x2: { field: 'hi' }, y: q('count', 'connections (count, symlog scale)', { type: 'symlog', zero: true }), y2: { datum: 0 }, tooltip: tip([['lo', 'from', '.3f'], ['hi', 'to', '.3f'], ['count', 'connections']]) } },
    } });
  }
  const cats = (run.summary.categories ?? []).flatMap((c) => ([['very important', c.importantFraction], ['variable', c.variableFraction], ['unimportant', c.unimportantFraction]] as const)
    .map(([category, share]) => ({ layer: `layer ${(c.layer ?? 0) + 1} (${c.connections} connections)`, category, share })));
  if (cats.length) {
    const title = 'Connection categories per layer';
    out.push({ id: 'categories', title, spec: base(title, [{ data: { values: cats }, mark: 'bar', encoding: {
      y: { field: 'layer', type: 'nominal', title: null, axis: { labelLimit: 220 } }, x: q('share', 'share of the layer\'s connections', { domain: [0, 1] }, { axis: pct, stack: 'zero' }),
      color: { field: 'category', type: 'nominal', scale: { domain: ['very important', 'variable', 'unimportant'], range: ['#2ca02c', '#ffbf00', '#9e9e9e'] }, legend: { title: 'category', orient: 'bottom' } },
      tooltip: tip([['layer', 'layer', 'n'], ['category', 'category', 'n'], ['share', 'share', '.1%']]) } }]) });
  }
  const pr = run.perturb.flatMap((r) => ([['important removed', 'important'], ['as many variable removed', 'variable'], ['unimportant replaced by N(0,1)', 'unimportant']] as const)
    .filter(([, k]) => typeof r[`${k}Accuracy`] === 'number')
    .map(([name, k]) => ({ fraction: r.fraction, perturbation: name, accuracy: r[`${k}Accuracy`], lo: r[`${k}Accuracy`]! - (r[`${k}Std`] ?? 0), hi: r[`${k}Accuracy`]! + (r[`${k}Std`] ?? 0) })));
  if (pr.length) {
    const title = 'Perturbations of the first layer';
    const X = q('fraction', 'fraction of the category perturbed', { domain: [0, 1] }, { axis: pct });
    out.push({ id: 'perturb', title, note: 'Accuracy of sampled subnetworks (mean ± 1 std).', spec: base(title, [
      { data: { values: pr }, mark: { type: 'area', opacity: 0.15, clip: true }, encoding: { x: X, y: { field: 'lo', type: 'quantitative', scale: { domain: [0, 1] } }, y2: { field: 'hi' }, color: { field: 'perturbation', type: 'nominal' } } },
      { data: { values: pr }, mark: { type: 'line', point: true }, encoding: { x: X, y: q('accuracy', 'accuracy', { domain: [0, 1] }, { axis: pct }), color: { field: 'perturbation', type: 'nominal', legend: { title: null, orient: 'bottom-left' } },
        tooltip: tip([['perturbation', 'perturbation', 'n'], ['fraction', 'fraction', '.0%'], ['accuracy', 'accuracy', '.1%']]) } },
    ]) });
  }
  return out;
}

export function creditChart(run: CreditRun): Chart | null {
  const measures = [['precision', 'precision (zeros that are unimportant)'], ['recall', 'recall (unimportant set zeroed)'], ['zeroRate', 'zero rate'], ['removedImportant', 'very important zeroed'], ['gini', 'Gini of credit'], ['giniNonzero', 'Gini among non-zeros']] as const;
  const rows = run.credit.points.flatMap((p) => measures.filter(([k]) => typeof p[k] === 'number').map(([k, name]) => ({ l1: p.l1, nonzeros: p.nonzeros, measure: name, value: p[k] })));
  if (!rows.length) return null;
  const title = 'Credit along the path';
  return { id: 'credit', title, spec: base(title, [{ data: { values: rows }, mark: { type: 'line', point: true }, encoding: {
    x: q('l1', 'l1 norm of the weights ‖θ‖₁', scaleFor(rows.map((r) => r.l1 as number), true)), y: q('value', 'share / Gini', { domain: [0, 1] }),
    color: { field: 'measure', type: 'nominal', legend: { title: null, orient: 'right', labelLimit: 260 } },
    tooltip: tip([['measure', 'measure', 'n'], ['l1', 'l1', '.4g'], ['nonzeros', 'non-zeros'], ['value', 'value', '.3f']]) } }]) };
}

export function widthsChart(run: TableRun): Chart | null {
  const rows = (run.summary.rows as Array<Record<string, number>>).map((r) => ({ width: r.width, objective: r.objective, testAccuracy: r.testAccuracy }));
  const plateau = run.summary.plateauWidth;
  const title = 'Objective against width';
  const X = q('width', 'hidden width (units per layer, log₂ scale)', { type: 'log', base: 2 }, { axis: { values: rows.map((r) => r.width) } });
  return { id: 'widths', title, note: typeof plateau === 'number' ? `The plateau starts at width ${plateau} (dashed).` : undefined, spec: base(title, [
    { data: { values: rows }, mark: { type: 'line', point: true }, encoding: { x: X, y: q('objective', 'final objective J = CE + λ‖W‖²', scaleFor(rows.map((r) => r.objective))), tooltip: tip([['width', 'width'], ['objective', 'objective', '.4g'], ['testAccuracy', 'test accuracy', '.1%']]) } },
    ...(typeof plateau === 'number' ? [{ data: { values: [{ width: plateau, label: `plateau from width ${plateau}` }] }, layer: [
      { mark: { type: 'rule', strokeDash: [6, 4], color: '#d62728' }, encoding: { x: { field: 'width', type: 'quantitative' } } },
      { mark: { type: 'text', align: 'left', dx: 4, y: 8, color: '#d62728' }, encoding: { x: { field: 'width', type: 'quantitative' }, text: { field: 'label' } } },
    ] }] : []),
  ]) };
}

export function l1VsL2Chart(run: TableRun): Chart | null {
  type Side = { testAccuracy?: number; nonzeros?: number } | null;
  const rows = (run.summary.rows as Array<{ fraction: number; target: number; l1: Side; l2: Side }>).flatMap((r) => (['l1', 'l2'] as const)
    .filter((k) => r[k] && typeof r[k]!.testAccuracy === 'number').map((k) => ({ budget: r.fraction, target: r.target, penalty: k === 'l1' ? 'l1 path' : 'l2 path, magnitude-pruned', accuracy: r[k]!.testAccuracy, nonzeros: r[k]!.nonzeros })));
  if (!rows.length) return null;
  const title = 'l1 against l2 per budget of non-zero weights';
  return { id: 'l1-vs-l2', title, spec: base(title, [{ data: { values: rows }, mark: { type: 'line', point: true }, encoding: {
    x: q('budget', 'budget: share of the weights left non-zero (log scale)', { type: 'log' }, { axis: { format: '.3~%', values: [...new Set(rows.map((r) => r.budget))] } }), y: q('accuracy', 'test accuracy', { zero: false }, { axis: pct }),
    color: { field: 'penalty', type: 'nominal', legend: { title: null, orient: 'bottom-right' } },
    tooltip: tip([['penalty', 'path', 'n'], ['budget', 'budget', '.1%'], ['nonzeros', 'non-zeros'], ['accuracy', 'test accuracy', '.1%']]) } }]) };
}

/** Point records as numbers for the explorer table. */
export function pointNumbers(p: PointRecord): Record<string, number | null> {
  return { l1: p.l1, lambda: p.lambda ?? null, nonzeros: p.nonzeros ?? null, trainLoss: p.trainLoss, testLoss: p.testLoss ?? null,
    trainAccuracy: p.trainAccuracy ?? null, testAccuracy: p.testAccuracy ?? null, validationLoss: p.validationLoss ?? null, validationAccuracy: p.validationAccuracy ?? null, l2squared: p.l2squared ?? null };
}
