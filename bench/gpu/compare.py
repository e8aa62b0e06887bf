#!/usr/bin/env python3
"""Compares two features-csv files of the same photos (rows in the same order, as two extractions of one folder write
them): per row, the relative L2 error |b - a| / |a|, and the largest absolute difference over the largest |a|.
Exits 1 when a row's relative error exceeds TOL, 2 when the files do not hold the same rows.

    python3 compare.py CPU.csv CUDA.csv TOL
"""
import sys
import numpy as np


def load(path):
    # features-csv lines: split,label_index,f0,f1,... (the split may be empty).
    with open(path) as f:
        rows = [line.rstrip("\n").split(",") for line in f if line.strip()]
    return np.array([r[:2] for r in rows]), np.array([r[2:] for r in rows], dtype=np.float64)


def main():
    (keys_a, a), (keys_b, b), tol = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
    if a.shape != b.shape or (keys_a != keys_b).any():
        print(f"compare: different rows: {a.shape} vs {b.shape}")
        sys.exit(2)
    norms = np.linalg.norm(a, axis=1)
    rel = np.linalg.norm(b - a, axis=1) / np.where(norms > 0, norms, 1)
    worst = int(rel.argmax())
    scale = np.abs(a).max()
    print(f"rows {a.shape[0]}, width {a.shape[1]}: relative L2 error median {np.median(rel):.2e}, worst {rel[worst]:.2e} (row {worst}); "
          f"largest |difference| {np.abs(b - a).max():.3e} of largest |value| {scale:.3e}; tolerance {tol:.0e}: "
          + ("within" if rel[worst] <= tol else "EXCEEDED"))
    sys.exit(0 if rel[worst] <= tol else 1)


if __name__ == "__main__":
    main()
