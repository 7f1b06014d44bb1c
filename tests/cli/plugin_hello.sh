#!/usr/bin/env bash
# The plugin ABI is a public contract: install zoo into a temporary prefix,
# build examples/plugin-hello out of tree with only the installed headers and
# pkg-config, load it through ZOO_PLUGIN_PATH, list, describe and run it.
# Also: a plugin built for another ABI version is refused with a message
# naming the file and both versions; a .so without the entry symbol is refused.
set -euo pipefail
BUILD=${BUILD:-build}
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s BUILD="$BUILD" SAN="${SAN:-0}" install PREFIX="$tmp/prefix" >/dev/null
zoo="$tmp/prefix/bin/zoo"
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
mkdir "$tmp/hello"
# build from a copy outside the tree: nothing but the installed headers is visible
cp examples/plugin-hello/hello.c examples/plugin-hello/Makefile "$tmp/hello/"
extra=""
if [ "${SAN:-0}" = 1 ]; then extra="-fsanitize=address,undefined"; fi
make -s -C "$tmp/hello" CFLAGS="-O2 -Wall -Wextra -Werror -std=c17 $extra" >/dev/null
export ZOO_PLUGIN_PATH="$tmp/hello"
"$zoo" list > "$tmp/list.txt"
grep -q '^HelloNet ' "$tmp/list.txt" || { echo "HelloNet not listed"; cat "$tmp/list.txt"; exit 1; }
grep -q '^HelloNetWide ' "$tmp/list.txt" || { echo "HelloNetWide not listed"; exit 1; }
"$zoo" info HelloNet > "$tmp/info.txt"
grep -q 'family       hello' "$tmp/info.txt"
grep -q 'stem_relu' "$tmp/info.txt"
# run it: synthetic weights, a batch of 2 random images
PY=${ZOO_PY:-python3}
"$PY" -c "import numpy as np; np.save('$tmp/x.npy', np.random.default_rng(0).standard_normal((2,3,32,32)).astype('float32'))"
"$zoo" infer HelloNet --random-weights 7 --input "$tmp/x.npy" --output "$tmp/y.npy"
"$PY" - "$tmp/y.npy" <<'PYEOF'
import sys, numpy as np
y = np.load(sys.argv[1])
assert y.shape == (2, 10), y.shape
assert np.isfinite(y).all()
assert not np.allclose(y[0], y[1]), "different images must give different logits"
PYEOF
# the ABI check: a plugin from the future is refused, naming file and versions
mkdir "$tmp/bad"
cc -shared -fPIC -std=c17 $(pkg-config --cflags zoo) -o "$tmp/bad/future.so" tests/fixtures/plugins/bad_abi.c
cc -shared -fPIC -std=c17 -o "$tmp/bad/nosym.so" tests/fixtures/plugins/no_symbol.c
ZOO_PLUGIN_PATH="$tmp/bad:$tmp/hello" "$zoo" list > "$tmp/list2.txt" 2> "$tmp/err.txt"
abi=$("$zoo" --version | sed -n 's/.*plugin ABI \([0-9]*\).*/\1/p')
grep -q "future.so: plugin ABI version $((abi + 1)), this zoo expects $abi" "$tmp/err.txt" || { echo "no ABI refusal:"; cat "$tmp/err.txt"; exit 1; }
grep -q "nosym.so: not a zoo plugin" "$tmp/err.txt" || { echo "no symbol refusal:"; cat "$tmp/err.txt"; exit 1; }
grep -q '^HelloNet ' "$tmp/list2.txt"   # the good plugin still loads
echo "plugin_hello: ok"
