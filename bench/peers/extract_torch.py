#!/usr/bin/env python3
"""Peer timing for `onnx-transfer extract` with PyTorch: torchvision's VGG19 (features up to
block5_pool, or block2_pool) and EfficientNet-B0 (pooled), random weights, PIL decoding with a
DataLoader, on CPU or CUDA. Weight values do not change the timing.

    python3 extract_torch.py --input PHOTOS --arch vgg19 --layer block5_pool --device cuda
"""
import argparse, os, time
import torch, torchvision
from PIL import Image, ImageOps

EXTS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp"}
# Index of the MaxPool closing each VGG19 block in torchvision's `features` Sequential.
VGG19_POOLS = {"block1_pool": 4, "block2_pool": 9, "block3_pool": 18, "block4_pool": 27, "block5_pool": 36}


class Folder(torch.utils.data.Dataset):
    def __init__(self, root, size):
        self.paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs
                            if os.path.splitext(f)[1].lower() in EXTS)
        self.tf = torchvision.transforms.Compose([
            torchvision.transforms.Resize((size, size)),
            torchvision.transforms.PILToTensor()])

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.tf(ImageOps.exif_transpose(Image.open(self.paths[i])).convert("RGB")).float()


def build(arch, layer):
    if arch == "vgg19":
        return torch.nn.Sequential(*list(torchvision.models.vgg19().features)[:VGG19_POOLS[layer] + 1])
    net = torchvision.models.efficientnet_b0()
    return torch.nn.Sequential(net.features, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True)
    ap.add_argument("--arch", default="vgg19", choices=["vgg19", "efficientnetb0"])
    ap.add_argument("--layer", default="block5_pool")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    model = build(a.arch, a.layer).eval().to(dev)
    loader = torch.utils.data.DataLoader(Folder(a.input, a.size), batch_size=a.batch_size, num_workers=a.workers)
    n, model_s = 0, 0.0
    t0 = time.perf_counter()
    with torch.inference_mode():
        for x in loader:
            x = x.to(dev, non_blocking=True)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            t1 = time.perf_counter()
            y = model(x)
            if dev.type == "cuda":
                torch.cuda.synchronize()
            model_s += time.perf_counter() - t1
            _ = y.cpu()
            n += x.shape[0]
    total = time.perf_counter() - t0
    print(f"torch {a.arch}/{a.layer} on {a.device}: {n} images, end-to-end {n / total:.1f} img/s, "
          f"model-only {n / model_s:.1f} img/s, ratio {model_s / total:.3f}")


if __name__ == "__main__":
    main()
