#!/usr/bin/env python3
"""Peer for `onnx-transfer train --head linear`: scikit-learn LogisticRegression on the same Parquet features.

usage: head_sklearn.py FEATURES_DIR [--layer NAME] [--c 1.0] [--repeats 1]
Prints validation accuracy, iterations, fit time (the median of --repeats fits: single fits swing 20-40 % here) and
where the fit stopped: the largest gradient component of the mean objective, mean log loss + ||W||^2 / (2 C n), the
quantity `train --tolerance` bounds. scikit-learn before 1.4 applies `tol` to the sum objective, n times that one, and
SciPy's L-BFGS-B often stops first on its relative decrease (ftol), so its `tol` alone does not say where it stopped.
Needs numpy and scikit-learn, and pyarrow unless FEATURES_DIR is a CSV from `features-csv`.
"""
import argparse
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from head_data import blas, load, split_masks

parser = argparse.ArgumentParser()
parser.add_argument("features_dir")
parser.add_argument("--layer")
parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
parser.add_argument("--repeats", type=int, default=1, help="fits timed; the median is printed")
args = parser.parse_args()

x, y, splits, classes = load(args.features_dir, args.layer)
train, val = split_masks(splits, y)
times = []
for _ in range(max(1, args.repeats)):
    start = time.perf_counter()
    model = LogisticRegression(C=args.c, max_iter=2000).fit(x[train], y[train])
    times.append(time.perf_counter() - start)
seconds = sorted(times)[len(times) // 2]


def largest_gradient(model, x, y, c):
    """max |d/dθ| of mean log loss + ||W||^2 / (2 C n) at the fitted (W, b), in float64."""
    x = x.astype(np.float64)
    n = len(y)
    z = x @ model.coef_.T + model.intercept_
    if model.coef_.shape[0] == 1:  # binary: one logit, the sigmoid of class 1
        residual = 1 / (1 + np.exp(-z[:, 0])) - (y == model.classes_[1])
        residual = residual[:, None]
    else:
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        residual = p - (y[:, None] == model.classes_[None, :])
    kernel = x.T @ residual / n + model.coef_.T / (c * n)
    return max(np.abs(kernel).max(), np.abs(residual.mean(axis=0)).max())


gradient = largest_gradient(model, x[train], y[train], args.c)
print(f"sklearn LogisticRegression: {train.sum()} train x {x.shape[1]} features, {len(classes)} classes, "
      f"fit {seconds:.2f} s, val accuracy {model.score(x[val], y[val]):.4f} on {val.sum()} rows, "
      f"{int(model.n_iter_.max())} iterations, median of {len(times)} fits, max |gradient| {gradient:.2e}")
print(f"blas: {blas()}")
