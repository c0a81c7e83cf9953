import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrontMeasures } from './measure.js';

export interface MethodResult extends FrontMeasures {
  /** Wall seconds of the child; the median over `runs` runs when the problem is short. */
  seconds: number | null;
  /** How many runs `seconds` is the median of (absent: one), and their range. */
  runs?: number;
  secondsRange?: [number, number];
  peakRssMiB: number | null;
  /** Stopped at the suite's time limit (its points so far are measured). */
  stopped: boolean;
  note?: string;
  lasso?: { worstExcessPercent: number; coveragePercent: number };
  /** With `--seeds N`: the measures of seeds 1..N (seed 1 is the front above; null: a run that failed or was stopped). */
  seedSpread?: SeedSpread;
}

export interface SeedSpread {
  seeds: number;
  hypervolumeTrain: (number | null)[];
  bestTestAccuracy: (number | null)[];
}

/** Mean, least and largest of one measure over the seeds that gave a value, and how many did. */
export function summarizeSeeds(values: (number | null)[]): { mean: number; min: number; max: number; ran: number } {
  const v = values.filter((x): x is number => x !== null);
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, min: Math.min(...v), max: Math.max(...v), ran: v.length };
}

/** bench/results/suite/<problem>.json (format regpath.bench-suite/1). */
export interface ProblemResult {
  format: 'regpath.bench-suite/1';
  problem: string;
  title: string;
  date: string;
  l1Ref: number;
  l1RefNote: string;
  nullLoss: number;
  trainRows: number;
  testRows: number;
  methods: Record<string, MethodResult>;
  exactEnd?: { lambda: number; l1: number; loss: number };
  torch?: { version: string; blas: string };
}

const BEGIN = '<!-- suite table: written by `npm run bench -- --suite` -->';
const END = '<!-- end of suite table -->';

/** The markdown table of every saved problem, in suite order. */
export function suiteTable(dir: string, order: string[]): string {
  const rows: string[] = [
    '| problem | l1_ref | method | HV train | points | largest gap | best test acc (oracle) | seconds | peak RSS MiB | lasso: worst excess / coverage |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  const notes: string[] = [];
  for (const name of order) {
    const file = join(dir, `${name}.json`);
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8')) as ProblemResult;
    for (const [method, m] of Object.entries(r.methods)) {
      rows.push([
        `${r.title} (${r.date.slice(0, 10)})`, fmt(r.l1Ref, 1), method + (m.stopped ? ' (stopped)' : ''),
        m.hypervolumeTrain.toFixed(4), String(m.points), m.largestGap.toFixed(3),
        m.bestTestAccuracy === null ? '—' : `${(100 * m.bestTestAccuracy).toFixed(1)} %`,
        secondsCell(m), m.peakRssMiB === null ? '—' : m.peakRssMiB.toFixed(0),
        m.lasso ? `${m.lasso.worstExcessPercent.toFixed(3)} % / ${m.lasso.coveragePercent.toFixed(1)} %` : '—',
      ].map((c) => ` ${c} `).join('|').replace(/^/, '|').replace(/$/, '|'));
      if (m.note) notes.push(`${r.problem} ${method}: ${m.note}`);
      if (m.seedSpread) notes.push(`${r.problem} ${method}: ${seedsNote(m.seedSpread)}`);
    }
    if (r.torch && r.methods.torch) notes.push(`${r.problem}: PyTorch ${r.torch.version}, ${r.torch.blas}`);
  }
  return rows.join('\n') + (notes.length ? '\n\n' + notes.map((n) => `- ${n}`).join('\n') : '') + '\n';
}

/** Puts the table between the markers in docs/performance.md (appending a section the first time). */
export function writeSuiteTable(docs: string, dir: string, order: string[]): void {
  const text = readFileSync(docs, 'utf8');
  const block = `${BEGIN}\n\n${suiteTable(dir, order)}\n${END}`;
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  const next = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length) : `${text.trimEnd()}\n\n## Benchmark suite\n\n${block}\n`;
  writeFileSync(docs, next);
}

/** The note on a method's seeds: train HV mean and range, and each seed's value. */
function seedsNote(s: SeedSpread): string {
  const sum = summarizeSeeds(s.hypervolumeTrain);
  const each = s.hypervolumeTrain.map((x) => (x === null ? 'no complete front' : x.toFixed(4))).join(' / ');
  const acc = summarizeSeeds(s.bestTestAccuracy);
  const accText = acc.ran ? `; best test accuracy mean ${(100 * acc.mean).toFixed(1)} %` : '';
  return `train HV over seeds 1–${s.seeds}: mean ${sum.mean.toFixed(4)}, ${sum.min.toFixed(4)}–${sum.max.toFixed(4)} (${each})${accText}`;
}

/** Seconds; a median of several runs gets two decimals and its run count (short runs, where 0.1 s decides). */
function secondsCell(m: MethodResult): string {
  if (m.seconds === null) return '—';
  if (!m.runs || m.runs < 2) return m.seconds.toFixed(1);
  return `${m.seconds.toFixed(2)} (median of ${m.runs})`;
}

function fmt(x: number, d: number): string {
  return x >= 100 ? x.toFixed(0) : x.toFixed(d);
}
