#!/usr/bin/env python3
"""Peer for `onnx-transfer train --head linear`: scikit-learn LogisticRegression on the same Parquet features.

usage: head_sklearn.py FEATURES_DIR [--layer NAME] [--c 1.0]
Prints validation accuracy and fit time. Needs numpy and scikit-learn, and pyarrow unless FEATURES_DIR is a CSV from `features-csv`.
"""
import argparse
import time

from sklearn.linear_model import LogisticRegression

from head_data import blas, load, split_masks

parser = argparse.ArgumentParser()
parser.add_argument("features_dir")
parser.add_argument("--layer")
parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength")
args = parser.parse_args()

x, y, splits, classes = load(args.features_dir, args.layer)
train, val = split_masks(splits, y)
start = time.perf_counter()
model = LogisticRegression(C=args.c, max_iter=2000).fit(x[train], y[train])
seconds = time.perf_counter() - start
print(f"sklearn LogisticRegression: {train.sum()} train x {x.shape[1]} features, {len(classes)} classes, "
      f"fit {seconds:.2f} s, val accuracy {model.score(x[val], y[val]):.4f} on {val.sum()} rows")
print(f"blas: {blas()}")
