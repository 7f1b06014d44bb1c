#!/usr/bin/env bash
# `zoo run` as a user meets it, on a real ImageNet JPEG and on PNGs, with
# synthetic weights (hidden --random-weights SEED): 5 lines "<p> <id> <label>"
# whose labels are the label list's, --topk, several images (headers, one
# batch), --json (one object per image per line, PaddleClas' keys, parsed by
# Python), and the failures: no weights (exit 3 naming 'zoo fetch MODEL'),
# corrupt / truncated / foreign images (one line naming the file, exit 2),
# missing image (exit 3), unknown model (3), usage (2).
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
fail() { echo "FAIL: $*"; exit 1; }
M=GhostNet_x0_5
"$zoo" info $M >/dev/null 2>&1 || { echo "skip: $M not registered"; exit 0; }
img=../shared/data/imagenet/val-full-size/ILSVRC2012_val_00000010.jpeg
[ -f "$img" ] || { echo "skip: no $img"; exit 0; }
labels=manifests/imagenet1k_label_list.txt
PY=${ZOO_PY:-}
[ -n "$PY" ] || PY=$(bash tests/venv.sh) || fail "no test venv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ZOO_HOME="$tmp/home"   # an empty cache

# ---- one image: 5 lines, probabilities descending, labels from the list
out=$("$zoo" run $M "$img" --random-weights 1) || fail "run exited $?"
out1=$out
[ "$(echo "$out" | wc -l)" = 5 ] || fail "expected 5 lines, got: $out"
prev=2
while read -r p id label; do
    [[ $p =~ ^[01]\.[0-9]{5}$ ]] || fail "probability '$p'"
    want=$(awk -v id="$id" '$1 == id { sub(/^[0-9]+ /, ""); print; exit }' "$labels")
    [ -n "$label" ] && [ "$label" = "$want" ] || fail "class $id: label '$label', list says '$want'"
    awk -v a="$p" -v b="$prev" 'BEGIN { exit !(a <= b) }' || fail "not descending: $out"
    prev=$p
done <<< "$out"
# deterministic
[ "$("$zoo" run $M "$img" --random-weights 1)" = "$out" ] || fail "not deterministic"
[ "$("$zoo" run $M "$img" --random-weights 1 --topk 3 | wc -l)" = 3 ] || fail "--topk 3"
# the reference backend: the same classes (probabilities may differ in the 5th decimal)
ref=$("$zoo" run $M "$img" --random-weights 1 --backend cpu-ref) || fail "--backend cpu-ref"
[ "$(echo "$ref" | awk '{print $2}')" = "$(echo "$out" | awk '{print $2}')" ] || fail "cpu-ref classes: $ref / $out"

# ---- PNGs (RGB and grey + alpha) and several images in one batch
"$PY" - "$tmp" <<'PYEOF' || fail "writing PNGs"
import sys, numpy as np
from PIL import Image
rng = np.random.default_rng(1)
Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)).save(sys.argv[1] + "/a.png")
Image.fromarray(rng.integers(0, 256, (260, 250, 2), dtype=np.uint8), "LA").save(sys.argv[1] + "/b.png")
PYEOF
out3=$("$zoo" run $M "$img" "$tmp/a.png" "$tmp/b.png" --random-weights 1 --batch 2) || fail "three images"
[ "$(echo "$out3" | grep -c '^==> ')" = 3 ] || fail "headers: $out3"
[ "$(echo "$out3" | grep -vc '^==> ')" = 15 ] || fail "15 result lines: $out3"
[ "$(echo "$out3" | sed -n '2,6p')" = "$out" ] || fail "batched result differs from the single run"

# ---- --json: one object per image per line
"$zoo" run $M "$img" "$tmp/a.png" --random-weights 1 --json > "$tmp/j.txt" || fail "--json"
"$PY" - "$tmp/j.txt" "$img" "$labels" <<'PYEOF' || fail "--json content"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
names = {}
for l in open(sys.argv[3]):
    i, n = l.rstrip("\n").split(" ", 1)
    names[int(i)] = n
for l in lines:
    o = json.loads(l)
    assert set(o) == {"file_name", "model", "class_ids", "scores", "label_names"}, o
    assert o["model"] == "GhostNet_x0_5"
    assert len(o["class_ids"]) == len(o["scores"]) == len(o["label_names"]) == 5
    assert o["scores"] == sorted(o["scores"], reverse=True) and 0 <= sum(o["scores"]) <= 1.0001
    assert all(names[c] == n for c, n in zip(o["class_ids"], o["label_names"]))
assert json.loads(lines[0])["file_name"] == sys.argv[2]
PYEOF

# ---- failures
err=$("$zoo" run $M "$img" 2>&1 >/dev/null); rc=$?
[ $rc = 3 ] || fail "no weights: exit $rc"
echo "$err" | grep -q "run 'zoo fetch $M'" || fail "no weights message: $err"
printf 'not an image\n' > "$tmp/text.jpg"
head -c 3000 "$img" > "$tmp/cut.jpg"
for f in text.jpg cut.jpg; do
    err=$("$zoo" run $M "$tmp/$f" --random-weights 1 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] || fail "$f: exit $rc"
    [ "$(echo "$err" | wc -l)" = 1 ] || fail "$f: not one line: $err"
    echo "$err" | grep -q "^zoo: $tmp/$f: " || fail "$f: message does not name the file: $err"
done
echo "$("$zoo" run $M "$tmp/cut.jpg" --random-weights 1 2>&1)" | grep -q "truncated JPEG" || fail "truncated message"
# a bad image among good ones: the good ones are still classified, exit 2
out=$("$zoo" run $M "$tmp/text.jpg" "$img" --random-weights 1 2>/dev/null); rc=$?
[ $rc = 2 ] || fail "mixed: exit $rc"
[ "$(echo "$out" | grep -vc '^==> ')" = 5 ] || fail "mixed: the good image was not classified: $out"
"$zoo" run $M "$tmp/nonexistent.jpg" --random-weights 1 >/dev/null 2>&1; rc=$?
[ $rc = 3 ] || fail "missing image: exit $rc"
"$zoo" run NoSuchModel "$img" --random-weights 1 >/dev/null 2>&1; rc=$?
[ $rc = 3 ] || fail "unknown model: exit $rc"
"$zoo" run $M >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "no images: exit $rc"
"$zoo" run $M "$img" --topk 0 >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--topk 0: exit $rc"
"$zoo" help run | grep -q 'usage: zoo run MODEL IMAGE' || fail "help run"

# ---- no manifest and no label list (a copy of the binary in a tree without
# manifests/): the model's own sizes (GhostNet: 256 / 224, as its manifest) and
# ImageNet mean / std, so the same probabilities; empty names and one warning
if [ ! -d /usr/local/share/zoo/manifests ] && [ -z "${ZOO_MANIFEST_PATH:-}" ]; then
    mkdir -p "$tmp/inst/bin"
    cp "$zoo" "$BUILD/libzoo.so" "$tmp/inst/bin/"
    cp -r "$BUILD/plugins" "$tmp/inst/bin/plugins"
    out=$("$tmp/inst/bin/zoo" run $M "$img" --random-weights 1 2>"$tmp/err") || fail "run without manifests: $(cat "$tmp/err")"
    [ "$(echo "$out" | awk '{print $1, $2}')" = "$(echo "$out1" | awk '{print $1, $2}')" ] || \
        fail "without a manifest: $out / $out1"
    grep -q "warning: no imagenet1k_label_list.txt found" "$tmp/err" || fail "no label-list warning: $(cat "$tmp/err")"
fi
exit 0
