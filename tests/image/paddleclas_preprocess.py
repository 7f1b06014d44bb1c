"""PaddleClas' own eval preprocessing, as the reference for
tests/unit/test_image_preprocess.c.

    python paddleclas_preprocess.py OUT IMAGE_DIR [IMAGE_DIR...]

For every image file in the IMAGE_DIRs and every (resize_short, crop) pair in
SIZES, runs paddleclas' operators - DecodeImage(to_rgb=True, channel_first=False)
-> ResizeImage(resize_short=R) -> CropImage(size=S) -> NormalizeImage(scale=1/255,
ImageNet mean/std, order='') -> ToCHWImage - on the file's bytes and saves the
3 x S x S float32 tensor as OUT/<k>.npy; OUT/cases.txt lists "k R S path".
It also writes a few synthetic PNGs of odd sizes (OUT/synth_*.png, lossless, so
they test resize + crop + normalize with random R / S pairs).

The operators are imported from the installed paddleclas wheel's
deploy/python/preprocess.py (the wheel carries no ppcls/data/preprocess; these
classes are the same ops the deploy predictor runs). paddleclas was installed
--no-deps and its package __init__ pulls in the whole PaddleClas predictor
(requests, ...), so the module is loaded under stub parent packages.
"""
import os
import site
import sys
import types

import cv2
import numpy as np


def load_ops():
    for sp in site.getsitepackages():
        base = os.path.join(sp, "paddleclas")
        if os.path.isfile(os.path.join(base, "deploy", "python", "preprocess.py")):
            break
    else:
        sys.exit("paddleclas (deploy/python/preprocess.py) not found in the venv")
    for name, path in (("paddleclas", base), ("paddleclas.deploy", os.path.join(base, "deploy")),
                       ("paddleclas.deploy.python", os.path.join(base, "deploy", "python"))):
        if name not in sys.modules:
            m = types.ModuleType(name)
            m.__path__ = [path]
            sys.modules[name] = m
    import paddleclas.deploy.python.preprocess as P
    return P


SIZES = [(256, 224), (320, 299), (632, 600)]
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def pipeline(P, R, S):
    return [P.DecodeImage(to_rgb=True, channel_first=False), P.ResizeImage(resize_short=R), P.CropImage(size=S),
            P.NormalizeImage(scale=1.0 / 255.0, mean=MEAN, std=STD, order=""), P.ToCHWImage()]


def main():
    out, dirs = sys.argv[1], sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    P = load_ops()
    cases = []
    for d in dirs:
        for n in sorted(os.listdir(d)):
            p = os.path.join(d, n)
            if os.path.isfile(p) and n.lower().endswith((".jpg", ".jpeg", ".png")):
                cases += [(R, S, os.path.abspath(p)) for R, S in SIZES]
    rng = np.random.default_rng(3)
    for i in range(12):
        w, h = (int(v) for v in rng.integers(1, 400, 2))
        img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        p = os.path.abspath(os.path.join(out, f"synth_{i}_{w}x{h}.png"))
        cv2.imwrite(p, img)
        S = int(rng.integers(1, 300))
        R = S + int(rng.integers(0, 60))
        cases.append((R, S, p))
    with open(os.path.join(out, "cases.txt"), "w") as f:
        for k, (R, S, p) in enumerate(cases):
            x = open(p, "rb").read()
            for op in pipeline(P, R, S):
                x = op(x)
            assert x.shape == (3, S, S) and x.dtype == np.float32, (p, x.shape, x.dtype)
            np.save(os.path.join(out, f"{k}.npy"), np.ascontiguousarray(x))
            f.write(f"{k} {R} {S} {p}\n")


if __name__ == "__main__":
    main()
