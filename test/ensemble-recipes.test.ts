import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEnsembleOptions, RECIPES } from '../src/ensemble/options.js';
import { runEnsemble } from '../src/ensemble/run.js';

test('each recipe sets the published code\'s schedule; explicit options override it', () => {
  const pick = (o: ReturnType<typeof checkEnsembleOptions>) => ({ adamRestart: o.adamRestart, lrHalveEvery: o.lrHalveEvery, epochs: o.epochs, decayPi: o.decayPi });
  assert.deepEqual(pick(checkEnsembleOptions({ recipe: 'prl2020' })), { adamRestart: true, lrHalveEvery: 20, epochs: 200, decayPi: false });
  assert.deepEqual(pick(checkEnsembleOptions({ recipe: 'code2022' })), { adamRestart: false, lrHalveEvery: 0, epochs: 100, decayPi: true });
  assert.deepEqual(pick(checkEnsembleOptions({})), pick(checkEnsembleOptions({ recipe: 'hybrid' })));
  assert.equal(checkEnsembleOptions({ recipe: 'code2022', epochs: 3 }).epochs, 3);
  assert.throws(() => checkEnsembleOptions({ recipe: 'prl2021' as never }), /recipe: expected one of prl2020, code2022, hybrid, got "prl2021"/);
  assert.deepEqual(Object.keys(RECIPES), ['prl2020', 'code2022', 'hybrid']);
});

test('training follows the recipe: halved or constant learning rate, π decayed only by code2022', () => {
  const run = (recipe: 'prl2020' | 'code2022' | 'hybrid', extra = {}) =>
    runEnsemble({ data: 'iris', hidden: [4], recipe, epochs: 3, samples: 2, evalEvery: 3, decay: 0.5, ...extra });
  const prl = run('prl2020', { lrHalveEvery: 1 });
  assert.deepEqual(prl.history.map((h) => h.lr), [0.1, 0.05, 0.025]);
  const code = run('code2022');
  assert.deepEqual(code.history.map((h) => h.lr), [0.1, 0.1, 0.1]);
  // same seed, same schedule: decaying π as well changes π and nothing else in the recipe
  const withoutPi = run('code2022', { decayPi: false });
  const pi = (r: typeof code, l: number) => Array.from(r.ensemble.pi(l));
  assert.notDeepEqual(pi(code, 0), pi(withoutPi, 0));
  // a large decay on π pulls π down: its mean is lower where π is decayed
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(mean(pi(code, 0)) <= mean(pi(withoutPi, 0)), `${mean(pi(code, 0))} vs ${mean(pi(withoutPi, 0))}`);
});
