/**
 * The front as a standalone figure for a paper: the report's front chart rendered headless by
 * Vega to SVG, and for PNG rasterised by resvg (twice the chart's pixel size, system fonts).
 */
import * as vega from 'vega';
import { fail } from '../errors.js';
import { loadRun } from './load.js';
import { compareCharts, frontChart } from './charts.js';
import { toVega } from './build.js';

export type FigureFormat = 'svg' | 'png';

export async function frontFigure(dir: string, format: FigureFormat): Promise<string | Uint8Array> {
  const run = loadRun(dir);
  const chart = run.kind === 'path' ? frontChart(run, 'x') : run.kind === 'compare' ? compareCharts(run)[0] : undefined;
  if (!chart) fail('BAD_RUN', `--format ${format} draws the front of a path or compare run; ${dir} is a ${run.kind} run`);
  const view = new vega.View(vega.parse(toVega({ ...chart.spec, background: 'white' }) as vega.Spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  if (format === 'svg') return svg;
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}
