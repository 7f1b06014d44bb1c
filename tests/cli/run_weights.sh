#!/usr/bin/env bash
# Where `zoo run` / `zoo eval` get weights: --weights NATIVE.zoo, --weights
# SOURCE.pdparams (converted on the fly into a temporary file that is removed),
# the model cache - all three must classify identically. The source is a state
# dict with PaddleClas' exact GhostNet_x0_5 keys and shapes
# (../shared/data/paddleclas-keys/GhostNet_x0_5.tsv, random values) pickled by
# Python. Errors: a missing --weights file (exit 3), a file that is neither
# native nor convertible (exit 2), a damaged native file (exit 4).
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
fail() { echo "FAIL: $*"; exit 1; }
M=GhostNet_x0_5
tsv=../shared/data/paddleclas-keys/$M.tsv
img=../shared/data/imagenet/val-full-size/ILSVRC2012_val_00000010.jpeg
[ -f "$tsv" ] && [ -f "$img" ] || { echo "skip: no $tsv or $img"; exit 0; }
"$zoo" info $M >/dev/null 2>&1 || { echo "skip: $M not registered"; exit 0; }
PY=${ZOO_PY:-}
[ -n "$PY" ] || PY=$(bash tests/venv.sh) || fail "no test venv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR="$tmp/t"   # zoo's temporary conversion goes here: must be empty afterwards
mkdir -p "$TMPDIR"
"$PY" - "$tsv" "$tmp/g.pdparams" <<'PYEOF' || fail "making the state dict"
import pickle, sys
import numpy as np
tsv, out = sys.argv[1:3]
rng = np.random.default_rng(11)
sd, table = {}, {}
for line in open(tsv):
    if line.startswith("#"):
        continue
    key, param, shape, _ = line.rstrip("\n").split("\t")
    dims = [int(d) for d in shape.split("x")] if shape else []
    a = rng.standard_normal(dims).astype("float32") * 0.1
    if key.endswith("_variance"):
        a = np.abs(a) + 1.0
    sd[key], table[key] = a, param
sd["StructuredToParameterName@@"] = table
pickle.dump(sd, open(out, "wb"), protocol=4)
PYEOF
"$zoo" convert $M "$tmp/g.pdparams" -o "$tmp/g.zoo" >/dev/null || fail "zoo convert"
a=$("$zoo" run $M "$img" --weights "$tmp/g.zoo" --json) || fail "run with a native file"
b=$("$zoo" run $M "$img" --weights "$tmp/g.pdparams" --json) || fail "run with a .pdparams (on-the-fly conversion)"
[ "$a" = "$b" ] || fail "native and converted-on-the-fly differ: $a / $b"
[ -z "$(ls -A "$TMPDIR")" ] || fail "temporary conversion left behind: $(ls -A "$TMPDIR")"
export ZOO_HOME="$tmp/home"
mkdir -p "$ZOO_HOME/models/$M"
cp "$tmp/g.zoo" "$ZOO_HOME/models/$M/$M.zoo"
c=$("$zoo" run $M "$img" --json) || fail "run from the cache"
[ "$a" = "$c" ] || fail "cache and --weights differ"
# eval uses the same loader
printf '%s 0\n' "$(basename "$img")" > "$tmp/labels.txt"
"$zoo" eval $M "$(dirname "$img")" --labels "$tmp/labels.txt" --weights "$tmp/g.pdparams" >/dev/null || fail "eval --weights .pdparams"
# errors
"$zoo" run $M "$img" --weights "$tmp/none.zoo" >/dev/null 2>&1; rc=$?
[ $rc = 3 ] || fail "missing --weights file: exit $rc"
printf 'garbage garbage garbage' > "$tmp/junk.bin"
err=$("$zoo" run $M "$img" --weights "$tmp/junk.bin" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] || fail "junk --weights: exit $rc ($err)"
[ "$(echo "$err" | wc -l)" = 1 ] || fail "junk --weights: not one line: $err"
cp "$tmp/g.zoo" "$tmp/bad.zoo"
size=$(stat -c %s "$tmp/bad.zoo")
printf '\x55' | dd of="$tmp/bad.zoo" bs=1 seek=$((size - 100)) conv=notrunc status=none
"$zoo" run $M "$img" --weights "$tmp/bad.zoo" >/dev/null 2>&1; rc=$?
[ $rc = 4 ] || fail "damaged native file: exit $rc"
[ -z "$(ls -A "$TMPDIR")" ] || fail "temporary files left behind: $(ls -A "$TMPDIR")"
exit 0
