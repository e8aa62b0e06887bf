#!/usr/bin/env python3
"""Peer for `onnx-transfer extract`: the same truncated ONNX backbone run with Python
onnxruntime + PIL decoding, timed end to end and ORT-only, optionally compared with the
tool's Parquet features.

    python3 extract_ort.py --model FEATURES_DIR/backbone.onnx --input PHOTOS [--compare FEATURES_DIR]

Needs: numpy, pillow, onnxruntime (onnxruntime-gpu for --device cuda), pyarrow for --compare.
PIL's bilinear resize antialiases when shrinking and the tool's does not, so feature values
differ slightly; --compare reports the difference, it is not a pass/fail check.
"""
import argparse, os, time
import numpy as np
from PIL import Image, ImageOps
import onnxruntime as ort

EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"}


def list_images(root):
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            if os.path.splitext(f)[1].lower() in EXTS:
                out.append(os.path.join(d, f))
    return sorted(out)


def load(path, size, resize):
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    if resize == "center-crop":
        w, h = img.size
        s = min(w, h)
        img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    return np.asarray(img.resize((size, size), Image.BILINEAR), dtype=np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--resize", default="stretch", choices=["stretch", "center-crop"])
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--compare")
    a = ap.parse_args()

    so = ort.SessionOptions()
    if a.threads:
        so.intra_op_num_threads = a.threads
    providers = ["CUDAExecutionProvider"] if a.device == "cuda" else ["CPUExecutionProvider"]
    sess = ort.InferenceSession(a.model, so, providers=providers)
    out_names = [o.name for o in sess.get_outputs()]
    paths = list_images(a.input)

    feats, ort_s, t0 = {}, 0.0, time.perf_counter()
    for i in range(0, len(paths), a.batch_size):
        chunk = paths[i:i + a.batch_size]
        batch = np.stack([load(p, a.size, a.resize) for p in chunk])
        t1 = time.perf_counter()
        outs = sess.run(out_names, {"image": batch})
        ort_s += time.perf_counter() - t1
        for j, p in enumerate(chunk):
            feats[os.path.relpath(p, a.input)] = outs[0][j].reshape(-1)
    total = time.perf_counter() - t0
    n = len(paths)
    print(f"images: {n}  end-to-end: {n / total:.1f} img/s  ort-only: {n / ort_s:.1f} img/s  ratio: {ort_s / total:.3f}")

    if a.compare:
        import pyarrow.dataset as ds
        table = ds.dataset(a.compare, format="parquet").to_table()
        col = [c for c in table.column_names if c.startswith("features.")][0]
        worst = 0.0
        for path, vec in zip(table.column("path").to_pylist(), table.column(col).to_pylist()):
            if path in feats:
                ref = np.asarray(vec, dtype=np.float32)
                worst = max(worst, float(np.max(np.abs(ref - feats[path])) / (np.max(np.abs(ref)) + 1e-12)))
        print(f"max relative difference vs the tool's {col}: {worst:.4g} (resize filters differ, see docstring)")


if __name__ == "__main__":
    main()
