"""Shared loader for the head peer scripts: one layer of an onnx-transfer feature directory via pyarrow,
a CSV from `features-csv`, or .npy arrays the benchmark wrote."""
import glob
import json
import os

import numpy as np


def blas():
    """The BLAS numpy (and Debian's torch) calls, as the peer's result line names it: Debian's reference BLAS
    (libblas3) runs these products 10 to 30 times slower than OpenBLAS, so a peer on it is not a fair one."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown BLAS (no threadpoolctl)"
    libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not libs:
        return "reference BLAS (slow: install libopenblas0-pthread)"
    return ", ".join(f"{i['internal_api']} {i.get('version') or '?'} ({i['num_threads']} threads)" for i in libs)


def load(features_dir, layer=None):
    """Returns (x float32 [n, d], y int64 [n], split list[str], classes list[str]) in shard order, labelled rows only.

    features_dir may also be a CSV written by `dotnet run -c Release --project bench/OnnxTransfer.Bench --
    features-csv DIR OUT.csv` (split,label_index,features...), for Pythons without pyarrow; class names then
    come from classes.json beside it if present.

    features_dir may also hold x.npy (float32 [n, d]) and y.npy (int64 [n]), with optional splits.json (one split
    name per row) and classes.json: how the bench hands its exact in-memory rows to a Python with numpy only."""
    if features_dir.endswith(".csv"):
        return _load_csv(features_dir)
    if os.path.exists(os.path.join(features_dir, "x.npy")):
        return _load_npy(features_dir)
    import pyarrow.parquet as pq
    shards = sorted(glob.glob(os.path.join(features_dir, "part-*.parquet")))
    if not shards:
        raise SystemExit(f"error: no part-*.parquet in {features_dir}")
    meta = pq.read_metadata(shards[0]).metadata
    layers = json.loads(meta[b"onnx_transfer.layers"])
    layer = layer or layers[0]
    column = "features." + layer
    xs, ys, splits = [], [], []
    for shard in shards:
        table = pq.read_table(shard, columns=["label_index", "split", column])
        flat = table.column(column).combine_chunks().flatten().to_numpy(zero_copy_only=False)
        xs.append(flat.astype(np.float32).reshape(table.num_rows, -1))
        ys.append(table.column("label_index").to_numpy())
        splits += table.column("split").to_pylist()
    x, y = np.concatenate(xs), np.concatenate(ys).astype(np.int64)
    keep = y >= 0
    with open(os.path.join(features_dir, "classes.json")) as f:
        classes = json.load(f)
    return x[keep], y[keep], [s for s, k in zip(splits, keep) if k], classes


def _load_csv(path):
    data = np.genfromtxt(path, delimiter=",", dtype=str, ndmin=2)
    splits, y, x = list(data[:, 0]), data[:, 1].astype(np.int64), data[:, 2:].astype(np.float32)
    classes_file = os.path.join(os.path.dirname(path), "classes.json")
    classes = json.load(open(classes_file)) if os.path.exists(classes_file) else sorted(set(y.tolist()))
    return x, y, splits, classes


def _load_npy(features_dir):
    x = np.load(os.path.join(features_dir, "x.npy"))
    y = np.load(os.path.join(features_dir, "y.npy")).astype(np.int64)
    splits_file, classes_file = (os.path.join(features_dir, f) for f in ("splits.json", "classes.json"))
    splits = json.load(open(splits_file)) if os.path.exists(splits_file) else [""] * len(y)
    keep = y >= 0
    classes = json.load(open(classes_file)) if os.path.exists(classes_file) else sorted(set(y[keep].tolist()))
    return x[keep], y[keep], [s for s, k in zip(splits, keep) if k], classes


def split_masks(splits, y, val_split=0.2, seed=42):
    """train/val masks: the set's own val rows, else a stratified random fraction of the training rows."""
    splits = np.array(splits)
    train = (splits == "train") | (splits == "")
    val = splits == "val"
    if val.any():
        return train, val
    rng = np.random.default_rng(seed)
    val = np.zeros_like(train)
    for c in np.unique(y[train]):
        idx = np.flatnonzero(train & (y == c))
        rng.shuffle(idx)
        val[idx[: max(1, round(len(idx) * val_split))] if len(idx) > 1 else []] = True
    return train & ~val, val
