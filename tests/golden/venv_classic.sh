#!/usr/bin/env bash
# Ensures the classic-export venv exists and prints its python path.
#   PY2=$(bash tests/golden/venv_classic.sh)
# Lives in build/venv-golden-classic (override: ZOO_GOLDEN_VENV_CLASSIC); packages come
# from tests/golden/requirements-classic.txt (Paddle 2.6.2 writes the classic
# inference.pdmodel form; OpenCV runs PaddleClas' preprocessing), plus paddleclas
# --no-deps for the model code. A stamp file makes re-runs instant.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${ZOO_GOLDEN_VENV_CLASSIC:-$root/build/venv-golden-classic}
stamp="$venv/.zoo-stamp"
want=$(cat "$root/tests/golden/requirements-classic.txt"; echo paddleclas==2.6.0-no-deps-v1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "$venv/bin/python"; exit 0
fi
{
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -r "$root/tests/golden/requirements-classic.txt"
    "$venv/bin/python" -m pip install -q --no-deps paddleclas==2.6.0
} >&2
printf '%s' "$want" > "$stamp"
echo "$venv/bin/python"
