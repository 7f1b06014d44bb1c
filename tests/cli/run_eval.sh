#!/usr/bin/env bash
# `zoo eval` counts what it should. With synthetic weights the model's
# predictions are arbitrary but deterministic, so the labels are built from
# `zoo run --json` on the 11 real val-full-size JPEGs: 4 images labelled with
# their top-1 class, 3 with their 4th class (top-5 hits only), 4 with a class
# outside their top-5. eval must then report top-1 4/11 and top-5 7/11, for
# any batch size (1, 3: the decoder ring wraps, 16: one partial batch) and
# with --limit. Then: --json, no progress bar when stderr is not a terminal
# and one on a pseudo-terminal,
# a bad labels line (exit 2 naming FILE:LINE), a corrupt image (exit 2 naming
# it), a missing labels file (3), a class index beyond the model (2).
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
fail() { echo "FAIL: $*"; exit 1; }
M=GhostNet_x0_5
src=../shared/data/imagenet/val-full-size
[ -d "$src" ] || { echo "skip: no $src"; exit 0; }
"$zoo" info $M >/dev/null 2>&1 || { echo "skip: $M not registered"; exit 0; }
PY=${ZOO_PY:-}
[ -n "$PY" ] || PY=$(bash tests/venv.sh) || fail "no test venv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/imgs"
cp "$src"/*.[jJ][pP]*[gG] "$tmp/imgs/"
mv "$tmp/imgs/ILSVRC2012_val_00000010.jpeg" "$tmp/imgs/with space.jpeg"   # names may hold spaces
( cd "$tmp/imgs" && ls ) > "$tmp/files.txt"
mapfile -t files < "$tmp/files.txt"
[ "${#files[@]}" = 11 ] || fail "expected 11 images"
( cd "$tmp/imgs" && "$OLDPWD/$zoo" run $M "${files[@]}" --random-weights 3 --json ) > "$tmp/run.json" || fail "zoo run"
"$PY" - "$tmp/run.json" "$tmp/labels.txt" <<'PYEOF' || fail "making labels"
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[2], "w") as f:
    for i, r in enumerate(runs):
        ids = r["class_ids"]
        if i < 4:
            label = ids[0]
        elif i < 7:
            label = ids[3]
        else:
            label = next(c for c in range(1000) if c not in ids)
        f.write(f"{r['file_name']} {label}\n")
PYEOF
for b in 1 3 16; do
    out=$("$zoo" eval $M "$tmp/imgs" --labels "$tmp/labels.txt" --random-weights 3 --batch $b 2>"$tmp/err") || fail "eval --batch $b: $(cat "$tmp/err")"
    echo "$out" | grep -q '^count     11$' || fail "batch $b count: $out"
    echo "$out" | grep -q '^top-1     0.3636  (4)$' || fail "batch $b top-1: $out"
    echo "$out" | grep -q '^top-5     0.6364  (7)$' || fail "batch $b top-5: $out"
    echo "$out" | grep -q '^images/s  ' || fail "batch $b images/s: $out"
    [ ! -s "$tmp/err" ] || fail "stderr is not a terminal, yet: $(cat "$tmp/err")"
done
# on a terminal (a pseudo-terminal from script(1)): a progress bar on stderr
if command -v script >/dev/null 2>&1; then
    script -qec "'$zoo' eval $M '$tmp/imgs' --labels '$tmp/labels.txt' --random-weights 3 --batch 4" /dev/null \
        > "$tmp/tty.txt" 2>&1 || fail "eval on a pty"
    grep -q '\] 11/11 ' "$tmp/tty.txt" || fail "no progress bar on a terminal: $(cat "$tmp/tty.txt")"
    grep -q '^top-1     0.3636  (4)' "$tmp/tty.txt" || fail "pty result: $(cat "$tmp/tty.txt")"
fi
out=$("$zoo" eval $M "$tmp/imgs" --labels "$tmp/labels.txt" --random-weights 3 --limit 5 --json) || fail "--limit --json"
"$PY" -c '
import json, sys
o = json.loads(sys.argv[1])
assert o["count"] == 5 and abs(o["top1"] - 4 / 5) < 1e-9 and abs(o["top5"] - 5 / 5) < 1e-9, o
assert o["images_per_s"] > 0 and o["model"] == "GhostNet_x0_5"
' "$out" || fail "--json: $out"
# errors
printf '%s 1\nno_index_here\n' "${files[1]}" > "$tmp/bad_labels.txt"
err=$("$zoo" eval $M "$tmp/imgs" --labels "$tmp/bad_labels.txt" --random-weights 3 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] || fail "bad labels: exit $rc"
echo "$err" | grep -q "bad_labels.txt:2: expected '<file> <class index>'" || fail "bad labels message: $err"
printf 'garbage' > "$tmp/imgs/broken.jpg"
printf '%s 1\nbroken.jpg 2\n' "${files[1]}" > "$tmp/broken_labels.txt"
err=$("$zoo" eval $M "$tmp/imgs" --labels "$tmp/broken_labels.txt" --random-weights 3 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] || fail "corrupt image: exit $rc"
[ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "broken.jpg: unsupported image format" || fail "corrupt image message: $err"
"$zoo" eval $M "$tmp/imgs" --labels "$tmp/none.txt" --random-weights 3 >/dev/null 2>&1; rc=$?
[ $rc = 3 ] || fail "missing labels file: exit $rc"
printf '%s 1000\n' "${files[1]}" > "$tmp/big_labels.txt"
"$zoo" eval $M "$tmp/imgs" --labels "$tmp/big_labels.txt" --random-weights 3 >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "class index out of range: exit $rc"
"$zoo" eval $M "$tmp/imgs" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "no --labels: exit $rc"
exit 0
