#!/usr/bin/env python3
"""tests/official/timm_export.py - writes one timm model with random weights in
the three containers zoo converts, plus an input and timm's logits for it.

    python timm_export.py TIMM_NAME SIZE OUTDIR [--seed S] [--batch N]

OUTDIR receives:
  zip.pth         torch.save(state_dict)                               (zip, torch >= 1.6)
  legacy.pth      torch.save(..., _use_new_zipfile_serialization=False) (legacy stream)
  model.safetensors  safetensors.torch.save_file(state_dict)
  x.npy           N x 3 x SIZE x SIZE float32 input (standard normal)
  y.npy           timm's logits for x in eval mode (float32)
  info.txt        tensor count and what the pickled files exercise

Every parameter is drawn at random (seeded; BN scale in [0.5, 1.5], biases
N(0, 0.1)) and the BN statistics are measured on random inputs, so a mapping
that swaps two tensors of one shape, forgets a transpose or uses another BN
epsilon changes the logits, while the network stays well conditioned.
The pickled state dicts also carry what real checkpoints do and a reader must
handle: the classifier weight is saved as a transposed (non-contiguous) view,
the first BN's weight and bias share one storage at different offsets, and
every BatchNorm's num_batches_tracked counter is present.
"""
import argparse
import os

import numpy as np
import timm
import torch
from safetensors.torch import save_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("size", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=2)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    m = timm.create_model(a.name, pretrained=False)
    m.eval()
    g = torch.Generator().manual_seed(a.seed + 1)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if p.dim() == 1 and name.endswith("weight"):  # BN scale
                p.copy_(torch.rand(p.shape, generator=g) + 0.5)
            elif p.dim() == 1:  # biases
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
            else:  # conv / linear: keep the default fan-in scale, redraw values
                std = float(p.std()) if p.numel() > 1 else 0.1
                p.copy_(torch.randn(p.shape, generator=g) * (std if std > 0 else 0.05))
        # BN statistics: measured on random inputs (train-mode forward, cumulative
        # average), so every BN sees the mean / variance its input really has and
        # the random network stays well conditioned at any depth (with arbitrary
        # statistics, deep models such as B5-B7 reach logits of ~1e3 whose fp32
        # rounding alone differs by ~5e-3 between two correct implementations)
        bns = [mod for mod in m.modules() if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm)]
        for mod in bns:
            mod.reset_running_stats()
            mod.momentum = None
        m.train()
        m(torch.randn(2, 3, a.size, a.size, generator=g))
        m.eval()
        for mod in bns:
            mod.num_batches_tracked.fill_(12345)
    x = torch.randn(a.batch, 3, a.size, a.size, generator=g)
    with torch.no_grad():
        y = m(x)
    os.makedirs(a.outdir, exist_ok=True)
    np.save(os.path.join(a.outdir, "x.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(a.outdir, "y.npy"), y.numpy().astype(np.float32))

    sd = m.state_dict()
    save_file({k: v.contiguous() for k, v in sd.items()}, os.path.join(a.outdir, "model.safetensors"))
    # what torch.save files in the wild hold: strided views and shared storages
    pk = dict(sd)
    cls = [k for k, v in pk.items() if v.dim() >= 2 and k.startswith(("classifier", "fc", "head"))]
    if cls:
        w = pk[cls[0]]
        pk[cls[0]] = w.t().contiguous().t()  # same values, strides (1, out): not contiguous
        assert not pk[cls[0]].is_contiguous()
    bn = [k[: -len(".running_mean")] for k in pk if k.endswith(".running_mean")][0]
    wgt, bias = pk[bn + ".weight"], pk[bn + ".bias"]
    joint = torch.cat([bias, wgt])
    pk[bn + ".weight"], pk[bn + ".bias"] = joint[len(bias):], joint[: len(bias)]
    torch.save(pk, os.path.join(a.outdir, "zip.pth"))
    torch.save(pk, os.path.join(a.outdir, "legacy.pth"), _use_new_zipfile_serialization=False)
    # the files must load back to the same values in torch itself
    for f in ("zip.pth", "legacy.pth"):
        back = torch.load(os.path.join(a.outdir, f), map_location="cpu")
        assert all(torch.equal(back[k], sd[k]) for k in sd), f
    with open(os.path.join(a.outdir, "info.txt"), "w") as fh:
        fh.write(f"{a.name} size {a.size} tensors {len(sd)} transposed-view {cls[:1]} shared-storage {bn}\n")


if __name__ == "__main__":
    main()
