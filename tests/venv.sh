#!/usr/bin/env bash
# Ensures the test virtual environment exists and prints its python path.
#   PY=$(bash tests/venv.sh)
# The venv lives in build/venv (override: ZOO_VENV); packages come from
# tests/requirements.txt, and paddleclas is added with --no-deps (its model-zoo
# modules need only paddle). A stamp file makes re-runs instant.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${ZOO_VENV:-$root/build/venv}
stamp="$venv/.zoo-stamp"
want=$(cat "$root/tests/requirements.txt"; echo paddleclas-no-deps-v1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "$venv/bin/python"; exit 0
fi
{
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q -r "$root/tests/requirements.txt"
    "$venv/bin/python" -m pip install -q --no-deps paddleclas
} >&2
printf '%s' "$want" > "$stamp"
echo "$venv/bin/python"
