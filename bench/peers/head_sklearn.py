#!/usr/bin/env python3
"""Peer for `onnx-transfer train --head linear`: scikit-learn LogisticRegression on the same Parquet features.

usage: head_sklearn.py FEATURES_DIR [--layer NAME] [--c 1.0] [--repeats 1]
Prints validation accuracy, iterations and fit time (the median of --repeats fits: single fits swing 20-40 % here). Needs numpy and scikit-learn, and pyarrow unless FEATURES_DIR is a CSV from `features-csv`.
"""
import argparse
import time

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
print(f"sklearn LogisticRegression: {train.sum()} train x {x.shape[1]} features, {len(classes)} classes, "
      f"fit {seconds:.2f} s, val accuracy {model.score(x[val], y[val]):.4f} on {val.sum()} rows, "
      f"{int(model.n_iter_.max())} iterations, median of {len(times)} fits")
print(f"blas: {blas()}")
