#!/usr/bin/env python3
"""Runs a classifier exported by `onnx-transfer export` in Python's onnxruntime and checks
that its top-1 agrees with `onnx-transfer predict --format csv` on the same images.

    onnx-transfer predict RUN_DIR PHOTOS --format csv > tool.csv
    python3 run_exported.py --model model.onnx --predictions tool.csv --input PHOTOS

The default (raw) export takes the decoded photo, uint8 [1,H,W,3] RGB, and resizes it in the graph; a
`--input fixed` export takes float32 [N,S,S,3] RGB 0-255, which this script resizes with PIL (bilinear), so
borderline images may flip there. Agreement is printed.
"""
import argparse, csv, json, os
import numpy as np
from PIL import Image, ImageOps
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--predictions", required=True)
    ap.add_argument("--input", required=True)
    a = ap.parse_args()
    sess = ort.InferenceSession(a.model, providers=["CPUExecutionProvider"])
    meta = sess.get_modelmeta().custom_metadata_map
    classes = json.loads(meta["onnx_transfer.classes"])
    size = int(meta.get("onnx_transfer.input_size", "224"))
    agree = total = 0
    with open(a.predictions, newline="") as f:
        for row in csv.DictReader(f):
            path = row["path"] if os.path.isabs(row["path"]) else os.path.join(a.input, row["path"])
            img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
            if meta.get("onnx_transfer.input") == "raw":
                pixels = np.asarray(img, dtype=np.uint8)[None]
            else:
                pixels = np.asarray(img.resize((size, size), Image.BILINEAR), dtype=np.float32)[None]
            probs = sess.run(None, {"image": pixels})[0][0]
            total += 1
            agree += classes[int(np.argmax(probs))] == row["top1"]
    print(f"top-1 agreement with the tool: {agree}/{total} ({100.0 * agree / max(total, 1):.1f}%)")


if __name__ == "__main__":
    main()
