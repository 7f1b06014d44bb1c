#!/usr/bin/env bash
# zoo infer and zoo bench as a script uses them: raw .npy in and out, both CPU
# backends agreeing, a non-default input size, batch handling, and clean
# one-line errors for bad .npy input (exit 2) and missing weights (exit 3).
set -euo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
PY=${ZOO_PY:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ZOO_HOME="$tmp/home"
fail() { echo "FAIL: $*"; exit 1; }
"$PY" - "$tmp" <<'PYEOF'
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(1)
np.save(f"{d}/x3.npy", rng.standard_normal((3, 3, 96, 80)).astype("float32"))
np.save(f"{d}/x64.npy", rng.standard_normal((1, 3, 64, 64)).astype("float64"))
np.save(f"{d}/x1c.npy", rng.standard_normal((1, 1, 64, 64)).astype("float32"))
open(f"{d}/junk.npy", "wb").write(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'")
PYEOF
# fast path vs reference on a whole model at a non-default size, batch 3
"$zoo" infer GhostNet_x0_5 --random-weights 5 --input "$tmp/x3.npy" --output "$tmp/fast.npy"
"$zoo" infer GhostNet_x0_5 --random-weights 5 --input "$tmp/x3.npy" --output "$tmp/ref.npy" --backend cpu-ref
"$PY" - "$tmp" <<'PYEOF'
import sys, numpy as np
d = sys.argv[1]
a, b = np.load(f"{d}/fast.npy"), np.load(f"{d}/ref.npy")
assert a.shape == (3, 1000), a.shape
# fast path (fp32, folded BN, blocked GEMM) vs reference (double accumulation):
# differences are rounding only, ~1e-6 relative to the largest logit
err = np.abs(a - b).max() / max(1.0, np.abs(b).max())
assert err < 1e-5, err
# batch items are independent: image 1 alone gives the same row
PYEOF
# single image of the batch gives the same logits as inside the batch
"$PY" -c "import numpy as np; x=np.load('$tmp/x3.npy'); np.save('$tmp/x1.npy', x[1:2])"
"$zoo" infer GhostNet_x0_5 --random-weights 5 --input "$tmp/x1.npy" --output "$tmp/one.npy"
"$PY" -c "
import numpy as np
a=np.load('$tmp/fast.npy')[1]; b=np.load('$tmp/one.npy')[0]
assert np.abs(a-b).max() <= 1e-5*max(1,np.abs(a).max()), np.abs(a-b).max()"
# errors
set +e
err=$("$zoo" infer GhostNet_x0_5 --random-weights 1 --input "$tmp/x64.npy" --output "$tmp/o.npy" 2>&1); rc=$?
[ $rc = 2 ] && echo "$err" | grep -q "x64.npy: only little-endian float32" || fail "float64 input: $rc $err"
err=$("$zoo" infer GhostNet_x0_5 --random-weights 1 --input "$tmp/junk.npy" --output "$tmp/o.npy" 2>&1); rc=$?
[ $rc = 2 ] && echo "$err" | grep -q "junk.npy" || fail "junk input: $rc $err"
err=$("$zoo" infer GhostNet_x0_5 --random-weights 1 --input "$tmp/x1c.npy" --output "$tmp/o.npy" 2>&1); rc=$?
[ $rc = 2 ] && echo "$err" | grep -q "expected an N x 3 x H x W" || fail "channels: $rc $err"
err=$("$zoo" infer GhostNet_x0_5 --input "$tmp/x1.npy" --output "$tmp/o.npy" 2>&1); rc=$?
[ $rc = 3 ] && echo "$err" | grep -q "zoo fetch GhostNet_x0_5" || fail "no weights: $rc $err"
[ ! -e "$tmp/o.npy" ] || fail "output written on failure"
err=$("$zoo" infer GhostNet_x0_5 --random-weights 1 --input "$tmp/x1.npy" --output "$tmp/o.npy" --backend tpu 2>&1); rc=$?
[ $rc = 2 ] && echo "$err" | grep -q "backend tpu is not available" || fail "backend: $rc $err"
set -e
# bench: table and JSON
"$zoo" bench GhostNet_x0_5 --batch 1,2 --runs 2 --warmup 1 --threads 1 > "$tmp/bench.txt"
grep -Eq '^ +2 +[0-9.]+ +[0-9.]+ +[0-9.]+' "$tmp/bench.txt" || fail "bench table: $(cat "$tmp/bench.txt")"
"$zoo" bench GhostNet_x0_5 --batch 1 --runs 2 --warmup 0 --json | "$PY" -c "
import json,sys; d=json.load(sys.stdin); r=d['results'][0]
assert d['model']=='GhostNet_x0_5' and r['batch']==1 and r['median_ms']>0 and r['peak_rss_mb']>0, d"
echo "infer_bench: ok"
