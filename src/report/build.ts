/**
 * From run folders to the report page: each run kind's header, charts (Vega-Lite compiled to
 * Vega here, so the page carries Vega alone), tables and, for paths, the front explorer.
 */
import * as path from 'node:path';
import { compile } from 'vega-lite';
import { writeFileAtomic } from '../io/atomic.js';
import { formatSummary } from '../cli/report.js';
import { formatSelection } from '../cli/select-command.js';
import { formatComparison } from '../cli/compare-command.js';
import { formatWidths } from '../cli/widths-command.js';
import { formatL1VsL2 } from '../cli/l1-vs-l2-command.js';
import { formatEnsembleSummary } from '../cli/ensemble-command.js';
import { formatPerturbTable } from '../ensemble/perturb.js';
import { loadRun, type LoadedRun, type PathRun, type DatasetRecord } from './load.js';
import * as charts from './charts.js';
import { explorerData } from './explorer.js';
import { renderPage, type PageRun } from './html.js';

export const REPORT_FILE = 'report.html';

/** The report of one or more run folders, as one HTML string. */
export function buildReport(dirs: string[], now: Date = new Date()): string {
  const runs = dirs.map((d, i) => pageRun(loadRun(d), `run${i}`));
  const title = dirs.length === 1 ? `regpath report: ${runs[0]!.title}` : `regpath report: ${dirs.length} runs`;
  return renderPage(title, runs, now.toISOString().replace('T', ' ').slice(0, 19) + ' UTC');
}

/** Writes <dir>/report.html (atomically: a reader never sees half a page). Returns its path. */
export function writeRunReport(dir: string): string {
  const file = path.join(dir, REPORT_FILE);
  writeFileAtomic(file, buildReport([dir]));
  return file;
}

/** Compiles a Vega-Lite spec to Vega (done here so that the page needs no Vega-Lite). */
export function toVega(spec: charts.Spec): unknown {
  return compile(spec as unknown as Parameters<typeof compile>[0], { logger: quietLogger }).spec;
}

/** Vega-Lite's warnings about a spec (a bug in charts.ts, not the user's concern): kept for the tests, not printed. */
export const compileWarnings: string[] = [];
const quietLogger = {
  level(): number { return 0; },
  error(...a: unknown[]) { compileWarnings.push(a.join(' ')); return this; },
  warn(...a: unknown[]) { compileWarnings.push(a.join(' ')); return this; },
  info() { return this; },
  debug() { return this; },
} as unknown as NonNullable<Parameters<typeof compile>[1]>['logger'];

function pageRun(run: LoadedRun, id: string): PageRun {
  const page: PageRun = { id, title: `${run.kind} run ${path.basename(path.resolve(run.dir))}`, facts: [['folder', path.resolve(run.dir)]], terminal: null, charts: [], tables: [], explorer: null, notes: [] };
  const add = (c: charts.Chart | null): void => {
    if (c) page.charts.push({ id: c.id, title: c.title, ...(c.note && { note: c.note }), ...(c.role && { role: c.role }), ...(c.marker && { marker: c.marker }), spec: toVega(c.spec) });
  };
  const terminal = (f: () => string): void => {
    try {
      page.terminal = f().replace(/^\n+/, '');
    } catch {
      page.notes.push('(The terminal summary could not be rebuilt from this run\'s files: they are from an older format.)');
    }
  };
  const settingsFacts = (options: unknown): void => {
    if (options && typeof options === 'object') {
      const set = Object.entries(options as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
      page.facts.push(['settings', set.join(' · ')]);
    }
  };
  switch (run.kind) {
    case 'path': {
      const s = run.summary;
      pathFacts(page, run);
      settingsFacts(run.settings?.options);
      terminal(() => formatSummary({ ...s, out: run.dir } as unknown as Parameters<typeof formatSummary>[0]) + formatSelection(s.selection as Parameters<typeof formatSelection>[0]));
      add(charts.frontChart(run, 'x'));
      if (s.points.some((p) => p.nonzeros !== undefined)) add(charts.frontChart(run, 'nonzeros'));
      add(charts.accuracyChart(run));
      add(charts.cvChart(run));
      add(charts.coefficientChart(run));
      for (const c of charts.layerCharts(run)) add(c);
      add(charts.featureChart(run));
      page.explorer = s.points.length ? explorerData(run) : null;
      if (s.status === 'running') page.notes.push('This run is still going: reload the page for the points computed since.');
      break;
    }
    case 'compare': {
      const c = run.compare;
      page.facts.push(['data', dataFact(c.dataset)], ['model', `layers ${(c.model?.layers ?? []).join('-')} ${c.model?.activation ?? ''}`], ['seed', String(c.seed ?? '')]);
      page.facts.push(['normalisation', `loss/${c.nullLoss?.toPrecision(4)}, l1/${c.l1Ref?.toPrecision(4)}; hypervolume reference point (1.1, 1.1)`]);
      terminal(() => formatComparison({ ...c, out: run.dir } as unknown as Parameters<typeof formatComparison>[0]));
      for (const ch of charts.compareCharts(run)) add(ch);
      const f = (x: number | null, d: number): string => (x === null || x === undefined ? '' : x.toFixed(d));
      page.tables.push({ title: 'Metrics', head: ['method', 'points', 'HV train', 'HV test', 'largest gap', 'best test acc (oracle: max over the front)', 'seconds'],
        rows: c.rows.map((r) => [r.method, String(r.points), f(r.hypervolumeTrain, 4), f(r.hypervolumeTest, 4), f(r.largestGap, 4), r.bestTestAccuracy === null ? '' : `${(100 * r.bestTestAccuracy).toFixed(1)}%`, f(r.seconds, 1)]) });
      break;
    }
    case 'ensemble': {
      const s = run.summary as Record<string, unknown> & { dataset?: DatasetRecord; model?: { layers?: number[] }; seconds?: number; epochs?: number };
      page.facts.push(['data', dataFact(s.dataset)], ['model', `layers ${(s.model?.layers ?? []).join('-')}`], ['time', `${s.epochs ?? '?'} epochs in ${Number(s.seconds ?? 0).toFixed(1)} s`]);
      settingsFacts(run.settings?.options);
      terminal(() => formatEnsembleSummary(s as unknown as Parameters<typeof formatEnsembleSummary>[0]) + (run.perturb.length ? '\n' + formatPerturbTable(run.perturb as unknown as Parameters<typeof formatPerturbTable>[0]) : ''));
      for (const ch of charts.ensembleCharts(run)) add(ch);
      break;
    }
    case 'credit': {
      const c = run.credit as Record<string, unknown>;
      page.facts.push(['runs', `path ${String(c.path ?? '')}, ensemble ${String(c.ensemble ?? '')}`], ['layers', (c.layers as number[] | undefined)?.join('-') ?? '']);
      page.terminal = run.text;
      add(charts.creditChart(run));
      break;
    }
    case 'widths': {
      const s = run.summary as Record<string, unknown>;
      page.facts.push(['data', `${String(s.data ?? '')}: ${String(s.trainRows ?? '')} training rows, ${String(s.testRows ?? '')} test rows`], ['time', `${Number(s.seconds ?? 0).toFixed(0)} s`]);
      settingsFacts(s.options);
      terminal(() => formatWidths(s as unknown as Parameters<typeof formatWidths>[0], s.options as Parameters<typeof formatWidths>[1], run.dir));
      add(charts.widthsChart(run));
      break;
    }
    case 'l1-vs-l2': {
      const s = run.summary as Record<string, unknown>;
      page.facts.push(['model', `layers ${((s.layers as number[]) ?? []).join('-')} ReLU, ${String(s.weights ?? '')} weights`], ['time', `${Number(s.seconds ?? 0).toFixed(0)} s`]);
      settingsFacts(s.options);
      terminal(() => formatL1VsL2(s as unknown as Parameters<typeof formatL1VsL2>[0], run.dir));
      add(charts.l1VsL2Chart(run));
      break;
    }
  }
  return page;
}

function dataFact(d: DatasetRecord | undefined): string {
  if (!d) return 'unknown';
  const task = d.task === 'regression' ? 'regression' : `classification, ${d.classes ?? '?'} classes`;
  return `${d.name ?? '?'} (${task}; ${d.features ?? '?'} features; ${d.train ?? '?'} train / ${d.test ?? 0} test rows${d.target ? `; target ${d.target}` : ''})`;
}

function pathFacts(page: PageRun, run: PathRun): void {
  const s = run.summary, m = s.metrics ?? {};
  page.facts.push(['data', dataFact(s.dataset)]);
  const names = s.dataset?.featureNames ?? [];
  if (names.length && !/^pixel\d+$/.test(names[0]!)) page.facts.push(['features', names.length > 40 ? `${names.slice(0, 40).join(', ')}, … (${names.length})` : names.join(', ')]);
  page.facts.push(['model', `layers ${(s.model?.layers ?? []).join('-')} ${(s.model?.layers?.length ?? 0) === 2 ? '(linear model)' : s.model?.activation ?? ''}; ` +
    `loss ${s.objective?.loss ?? '?'}, penalty ${s.objective?.penalty ?? 'l1'}${s.objective?.penalizeBias ? ' (biases too)' : ''}`]);
  page.facts.push(['method', `${s.method ?? '?'}, seed ${s.seed ?? '?'}`]);
  page.facts.push(['time', `${(s.seconds ?? 0).toFixed(1)} s, ${s.points.length} front points of ${run.raw.length} computed, status ${s.status ?? 'complete'}`]);
  if (typeof m.hypervolumeTrain === 'number') {
    page.facts.push(['hypervolume', `train ${m.hypervolumeTrain.toFixed(4)}${typeof m.hypervolumeTest === 'number' ? `, test ${m.hypervolumeTest.toFixed(4)}` : ''} (loss/${Number(m.nullLoss).toPrecision(4)}, l1/${Number(m.l1Ref ?? m.l2Ref).toPrecision(4)}, reference point 1.1, 1.1)`]);
  }
  const b = m.bestTestAccuracy;
  if (b) {
    const point = b.point ?? s.points.findIndex((p) => p.index === b.index);
    page.facts.push(['best test accuracy (oracle)', `${(100 * b.accuracy).toFixed(1)}% at front point ${point} (l1 ${b.l1.toPrecision(4)}, ${b.nonzeros} non-zeros): the maximum over the front, chosen by looking at the test set`]);
  }
  for (const sel of charts.selectedPoints(run)) {
    const p = s.points[sel.point]!;
    page.facts.push([sel.label, `front point ${sel.point} (l1 ${p.l1.toPrecision(4)}, ${p.nonzeros ?? '?'} non-zeros${p.testAccuracy !== undefined ? `, test accuracy ${(100 * p.testAccuracy).toFixed(1)}%` : ''})`]);
  }
}
