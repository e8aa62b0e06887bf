#!/usr/bin/env python3
"""Peer for `onnx-transfer train`: the same heads in PyTorch on CPU, same features (Parquet, CSV or x.npy/y.npy, see head_data).

usage: head_torch.py FEATURES_DIR [--head linear|mlp:1024,1024|bn-dropout] [--layer NAME] [--epochs 1] [--batch-size 64]
       [--lr 1e-3] [--dropout 0.5] [--threads N] [--optimizer adam|sgd] [--momentum 0.9]
Adam (eps 1e-7, as Keras) or SGD with momentum (Keras's rule and PyTorch's agree for a constant rate), Glorot-uniform kernels, BatchNorm momentum 0.01 (= Keras 0.99) eps 1e-3.
Prints the torch version and thread count, then per epoch the wall time of the training pass plus the validation
pass (what the tool's epoch time covers) and validation accuracy. --threads sets torch's intra-op threads; without it
torch picks its own count (Debian's build has picked 1 on a 2-core machine), so comparisons should pass it.
"""
import argparse
import time

import numpy as np
import torch
from torch import nn

from head_data import blas, load, split_masks

parser = argparse.ArgumentParser()
parser.add_argument("features_dir")
parser.add_argument("--head", default="mlp:1024,1024")
parser.add_argument("--layer")
parser.add_argument("--epochs", type=int, default=1)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--dropout", type=float, default=0.5)
parser.add_argument("--threads", type=int, default=0)
parser.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
parser.add_argument("--momentum", type=float, default=0.0)
args = parser.parse_args()
if args.threads:
    torch.set_num_threads(args.threads)
torch.manual_seed(42)
print(f"torch {torch.__version__} on CPU, {torch.get_num_threads()} threads, BLAS {blas()}")

x, y, splits, classes = load(args.features_dir, args.layer)
train, val = split_masks(splits, y)
d, k = x.shape[1], len(classes)


def build(spec):
    layers, width = [], d
    if spec.startswith("mlp:"):
        for h in map(int, spec[4:].split(",")):
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(args.dropout)]
            width = h
    elif spec == "bn-dropout":
        layers += [nn.BatchNorm1d(d, momentum=0.01, eps=1e-3), nn.Dropout(args.dropout)]
    elif spec != "linear":
        raise SystemExit(f"error: unknown head {spec}")
    layers.append(nn.Linear(width, k))
    for m in layers:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return nn.Sequential(*layers)


model = build(args.head)
if args.optimizer == "sgd":
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
else:
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()
xt, yt = torch.from_numpy(x[train]), torch.from_numpy(y[train])
xv, yv = torch.from_numpy(x[val]), torch.from_numpy(y[val])
for epoch in range(1, args.epochs + 1):
    start = time.perf_counter()
    model.train()
    for idx in torch.randperm(len(xt)).split(args.batch_size):
        optimizer.zero_grad()
        loss_fn(model(xt[idx]), yt[idx]).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(xv).argmax(1) == yv).float().mean().item()
    print(f"torch {args.head} epoch {epoch}: {time.perf_counter() - start:.3f} s CPU ({torch.get_num_threads()} threads), "
          f"{len(xt)} x {d}, val accuracy {accuracy:.4f}")
