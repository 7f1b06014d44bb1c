#!/usr/bin/env bash
# `zoo run` = PaddleClas preprocessing + the network + PaddleClas' Topk.
# PaddleClas' own operators (the venv's paddleclas, tests/image/
# paddleclas_preprocess.py's loader) preprocess real ImageNet JPEGs with the
# model's manifest sizes; `zoo infer` runs the network on that tensor; softmax
# + top-5 in numpy. `zoo run --json` on the same files with the same synthetic
# weights must give the same class ids and scores within 1e-5 (both are
# rounded to 5 decimals; the logits are identical because the input tensors
# are, test_image_preprocess). Models: GhostNet_x0_5 (resize_short 256, crop
# 224) and EfficientNetB1 (272 / 240: the manifest's sizes are used).
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
fail() { echo "FAIL: $*"; exit 1; }
dir=../shared/data/imagenet/val-full-size
[ -d "$dir" ] || { echo "skip: no $dir"; exit 0; }
PY=${ZOO_PY:-}
[ -n "$PY" ] || PY=$(bash tests/venv.sh) || fail "no test venv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
imgs=("$dir/ILSVRC2012_val_00000010.jpeg" "$dir/ILSVRC2012_val_00000666.JPEG" "$dir/ILSVRC2012_val_00013125.JPEG")
for spec in GhostNet_x0_5:256:224 EfficientNetB1:272:240; do
    IFS=: read -r M R S <<< "$spec"
    "$zoo" info "$M" >/dev/null 2>&1 || { echo "skip: $M not registered"; continue; }
    "$PY" - "$tmp/x.npy" "$R" "$S" "${imgs[@]}" <<'PYEOF' 2>/dev/null || fail "$M: paddleclas preprocessing"
import sys, importlib.util, os
import numpy as np
spec = importlib.util.spec_from_file_location("pcp", os.path.join("tests", "image", "paddleclas_preprocess.py"))
pcp = importlib.util.module_from_spec(spec); spec.loader.exec_module(pcp)
P = pcp.load_ops()
out, R, S, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
xs = []
for f in files:
    x = open(f, "rb").read()
    for op in pcp.pipeline(P, R, S):
        x = op(x)
    xs.append(x)
np.save(out, np.stack(xs).astype(np.float32))
PYEOF
    "$zoo" infer "$M" --input "$tmp/x.npy" --output "$tmp/y.npy" --random-weights 7 || fail "$M: zoo infer"
    "$zoo" run "$M" "${imgs[@]}" --random-weights 7 --json > "$tmp/run.json" || fail "$M: zoo run"
    "$PY" - "$tmp/y.npy" "$tmp/run.json" <<'PYEOF' || fail "$M: zoo run differs from paddleclas preprocessing + zoo infer"
import json, sys
import numpy as np
y = np.load(sys.argv[1]).astype(np.float64)
runs = [json.loads(l) for l in open(sys.argv[2])]
assert len(runs) == y.shape[0]
for logits, r in zip(y, runs):
    p = np.exp(logits - logits.max()); p /= p.sum()
    top = np.argsort(-p, kind="stable")[:5]
    assert list(top) == r["class_ids"], (list(top), r["class_ids"])
    assert np.abs(p[top] - np.array(r["scores"])).max() <= 1e-5, (p[top], r["scores"])
PYEOF
done
exit 0
