#!/usr/bin/env bash
# timm round trips: a timm model with random weights (tests/official/
# timm_export.py) saved three ways - torch.save zip (torch >= 1.6 format),
# torch.save legacy stream (_use_new_zipfile_serialization=False) and
# safetensors - must convert onto the zoo model that is the same network
# (through the timm aliases the family plugins declare) and give timm's logits.
#
# Tolerance: max |zoo - timm| / max |timm| <= 1e-4 over a batch of 2. Both
# sides compute in fp32 with different summation orders; the measured
# error is ~1e-6 (docs/official.md), so 1e-4 leaves room for other CPU kernels
# while any real mistake (a swapped or untransposed tensor, a different BN
# epsilon, padding, activation) moves the logits by far more.
#
# Default: one model per mapped architecture kind. ZOO_OFFICIAL_ALL=1: every
# mapped model (DenseNet121/161/169/201, EfficientNetB0-B7, EfficientNet_lite0-2),
# as used for the report in docs/official.md. Needs the PyTorch venv
# (tests/official/venv.sh: Debian python3-torch + timm).
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
fail() { echo "FAIL: $*"; exit 1; }
PY=$(bash tests/official/venv.sh) || fail "no PyTorch venv (scripts/install-deps.sh, tests/official/venv.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# timm name, zoo model, eval size
quick="densenet121 DenseNet121 224
tf_efficientnet_b0 EfficientNetB0 224
tf_efficientnet_b3 EfficientNetB3 300
tf_efficientnet_lite0 EfficientNet_lite0 224"
all="densenet121 DenseNet121 224
densenet161 DenseNet161 224
densenet169 DenseNet169 224
densenet201 DenseNet201 224
tf_efficientnet_b0 EfficientNetB0 224
tf_efficientnet_b1 EfficientNetB1 240
tf_efficientnet_b2 EfficientNetB2 260
tf_efficientnet_b3 EfficientNetB3 300
tf_efficientnet_b4 EfficientNetB4 380
tf_efficientnet_b5 EfficientNetB5 456
tf_efficientnet_b6 EfficientNetB6 528
tf_efficientnet_b7 EfficientNetB7 600
tf_efficientnet_lite0 EfficientNet_lite0 224
tf_efficientnet_lite1 EfficientNet_lite1 240
tf_efficientnet_lite2 EfficientNet_lite2 260"
list=$quick
[ "${ZOO_OFFICIAL_ALL:-0}" = 1 ] && list=$all

now() { date +%s.%N; }
while read -r tname model size; do
    [ -n "$tname" ] || continue
    d="$tmp/$tname"
    "$PY" tests/official/timm_export.py "$tname" "$size" "$d" >/dev/null 2>"$tmp/err" ||
        { cat "$tmp/err"; fail "$tname: export"; }
    for f in zip.pth legacy.pth model.safetensors; do
        t0=$(now)
        "$zoo" convert "$model" "$d/$f" -o "$d/$f.zoo" >/dev/null 2>"$tmp/err" ||
            { cat "$tmp/err"; fail "$model from timm $tname $f: convert"; }
        t1=$(now)
        "$zoo" infer "$model" --weights "$d/$f.zoo" --input "$d/x.npy" --output "$d/$f.y.npy" \
            >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; fail "$model ($f): infer"; }
        "$PY" - "$d/y.npy" "$d/$f.y.npy" "$model" "$tname" "$f" "$t0" "$t1" <<'PYEOF' || fail "$model ($f): logits differ"
import sys
import numpy as np
ref, got = np.load(sys.argv[1]), np.load(sys.argv[2])
model, tname, f, t0, t1 = sys.argv[3:8]
assert ref.shape == got.shape, (ref.shape, got.shape)
assert np.isfinite(ref).all() and np.abs(ref).max() > 0
rel = float(np.abs(ref - got).max() / np.abs(ref).max())
print(f"{model:20s} timm {tname:22s} {f:18s} max rel err {rel:.2e}  convert {float(t1) - float(t0):.2f} s")
sys.exit(0 if rel <= 1e-4 else 1)
PYEOF
        rm -f "$d/$f.zoo" "$d/$f.y.npy"
    done
    rm -rf "$d"
done <<<"$list"
echo "ok"
