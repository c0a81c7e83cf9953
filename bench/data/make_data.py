#!/usr/bin/env python3
"""Write scikit-learn's bundled data sets as CSV files for the benchmark suite and tests.

Run once with Debian's python3 (python3-sklearn); the CSVs are committed so nothing else needs Python.
  diabetes.csv       regression, 442 rows, 10 features (sklearn's scaled features), target in the
                     hundreds (disease progression): the unscaled-target lasso problem
  breast-cancer.csv  binary classification, 569 rows, 30 raw features
  wine.csv           three classes, 178 rows, 13 raw features
  digits.csv         ten classes, 1,797 rows, 64 features (8×8 images, whole pixel values 0–16)
  friedman1.csv      regression, 1,000 rows of Friedman's #1 function (make_friedman1, noise 1,
                     seed 0) on 10 uniform features of which 5 matter, target × 100 + 2,000 so that
                     it is in the thousands (mean 3,400, std 515)
  moons.csv          binary classification, 1,000 rows of two interleaved half circles in the
                     plane (make_moons, noise 0.25, seed 0): a network problem on two features
  friedman3.csv      regression, 1,000 rows of Friedman's #3 function (make_friedman3, noise 0.1,
                     seed 0) on 4 features of very different ranges (0–100, 40π–560π, 0–1, 1–11),
                     target an angle (mean 1.3, std 0.32)
  moons-30k.csv      binary classification, 30,000 rows of the two moons (make_moons' construction:
                     half circles (cos t, sin t) and (1 − cos t, 0.5 − sin t), t evenly spaced in
                     [0, π], Gaussian noise 0.25, rows shuffled; numpy seed 3): more than 10,000
                     training rows, so a path runs on mini-batches by default
"""
import csv, os
from sklearn import datasets

here = os.path.dirname(os.path.abspath(__file__))

def write(name, X, y, features, target, value=lambda v: repr(float(v))):
    with open(os.path.join(here, name), 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow([c.replace(' ', '_') for c in features] + [target])
        for row, t in zip(X, y):
            w.writerow([value(v) for v in row] + [t])

d = datasets.load_diabetes()
write('diabetes.csv', d.data, [repr(float(t)) for t in d.target], d.feature_names, 'progression')
b = datasets.load_breast_cancer()
write('breast-cancer.csv', b.data, [str(b.target_names[t]) for t in b.target], b.feature_names, 'diagnosis')
w = datasets.load_wine()
write('wine.csv', w.data, [str(w.target_names[t]) for t in w.target], w.feature_names, 'cultivar')
g = datasets.load_digits()
write('digits.csv', g.data, [str(t) for t in g.target], [f'pixel_{i // 8}_{i % 8}' for i in range(64)], 'digit', lambda v: str(int(v)))
X, y = datasets.make_friedman1(n_samples=1000, n_features=10, noise=1.0, random_state=0)
write('friedman1.csv', X, ['%.6g' % (100 * t + 2000) for t in y], [f'x{i}' for i in range(10)], 'y', lambda v: '%.6g' % v)
X, y = datasets.make_moons(n_samples=1000, noise=0.25, random_state=0)
write('moons.csv', X, ['upper' if t == 0 else 'lower' for t in y], ['x0', 'x1'], 'moon', lambda v: '%.6g' % v)
X, y = datasets.make_friedman3(n_samples=1000, noise=0.1, random_state=0)
write('friedman3.csv', X, ['%.6g' % t for t in y], [f'x{i}' for i in range(4)], 'y', lambda v: '%.6g' % v)

import numpy as np
rng = np.random.RandomState(3)
n = 30000
t = np.linspace(0, np.pi, n // 2)
X = np.vstack([np.column_stack([np.cos(t), np.sin(t)]), np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)])])
X += rng.normal(scale=0.25, size=X.shape)
y = np.array(['upper'] * (n // 2) + ['lower'] * (n // 2))
order = rng.permutation(n)
write('moons-30k.csv', X[order], y[order], ['x0', 'x1'], 'moon', lambda v: '%.6g' % v)
