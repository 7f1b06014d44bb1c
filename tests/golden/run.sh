#!/usr/bin/env bash
# tests/golden/run.sh - `make golden`: every model against real PaddleClas in real Paddle.
#   1. the test venv (tests/venv.sh: Paddle 3.x + paddleclas) and the classic-export venv
#      (tests/golden/venv_classic.sh: Paddle 2.6.2, OpenCV);
#   2. tests/golden/gen.py: fixtures in $ZOO_GOLDEN_DIR (default build/golden), regenerating only
#      what is missing or stale;
#   3. builds $BUILD/golden/golden_check against $BUILD/libzoo.so (the Makefile's test flags);
#   4. golden_check --npy-selftest (its .npy reader against numpy-written cases), then
#      golden_check over every model and format; its closing line is "N passed, N failed, N skipped";
#   5. golden_check --backend vulkan, then --backend vulkan --fp16, when a Vulkan device exists.
# Environment: BUILD (default build), ZOO_GOLDEN_DIR, ZOO_GOLDEN_MODELS=A,B (subset),
# ZOO_GOLDEN_FULL=1 (run every format instead of reusing identical weights),
# ZOO_GOLDEN_SELFTEST=1 (compare against the deliberately wrong networks: must FAIL, exit non-zero),
# ZOO_GOLDEN_VULKAN=0 (skip the Vulkan passes).
# Exit status: non-zero if generation, the build or any check failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
export ZOO_GOLDEN_DIR=${ZOO_GOLDEN_DIR:-$root/build/golden}

[ -f "$BUILD/libzoo.so" ] || { echo "golden: $BUILD/libzoo.so missing (make BUILD=$BUILD first)"; exit 1; }

PY=${ZOO_PY:-$(bash tests/venv.sh)}
ZOO_GOLDEN_PY_CLASSIC=${ZOO_GOLDEN_PY_CLASSIC:-$(bash tests/golden/venv_classic.sh)}
export ZOO_GOLDEN_PY_CLASSIC

gen_args=()
[ -n "${ZOO_GOLDEN_MODELS:-}" ] && gen_args+=(--models "$ZOO_GOLDEN_MODELS")
t0=$(date +%s)
"$PY" tests/golden/gen.py "${gen_args[@]}"
echo "golden: fixtures ready in $(( $(date +%s) - t0 )) s ($(du -sh "$ZOO_GOLDEN_DIR" | cut -f1) in $ZOO_GOLDEN_DIR)"

# the Makefile's test flags (-std=c17 -Wall -Wextra -Werror ... -Iinclude -I.), sanitizers if SAN=1
cflags=(-std=c17 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -O2 -g -pthread -D_GNU_SOURCE
        -Iinclude -I.)
[ "${SAN:-0}" = 1 ] && cflags+=(-fsanitize=address,undefined -fno-omit-frame-pointer)
mkdir -p "$BUILD/golden"
# shellcheck disable=SC2046
cc "${cflags[@]}" $(pkg-config --cflags jansson) -o "$BUILD/golden/golden_check" \
    tests/golden/golden_check.c -L"$BUILD" -lzoo -Wl,-rpath,"$(cd "$BUILD" && pwd)" \
    $(pkg-config --libs jansson) -lm

"$BUILD/golden/golden_check" --npy-selftest "$ZOO_GOLDEN_DIR/_npy"

check_args=(--golden "$ZOO_GOLDEN_DIR" --plugins "$BUILD/plugins")
[ -n "${ZOO_GOLDEN_MODELS:-}" ] && check_args+=(--models "$ZOO_GOLDEN_MODELS")
[ "${ZOO_GOLDEN_FULL:-0}" = 1 ] && check_args+=(--full)
[ "${ZOO_GOLDEN_SELFTEST:-0}" = 1 ] && check_args+=(--selftest)
"$BUILD/golden/golden_check" "${check_args[@]}"

# 5. the same models on the Vulkan backend (docs/vulkan.md): fp32 within 1e-3 * max(1, |paddle|),
#    fp16 storage with Paddle's top-1; skipped without a Vulkan device or with ZOO_GOLDEN_VULKAN=0
#    (lavapipe runs them on the CPU: see docs/vulkan.md for the time this takes)
if [ "${ZOO_GOLDEN_VULKAN:-1}" != 0 ] && [ "${ZOO_GOLDEN_SELFTEST:-0}" != 1 ]; then
    if "$BUILD/zoo" devices >/dev/null 2>&1; then
        "$BUILD/golden/golden_check" "${check_args[@]}" --backend vulkan
        "$BUILD/golden/golden_check" "${check_args[@]}" --backend vulkan --fp16
    else
        echo "golden: no Vulkan device, Vulkan checks skipped"
    fi
fi
