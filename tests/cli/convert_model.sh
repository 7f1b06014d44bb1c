#!/usr/bin/env bash
# `zoo convert MODEL SOURCE` onto a registered model's graph (GhostNet_x0_5):
# a state dict with PaddleClas' exact keys and shapes (../shared/data/
# paddleclas-keys/GhostNet_x0_5.tsv, random values, pickled by Python like
# paddle.save's _legacy_save at protocols 2 and 4) converts into the model cache
# ($ZOO_HOME/models/GhostNet_x0_5/GhostNet_x0_5.zoo by default); the same file
# keyed by Paddle parameter names (static-graph style, no name table) converts
# to the same tensors; safetensors must read back exactly the values written.
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
fail() { echo "FAIL: $*"; exit 1; }
tsv=../shared/data/paddleclas-keys/GhostNet_x0_5.tsv
[ -f "$tsv" ] || { echo "skip: no $tsv"; exit 0; }
"$zoo" info GhostNet_x0_5 >/dev/null 2>&1 || { echo "skip: GhostNet_x0_5 not registered"; exit 0; }
PY=${ZOO_PY:-}
[ -n "$PY" ] || PY=$(bash tests/venv.sh) || fail "no test venv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$PY" - "$tsv" "$tmp" <<'PYEOF' || fail "making the sources"
import pickle, sys
import numpy as np
tsv, tmp = sys.argv[1:3]
rng = np.random.default_rng(5)
by_key, table, by_param = {}, {}, {}
for line in open(tsv):
    if line.startswith("#"):
        continue
    key, param, shape, _ = line.rstrip("\n").split("\t")
    dims = [int(d) for d in shape.split("x")] if shape else []
    a = rng.standard_normal(dims).astype("float32")
    by_key[key], table[key], by_param[param] = a, param, a
sd = dict(by_key)
sd["StructuredToParameterName@@"] = table
for p in (2, 4):
    with open(f"{tmp}/ghost_p{p}.pdparams", "wb") as f:
        pickle.dump(sd, f, protocol=p)
with open(f"{tmp}/ghost_static.pdparams", "wb") as f:
    pickle.dump(by_param, f, protocol=2)
PYEOF

export ZOO_HOME="$tmp/home"
out="$ZOO_HOME/models/GhostNet_x0_5/GhostNet_x0_5.zoo"
"$zoo" convert GhostNet_x0_5 "$tmp/ghost_p2.pdparams" >/dev/null || fail "convert p2 into the cache"
[ -f "$out" ] || fail "no $out"
"$zoo" convert GhostNet_x0_5 "$tmp/ghost_p4.pdparams" -o "$tmp/p4.zoo" --url https://example.invalid/g.pdparams >/dev/null || fail "p4"
"$zoo" convert GhostNet_x0_5 "$tmp/ghost_p4.pdparams" -o "$tmp/p4h.zoo" --dtype f16 >/dev/null || fail "f16"
"$zoo" convert GhostNet_x0_5 "$tmp/ghost_static.pdparams" -o "$tmp/static.zoo" >/dev/null || fail "by parameter names"

"$PY" - "$tmp" "$out" <<'PYEOF' || fail "safetensors comparison"
import pickle, sys
import numpy as np
from safetensors import safe_open
tmp, cached = sys.argv[1:3]
sd = pickle.load(open(f"{tmp}/ghost_p4.pdparams", "rb"))
want = {k: v for k, v in sd.items() if isinstance(v, np.ndarray)}
def load(path):
    with safe_open(path, "np") as f:
        return {k: f.get_tensor(k) for k in f.keys() if not k.startswith("__zoo_pad.")}, f.metadata()
for path in (cached, f"{tmp}/p4.zoo", f"{tmp}/static.zoo"):
    got, meta = load(path)
    assert set(got) == set(want), (path, sorted(set(got) ^ set(want))[:5])
    for k, a in want.items():
        assert got[k].dtype == np.float32 and np.array_equal(got[k], a), (path, k)
    assert meta["zoo.model"] == "GhostNet_x0_5", meta
got, meta = load(f"{tmp}/p4.zoo")
assert meta["zoo.source_url"] == "https://example.invalid/g.pdparams", meta
got, _ = load(f"{tmp}/p4h.zoo")
for k, a in want.items():
    assert got[k].dtype == np.float16 and np.array_equal(got[k].view(np.uint16), a.astype(np.float16).view(np.uint16)), k
print("ok")
PYEOF
exit 0
