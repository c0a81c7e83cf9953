/**
 * The report page: one self-contained HTML file (Vega's script, the styles, the data and the
 * explorer all inline), so it opens from disk with no network. Every string from data goes
 * through `esc` (HTML) or `jsonForScript` (inside the JSON script tag).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLIENT_SCRIPT } from './client.js';
import type { ExplorerData } from './explorer.js';
import type { Marker } from './charts.js';

export interface PageChart { id: string; title: string; note?: string; role?: 'front'; marker?: Marker; spec: unknown }
export interface PageTable { title: string; head: string[]; rows: string[][] }
export interface PageRun {
  id: string;
  title: string;
  /** Label → value lines of the header (data, model, settings, timing). */
  facts: Array<[string, string]>;
  /** What the terminal printed at the end of the run. */
  terminal: string | null;
  charts: PageChart[];
  tables: PageTable[];
  explorer: ExplorerData | null;
  notes: string[];
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that cannot end its <script> element or start a comment: <, > and & as \u escapes (and the JS line separators). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

let vegaSource: string | null = null;
/** Vega's browser build from node_modules (its package exports only the module entry, so go from there). */
function vegaScript(): string {
  if (vegaSource === null) {
    const dir = path.dirname(fileURLToPath(import.meta.resolve('vega')));
    vegaSource = fs.readFileSync(path.join(dir, 'vega.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return vegaSource;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 0 auto; max-width: 1500px; padding: 0 20px 40px; color: #222; }
h1 { font-size: 22px; margin: 18px 0 4px; } h2 { font-size: 18px; margin: 26px 0 6px; border-bottom: 1px solid #ddd; }
h3 { font-size: 15px; margin: 0 0 4px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
.facts dt { color: #666; } .facts dd { margin: 0; }
pre.terminal { background: #f6f6f6; border: 1px solid #e2e2e2; padding: 8px 10px; overflow-x: auto; font-size: 12px; max-height: 340px; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; }
.chart { border: 1px solid #eee; padding: 6px; } .chart > div { position: relative; } svg.ex-marker { position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible; } .chart p.note { max-width: 560px; color: #555; font-size: 12px; margin: 2px 0 0; }
table.metrics { border-collapse: collapse; margin: 6px 0; } table.metrics th, table.metrics td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
table.metrics th:first-child, table.metrics td:first-child { text-align: left; }
.explorer { border: 2px solid #d62728; border-radius: 6px; padding: 10px; margin: 10px 0; outline: none; }
.explorer .row { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
.explorer input[type=range] { width: min(900px, 90%); }
.ex-numbers th { text-align: left; font-weight: normal; color: #666; padding-right: 12px; } .ex-numbers td { font-variant-numeric: tabular-nums; }
.ex-images canvas { width: 56px; height: 56px; image-rendering: pixelated; border: 1px solid #ccc; margin: 2px; }
.ex-images { max-width: 640px; } .ex-images canvas.ex-mask { border: 2px solid #333; }
.small { color: #555; font-size: 12px; }
`;

export function renderPage(title: string, runs: PageRun[], generated: string): string {
  const body = runs.map(renderRun).join('\n');
  const data = { runs: runs.map((r) => ({ id: r.id, charts: r.charts.map((c) => ({ id: c.id, role: c.role ?? null, marker: c.marker ?? null, spec: c.spec })), explorer: r.explorer })) };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="small">Written by regpath ${esc(generated)}. Everything in this file is inline: it needs no network. Hover a mark for its numbers.</p>
${body}
<script type="application/json" id="regpath-data">${jsonForScript(data)}</script>
<script>${vegaScript()}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

function renderRun(r: PageRun): string {
  const facts = r.facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('');
  const explorer = r.explorer ? renderExplorer(r.id) : '';
  const charts = r.charts.map((c) => `<div class="chart"><div id="${esc(`${r.id}-${c.id}`)}"></div>${c.note ? `<p class="note">${esc(c.note)}</p>` : ''}</div>`).join('\n');
  const tables = r.tables.map((t) => `<h3>${esc(t.title)}</h3><table class="metrics"><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
    t.rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('') + '</tbody></table>').join('\n');
  return `<section class="run" id="${esc(r.id)}">
<h2>${esc(r.title)}</h2>
<dl class="facts">${facts}</dl>
${r.notes.map((n) => `<p class="small">${esc(n)}</p>`).join('')}
${explorer}
<div class="charts">${charts}</div>
${tables}
${r.terminal ? `<h3>What the terminal printed</h3><pre class="terminal">${esc(r.terminal)}</pre>` : ''}
</section>`;
}

function renderExplorer(id: string): string {
  return `<div class="explorer" id="${esc(id)}-explorer" tabindex="0">
<h3>Front explorer</h3>
<p class="small">Move along the front with the slider, the arrow keys, or a click on a point of the front charts.</p>
<input type="range" step="1" aria-label="front point">
<div class="ex-label"></div>
<div class="row">
<table class="ex-numbers"></table>
<div><canvas class="ex-network" width="560" height="300"></canvas><div class="ex-network-note small"></div></div>
<div><div class="ex-images"></div><div class="ex-images-note small"></div></div>
</div>
</div>`;
}
