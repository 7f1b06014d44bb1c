#!/usr/bin/env bash
# `zoo convert --raw` on real Paddle files, checked with the ecosystem's own
# readers: the .zoo output is opened with safetensors (numpy) and must hold
# exactly the arrays Python's pickle + numpy read from the .pdparams (bit for
# bit), and the MobileNetV3 inference export must give the same tensors under
# their parameter names (mapped through the .pdiparams.info).
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
shared=../shared/data/paddle-files
fail() { echo "FAIL: $*"; exit 1; }
[ -d "$shared" ] || { echo "skip: no $shared"; exit 0; }
PY=${ZOO_PY:-}
[ -n "$PY" ] || PY=$(bash tests/venv.sh) || fail "no test venv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mnv3=$shared/mobilenetv3-small-x0_35-3cls
"$zoo" convert --raw "$mnv3/output/model.pdparams" -o "$tmp/pd.zoo" >/dev/null || fail "pdparams p4"
"$zoo" convert --raw "$shared/mlp-protocol2/model.pdparams" -o "$tmp/mlp.zoo" >/dev/null || fail "pdparams p2"
"$zoo" convert --raw "$mnv3/inference" -o "$tmp/inf.zoo" >/dev/null || fail "inference dir"
"$zoo" convert --raw "$shared/mlp-protocol2/model.pdparams" -o "$tmp/mlp16.zoo" --dtype f16 >/dev/null || fail "f16"

"$PY" - "$mnv3" "$shared/mlp-protocol2/model.pdparams" "$tmp" <<'PYEOF' || fail "safetensors/numpy comparison"
import hashlib, pickle, sys
import numpy as np
from safetensors import safe_open

mnv3, mlp, tmp = sys.argv[1:4]

def pdparams(path):
    with open(path, "rb") as f:
        d = pickle.load(f, encoding="latin1")
    return {k: v for k, v in d.items() if isinstance(v, np.ndarray)}, d.get("StructuredToParameterName@@", {})

def zoo(path):
    with safe_open(path, "np") as f:
        meta = f.metadata()
        return {k: f.get_tensor(k) for k in f.keys() if not k.startswith("__zoo_pad.")}, meta

def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()

for src, out, fmt in [(mnv3 + "/output/model.pdparams", tmp + "/pd.zoo", "pdparams-p4"),
                      (mlp, tmp + "/mlp.zoo", "pdparams-p2")]:
    want, _ = pdparams(src)
    got, meta = zoo(out)
    assert set(got) == set(want), (out, set(got) ^ set(want))
    for k, a in want.items():
        assert got[k].dtype == a.dtype and got[k].shape == a.shape, k
        assert np.array_equal(got[k].view(np.uint8), np.ascontiguousarray(a).view(np.uint8)), k
    assert meta["zoo.source_format"] == fmt, meta
    assert meta["zoo.source_sha256"] == sha(src), meta
    assert meta["zoo.format"] == "zoo-weights", meta

# f16: numpy's float32 -> float16 cast rounds to nearest even as zoo does
want, _ = pdparams(mlp)
got, _ = zoo(tmp + "/mlp16.zoo")
for k, a in want.items():
    assert got[k].dtype == np.float16, k
    assert np.array_equal(got[k].view(np.uint16), a.astype(np.float16).view(np.uint16)), k

# the inference export holds the same tensors under parameter names
want, table = pdparams(mnv3 + "/output/model.pdparams")
got, meta = zoo(tmp + "/inf.zoo")
assert len(got) == len(want) == len(table) == 214
for key, a in want.items():
    b = got[table[key]]
    assert b.shape == a.shape and np.array_equal(b, a), key
assert meta["zoo.source_format"] == "pdiparams"
assert meta["zoo.source_sha256"] == sha(mnv3 + "/inference/inference.pdiparams")
print("ok")
PYEOF
exit 0
