import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExactLasso, measureFront, nullLossOf } from '../bench/suite/measure.js';
import { preparedFor } from '../bench/suite/arrays.js';
import { summarizeSeeds, writeSuiteTable, type ProblemResult } from '../bench/suite/table.js';
import { median, roundsFor } from '../bench/suite.js';
import { PROBLEMS } from '../bench/suite/problems.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeLinearCsv } from './helpers/linear-data.js';
import { tempDir } from './helpers/tmp.js';

test('bench suite: the exact lasso path deviates from itself by nothing and covers its range; a front that stops early covers less', () => {
  const file = writeLinearCsv('regression', 12);
  const d = preparedFor({ data: file, hidden: [], testFraction: 0, standardize: false, task: 'regress' });
  const exact = new ExactLasso(d);
  assert.ok(Math.abs(exact.nullLoss - nullLossOf(d)) < 1e-12);
  const front = exact.front(30);
  const dev = exact.deviation(front);
  assert.ok(Math.abs(dev.worstExcessPercent) < 1e-6, `excess ${dev.worstExcessPercent}`);
  assert.ok(Math.abs(dev.coveragePercent - 100) < 1e-6, `coverage ${dev.coveragePercent}`);
  // half the path, each loss 1 % of the range too high
  const range = exact.nullLoss - exact.end.loss;
  const half = front.slice(0, 15).map((p) => ({ ...p, trainLoss: p.trainLoss + 0.01 * range }));
  const h = exact.deviation(half);
  assert.ok(Math.abs(h.worstExcessPercent - 1) < 1e-6);
  assert.ok(h.coveragePercent < 95);
});

test('bench suite: front measures on the fixed normalisation, and the table written between the markers of docs/performance.md', () => {
  // two points: (l1 0, loss 1) and (l1 1, loss 0.5) with L_null 1, l1_ref 2 → area 1.1·1.1 − uncovered parts
  const m = measureFront([{ l1: 0, trainLoss: 1, testAccuracy: 0.3 }, { l1: 1, trainLoss: 0.5, testAccuracy: 0.8 }, { l1: 1.5, trainLoss: 0.6 }], 1, 2);
  assert.equal(m.points, 2);
  assert.ok(Math.abs(m.hypervolumeTrain - (0.5 * 0.1 + 0.6 * 0.6)) < 1e-12, String(m.hypervolumeTrain));
  assert.equal(m.bestTestAccuracy, 0.8);
  const dir = tempDir('suite');
  const r: ProblemResult = {
    format: 'regpath.bench-suite/1', problem: 'toy', title: 'Toy', date: '2026-12-04T00:00:00Z', l1Ref: 2, l1RefNote: 'fixed',
    nullLoss: 1, trainRows: 3, testRows: 0, methods: { sweep: { ...m, seconds: 1.5, peakRssMiB: 70, stopped: true }, continuation: { ...m, seconds: 0.8125, runs: 5, secondsRange: [0.8, 0.9], peakRssMiB: 71, stopped: false } },
  };
  fs.writeFileSync(path.join(dir, 'toy.json'), JSON.stringify(r));
  const docs = path.join(dir, 'performance.md');
  fs.writeFileSync(docs, '# Performance\n\ntext\n');
  writeSuiteTable(docs, dir, ['toy', 'absent']);
  writeSuiteTable(docs, dir, ['toy']);
  const text = fs.readFileSync(docs, 'utf8');
  assert.equal(text.match(/## Benchmark suite/g)?.length, 1, 'the section is added once');
  assert.match(text, /\| Toy \(2026-12-04\) \| 2\.0 \| sweep \(stopped\) \| 0\.4100 \| 2 \| [0-9.]+ \| 80\.0 % \| 1\.5 \| 70 \| — \|/);
  // a short problem's seconds: the median of its alternating runs, to the hundredth
  assert.match(text, /\| Toy \(2026-12-04\) \| 2\.0 \| continuation \| 0\.4100 \| 2 \| [0-9.]+ \| 80\.0 % \| 0\.81 \(median of 5\) \| 71 \| — \|/);
  assert.ok(text.startsWith('# Performance\n\ntext\n'));
});

test('bench suite: the median of an odd and of an even count of sorted timings', () => {
  assert.equal(median([0.8, 0.85, 2.1]), 0.85);
  assert.equal(median([0.5, 1.5]), 1);
  assert.equal(median([3]), 3);
});

test('bench suite: one-second problems get 5 timed rounds, MNIST-sized ones 3, long ones 1', () => {
  assert.equal(roundsFor(0.9), 5);
  assert.equal(roundsFor(10), 5);
  assert.equal(roundsFor(26.7), 3);
  assert.equal(roundsFor(91.9), 1);
});

test('bench suite: --seeds N keeps each seed\'s hypervolume, and the table notes their mean and range', () => {
  const spread = { seeds: 4, hypervolumeTrain: [1.12, 1.11, null, 1.1], bestTestAccuracy: [0.93, 0.92, null, 0.91] };
  const s = summarizeSeeds(spread.hypervolumeTrain);
  assert.equal(s.ran, 3);
  assert.ok(Math.abs(s.mean - 1.11) < 1e-12);
  assert.equal(s.min, 1.1);
  assert.equal(s.max, 1.12);
  const m = measureFront([{ l1: 0, trainLoss: 1 }, { l1: 1, trainLoss: 0.5 }], 1, 2);
  const dir = tempDir('suite-seeds');
  const r: ProblemResult = {
    format: 'regpath.bench-suite/1', problem: 'toy', title: 'Toy', date: '2026-12-05T00:00:00Z', l1Ref: 2, l1RefNote: 'fixed',
    nullLoss: 1, trainRows: 3, testRows: 0, methods: { continuation: { ...m, seconds: 1, peakRssMiB: 70, stopped: false, seedSpread: spread } },
  };
  fs.writeFileSync(path.join(dir, 'toy.json'), JSON.stringify(r));
  const docs = path.join(dir, 'performance.md');
  fs.writeFileSync(docs, '# Performance\n');
  writeSuiteTable(docs, dir, ['toy']);
  const text = fs.readFileSync(docs, 'utf8');
  assert.match(text, /- toy continuation: train HV over seeds 1–4: mean 1\.1100, 1\.1000–1\.1200 \(1\.1200 \/ 1\.1100 \/ no complete front \/ 1\.1000\); best test accuracy mean 92\.0 %/);
});

test('bench suite: a bad --seeds or --problems is one line naming the option, with status 2, before anything runs', () => {
  const run = fileURLToPath(new URL('../bench/run.js', import.meta.url));
  for (const [args, message] of [
    [['--seeds', '0'], 'bench --suite: --seeds: expected a whole number of seeds ≥ 1, got 0'],
    [['--seeds', '2.5'], 'bench --suite: --seeds: expected a whole number of seeds ≥ 1, got 2.5'],
    [['--problems', 'mnist,cifar'], `bench --suite: --problems: unknown cifar (expected some of ${PROBLEMS.map((p) => p.name).join(', ')})`],
  ] as const) {
    const r = spawnSync(process.execPath, [run, '--suite', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, message + '\n');
  }
});
