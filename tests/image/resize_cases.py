"""cv2.resize(INTER_LINEAR) on many uint8 images, for tests/unit/test_image_resize.c.

    python resize_cases.py DIR [N] [SEED]

Writes DIR/cases.txt ("k sw sh cn dw dh" per line) and, per case, the source
DIR/k.src (raw uint8, sh x sw x cn, row-major) and cv2's result DIR/k.ref
(raw uint8, dh x dw x cn). Sizes: small random ones (1..80, up and down, odd,
thin), exact halvings (OpenCV's INTER_AREA shortcut), the ImageNet resize_short
shapes (500x375 -> 341x256 and friends) and a few large up/down scales; content:
uniform noise (every rounding exercised), smooth fields, 0/255 stripes (saturation).
"""
import os
import sys

import cv2
import numpy as np


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    rng = np.random.default_rng(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    os.makedirs(out, exist_ok=True)
    real_shapes = [(500, 375, 341, 256), (375, 500, 256, 341), (500, 333, 385, 256), (173, 225, 256, 333),
                   (500, 375, 427, 320), (500, 282, 1121, 632), (500, 368, 434, 320), (512, 512, 256, 256),
                   (640, 480, 341, 256), (1024, 768, 512, 384)]
    lines = []
    for k in range(n):
        cn = int(rng.choice([1, 3, 3, 3, 4]))
        kind = k % 10
        if k < len(real_shapes):
            sw, sh, dw, dh = real_shapes[k]
            cn = 3
        elif kind < 6:
            sw, sh, dw, dh = (int(v) for v in rng.integers(1, 81, 4))
        elif kind == 6:  # exact halving
            dw, dh = (int(v) for v in rng.integers(1, 60, 2))
            sw, sh = 2 * dw, 2 * dh
        elif kind == 7:  # thin
            sw, sh = int(rng.integers(1, 3)), int(rng.integers(1, 120))
            dw, dh = int(rng.integers(1, 40)), int(rng.integers(1, 120))
            if rng.integers(0, 2):
                sw, sh, dw, dh = sh, sw, dh, dw
        elif kind == 8:  # large downscale
            sw, sh = (int(v) for v in rng.integers(200, 700, 2))
            dw, dh = (int(v) for v in rng.integers(20, 300, 2))
        else:  # large upscale
            sw, sh = (int(v) for v in rng.integers(5, 120, 2))
            dw, dh = (int(v) for v in rng.integers(150, 400, 2))
        content = k % 3
        if content == 0:
            src = rng.integers(0, 256, (sh, sw, cn), dtype=np.uint8)
        elif content == 1:
            base = rng.integers(0, 256, (sh // 5 + 2, sw // 5 + 2, cn), dtype=np.uint8)
            src = cv2.resize(base, (sw, sh), interpolation=cv2.INTER_CUBIC).reshape(sh, sw, cn)
        else:
            src = np.where(((np.arange(sw)[None, :, None] + np.arange(sh)[:, None, None]) % 3) == 0, 255, 0)
            src = np.broadcast_to(src, (sh, sw, cn)).astype(np.uint8)
        src = np.ascontiguousarray(src)
        ref = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_LINEAR).reshape(dh, dw, cn)
        src.tofile(os.path.join(out, f"{k}.src"))
        np.ascontiguousarray(ref).tofile(os.path.join(out, f"{k}.ref"))
        lines.append(f"{k} {sw} {sh} {cn} {dw} {dh}\n")
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.writelines(lines)
    with open(os.path.join(out, "cv2_version.txt"), "w") as f:
        f.write(cv2.__version__ + "\n")


if __name__ == "__main__":
    main()
