#!/usr/bin/env bash
# The Vulkan backend from the command line: `zoo devices` (text and JSON), the
# backend choice (auto never picks a CPU device such as lavapipe, and says so
# on stderr; --backend vulkan uses it), --device / $ZOO_DEVICE / --precision
# errors, and `zoo infer --backend vulkan` (fp32 and fp16) against the CPU
# backend on random weights. Skips (exit 0) only when the machine has no
# Vulkan device at all; CI installs lavapipe.
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
PY=${ZOO_PY:-python3}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ZOO_HOME="$tmp/home"   # pipeline cache goes here, not into the user's cache
# Under SAN=1: Mesa's Vulkan drivers leak 128 bytes each time the loader unloads
# them (vkDestroyInstance), which ASan reports at exit from "<unknown module>"
# frames that no suppression can name. zoo's own Vulkan code is leak-checked by
# the unit tests, which keep the drivers loaded (tests/unit/vulkan_test_pin.h).
if [ "${SAN:-0}" = 1 ]; then export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"; fi

"$zoo" devices > "$tmp/devices.txt" 2> "$tmp/devices.err"; rc=$?
if [ $rc = 3 ]; then
    echo "skipped: no Vulkan device ($(cat "$tmp/devices.err"))"
    exit 0
fi
[ $rc = 0 ] || fail "zoo devices exited $rc: $(cat "$tmp/devices.err")"
grep -Eq '^0  .+ \((discrete GPU|integrated GPU|virtual GPU|CPU|other)\)' "$tmp/devices.txt" ||
    fail "devices: no device line: $(cat "$tmp/devices.txt")"
grep -q 'fp16 storage \(yes\|no\), fp16 arithmetic \(yes\|no\), subgroup size [0-9]' "$tmp/devices.txt" ||
    fail "devices: no feature line"
grep -q 'memory: heap 0 ' "$tmp/devices.txt" || fail "devices: no memory heaps"
grep -q -- '--backend auto picks ' "$tmp/devices.txt" || fail "devices: no auto line"
"$zoo" devices --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
assert d["devices"] and d["vulkan_device"] >= 0, d
for x in d["devices"]:
    assert x["type"] in ("discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other"), x
    assert isinstance(x["fp16_storage"], bool) and x["subgroup_size"] >= 1 and x["heaps"], x
gpu = any(x["type"].endswith("GPU") for x in d["devices"] if x["usable"])
assert d["auto"] == ("vulkan" if gpu else "cpu"), d
' || fail "devices --json"
"$zoo" devices --bogus >/dev/null 2>&1; [ $? = 2 ] || fail "devices --bogus should exit 2"

# a small input keeps lavapipe fast
"$PY" -c "
import numpy as np
np.save('$tmp/x.npy', np.random.RandomState(7).uniform(-1, 1, (2, 3, 64, 64)).astype('float32'))
" || fail "numpy"
m=GhostNet_x0_5
"$zoo" list | grep -q "^$m " || { echo "skipped: $m not registered"; exit 0; }
"$zoo" infer $m --input "$tmp/x.npy" --output "$tmp/cpu.npy" --random-weights 3 --backend cpu ||
    fail "infer cpu"
"$zoo" infer $m --input "$tmp/x.npy" --output "$tmp/vk.npy" --random-weights 3 --backend vulkan ||
    fail "infer vulkan"
"$zoo" infer $m --input "$tmp/x.npy" --output "$tmp/vk16.npy" --random-weights 3 --backend vulkan \
    --precision fp16 || fail "infer vulkan fp16"
# fp32: a whole network, bound as the golden check's (1e-3 of the largest logit);
# fp16: storage rounding (2^-11 per value, a few percent after ~20 layers), so 5e-2
"$PY" -c "
import numpy as np
c = np.load('$tmp/cpu.npy'); v = np.load('$tmp/vk.npy'); h = np.load('$tmp/vk16.npy')
s = max(1.0, float(np.abs(c).max()))
e32 = float(np.abs(v - c).max()) / s; e16 = float(np.abs(h - c).max()) / s
print('vulkan vs cpu: fp32 %.3g, fp16 %.3g (relative to max(1, max|cpu|))' % (e32, e16))
assert c.shape == v.shape == h.shape and np.isfinite(v).all() and np.isfinite(h).all()
assert e32 <= 1e-3 and e16 <= 5e-2
" || fail "vulkan output differs from cpu"

# auto: one stderr line; a CPU Vulkan device (lavapipe) is never picked
"$zoo" infer $m --input "$tmp/x.npy" --output "$tmp/auto.npy" --random-weights 3 --backend auto \
    2> "$tmp/auto.err" || fail "infer auto: $(cat "$tmp/auto.err")"
[ "$(grep -c '^zoo: backend auto: ' "$tmp/auto.err")" = 1 ] || fail "auto: $(cat "$tmp/auto.err")"
if "$zoo" devices --json | "$PY" -c 'import json,sys; sys.exit(json.load(sys.stdin)["auto"] != "cpu")'; then
    grep -q '^zoo: backend auto: cpu (' "$tmp/auto.err" || fail "auto should pick cpu: $(cat "$tmp/auto.err")"
else
    grep -q '^zoo: backend auto: vulkan (' "$tmp/auto.err" || fail "auto should pick vulkan"
fi

# errors: a device that does not exist, a bad $ZOO_DEVICE, a bad precision
err=$("$zoo" infer $m --input "$tmp/x.npy" --output "$tmp/o.npy" --random-weights 3 \
      --backend vulkan --device 99 2>&1); rc=$?
[ $rc = 2 ] || fail "--device 99 exited $rc"
echo "$err" | grep -q 'device 99 does not exist' || fail "--device 99: $err"
err=$(ZOO_DEVICE=abc "$zoo" infer $m --input "$tmp/x.npy" --output "$tmp/o.npy" \
      --random-weights 3 --backend vulkan 2>&1); rc=$?
[ $rc = 2 ] || fail "ZOO_DEVICE=abc exited $rc"
echo "$err" | grep -q "ZOO_DEVICE='abc' is not a device index" || fail "ZOO_DEVICE: $err"
"$zoo" infer $m --input "$tmp/x.npy" --output "$tmp/o.npy" --random-weights 3 --backend vulkan \
    --precision fp8 >/dev/null 2>&1; [ $? = 2 ] || fail "--precision fp8 should exit 2"
"$zoo" bench $m --backend vulkan --runs 1 --warmup 0 --batch 1,2 > "$tmp/bench.txt" ||
    fail "bench vulkan"
grep -q 'backend vulkan' "$tmp/bench.txt" || fail "bench header: $(cat "$tmp/bench.txt")"
echo "ok"
