#!/usr/bin/env python3
"""Generates COUNT smooth-textured 500x375 JPEGs (quality 90, about the size and decode cost of a phone photo
shrunk for the web) into DIR/a and DIR/b, deterministically; numpy and Pillow only.

    python3 photos.py DIR COUNT
"""
import os, sys
from multiprocessing import Pool
import numpy as np
from PIL import Image


def one(args):
    root, i = args
    rng = np.random.default_rng(i)
    # Low-frequency colour noise upsampled: JPEG-friendly like a photo, unlike white noise.
    small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize((500, 375), Image.BICUBIC)
    grain = rng.normal(0, 6, (375, 500, 3))
    pixels = np.clip(np.asarray(img, dtype=np.float64) + grain, 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(os.path.join(root, "ab"[i % 2], f"{i:05d}.jpg"), quality=90)


def main():
    root, count = sys.argv[1], int(sys.argv[2])
    for c in "ab":
        os.makedirs(os.path.join(root, c), exist_ok=True)
    with Pool() as pool:
        pool.map(one, [(root, i) for i in range(count)], chunksize=16)


if __name__ == "__main__":
    main()
