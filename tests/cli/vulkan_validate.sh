#!/usr/bin/env bash
# The Vulkan backend under the Khronos validation layer (ZOO_VK_VALIDATE=1:
# core checks plus synchronization validation, every message printed as
# "zoo: vulkan validation: ..."): one model of every registered family, at a
# small input, batch 1 and 2, fp32 and
# fp16. Any validation message fails the test. A run with the inter-step
# barriers removed (ZOO_VK_DEBUG_SKIP_BARRIERS=1, a test hook) must produce
# synchronization errors, so the check is known to be able to fail.
# Skips (exit 0) when there is no Vulkan device or no validation layer.
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
PY=${ZOO_PY:-python3}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ZOO_HOME="$tmp/home"
# Under SAN=1: Mesa's Vulkan drivers leak 128 bytes each time the loader unloads
# them (vkDestroyInstance), which ASan reports at exit from "<unknown module>"
# frames that no suppression can name. zoo's own Vulkan code is leak-checked by
# the unit tests, which keep the drivers loaded (tests/unit/vulkan_test_pin.h).
if [ "${SAN:-0}" = 1 ]; then export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"; fi
if ! "$zoo" devices >/dev/null 2>&1; then echo "skipped: no Vulkan device"; exit 0; fi
"$PY" -c "
import numpy as np
np.save('$tmp/x1.npy', np.random.RandomState(1).uniform(-1, 1, (1, 3, 96, 96)).astype('float32'))
np.save('$tmp/x2.npy', np.random.RandomState(2).uniform(-1, 1, (2, 3, 96, 96)).astype('float32'))
" || fail "numpy"
export ZOO_VK_VALIDATE=1
first_model=$("$zoo" list | awk 'NR > 1 {print $1; exit}')
# the layer must be there, else there is nothing to test
err=$("$zoo" infer "$first_model" --input "$tmp/x1.npy" --output "$tmp/o.npy" --random-weights 1 \
      --backend vulkan 2>&1 >/dev/null)
if echo "$err" | grep -q 'is not installed'; then echo "skipped: $err"; exit 0; fi

# one model per family: the first one `zoo list` shows
models=$("$zoo" list | awk 'NR > 1 && !seen[$2]++ {print $1}')
[ -n "$models" ] || fail "no models registered"
n=0
for m in $models; do
    for prec in fp32 fp16; do
        for x in x1 x2; do
            "$zoo" infer "$m" --input "$tmp/$x.npy" --output "$tmp/o.npy" --random-weights 1 \
                --backend vulkan --precision $prec > "$tmp/out" 2> "$tmp/err"; rc=$?
            if grep -q 'vulkan validation' "$tmp/err"; then
                head -5 "$tmp/err" | cut -c1-600
                fail "$m $prec $x: $(grep -c 'vulkan validation' "$tmp/err") validation message(s)"
            fi
            [ $rc = 0 ] || fail "$m $prec $x exited $rc: $(cat "$tmp/err")"
            n=$((n + 1))
        done
    done
    echo "$m: no validation messages (fp32, fp16; batch 1, 2)"
done
# the check can fail: without barriers, synchronization validation reports hazards
ZOO_VK_DEBUG_SKIP_BARRIERS=1 "$zoo" infer "$first_model" --input "$tmp/x2.npy" \
    --output "$tmp/o.npy" --random-weights 1 --backend vulkan > /dev/null 2> "$tmp/err"
grep -q 'SYNC-HAZARD' "$tmp/err" || fail "no hazard reported without barriers: $(head -3 "$tmp/err")"
echo "ok: $n validated runs; a run without barriers is caught"
