// How the report copes with a long path: a synthetic run folder of N raw points (default 10,000;
// a λ sweep with many values, or a long log), its report built, opened in headless chromium, and
// the explorer stepped. Prints the build time, the page's time to render, and the time per step.
//   npm run build && node scripts/report-scale.mjs [N]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildReport } from '../dist/src/report/build.js';

const n = Number(process.argv[2] ?? 10000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regpath-report-scale-'));
let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const raw = Array.from({ length: n }, (_, i) => {
  const l1 = 100 * rand();
  const trainLoss = Math.exp(-l1 / 15) * (1 + 0.3 * rand()) + 1e-3;
  return { index: i, l1, nonzeros: Math.round(160 * l1), trainLoss, testLoss: trainLoss * 1.2 + 0.01, trainAccuracy: 1 - trainLoss / 3, testAccuracy: 1 - trainLoss / 2.5, lambda: 1 / (1 + l1) };
});
// the front: non-dominated in (l1, train loss)
const sorted = [...raw].sort((a, b) => a.l1 - b.l1);
const points = [];
let best = Infinity;
for (const p of sorted) if (p.trainLoss < best) { best = p.trainLoss; points.push({ ...p, weights: `points/${p.index}.safetensors` }); }
fs.writeFileSync(path.join(dir, 'path.json'), JSON.stringify({
  format: 'regpath.path/1', method: 'sweep', status: 'complete', seed: 1, seconds: 1,
  dataset: { name: 'synthetic', task: 'classification', features: 784, classes: 10, train: 1000, test: 100, featureNames: [], classNames: [] },
  model: { layers: [784, 20, 20, 10], activation: 'relu' }, objective: { loss: 'cross-entropy', penalty: 'l1', penalizeBias: false },
  metrics: { nullLoss: 2.3, l1Ref: 100, hypervolumeTrain: 1, dominatedDropped: n - points.length, largestGap: 0.1 }, points, raw,
}));
let t = performance.now();
const html = buildReport([dir]);
fs.writeFileSync(path.join(dir, 'report.html'), html);
console.log(`${n} raw points, ${points.length} on the front: report built in ${(performance.now() - t).toFixed(0)} ms, ${(html.length / 1e6).toFixed(2)} MB`);

const { chromium } = await import('playwright-core');
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'regpath-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.REGPATH_CHROMIUM ?? '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await context.newPage();
t = performance.now();
await page.goto(`file://${path.join(dir, 'report.html')}`);
await page.waitForSelector('body[data-ready]', { timeout: 60000 });
console.log(`page loaded and every chart drawn in ${(performance.now() - t).toFixed(0)} ms`);
const step = await page.evaluate(async () => {
  const slider = document.querySelector('input[type=range]');
  const views = Object.values(window.regpathViews);
  const t0 = performance.now();
  for (let i = 0; i < 20; i++) {
    slider.value = String(+slider.value - 1);
    slider.dispatchEvent(new Event('input'));
    await Promise.all(views.map((v) => v.runAsync()));
  }
  return (performance.now() - t0) / 20;
});
console.log(`explorer step (numbers, network, and the red ring redrawn in every front chart): ${step.toFixed(1)} ms`);
await context.close();
fs.rmSync(profile, { recursive: true, force: true });
if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true }); else console.log(dir);
