# tests/fetch/lib.sh - sourced by tests/cli/fetch_*.sh: a private cache and manifest directory,
# the real fixtures (tests/fetch/make_fixtures.py, written by Paddle, cached in
# $BUILD/fetch-fixtures), the misbehaving server (tests/fetch/server.py) on 127.0.0.1 with a
# random port, always shut down by the EXIT trap, and small assertion helpers.
# No network beyond 127.0.0.1 is used: proxies are unset, and "unreachable" origins are
# 127.0.0.1:9 (nothing listens on the discard port) .
set -uo pipefail
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
zoo="$ROOT/$BUILD/zoo"
M=GhostNet_x0_5
T=$(mktemp -d "${TMPDIR:-/tmp}/zoo-fetch-test.XXXXXX")
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
fail() { echo "FAIL: $*"; exit 1; }

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY ZOO_MIRROR
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
export ZOO_HOME="$T/cache" ZOO_MANIFEST_PATH="$T/manifests"
mkdir -p "$T/manifests" "$T/www"
INSTALLED="$ZOO_HOME/models/$M/$M.zoo"

# ---- fixtures: real Paddle files -------------------------------------------------------------
PY=${ZOO_PY:-$(bash tests/venv.sh)}
FIX="$ROOT/$BUILD/fetch-fixtures"
"$PY" tests/fetch/make_fixtures.py "$FIX" >"$T/fixtures.log" 2>&1 || { cat "$T/fixtures.log"; fail "fixtures"; }
PD="$FIX/${M}_pretrained.pdparams"      # protocol 4
PD2="$FIX/${M}_pretrained_p2.pdparams"  # the same state dict, protocol 2: other bytes
TAR="$FIX/${M}_infer.tar"               # paddle.jit.save inference model
sha() { sha256sum "$1" | cut -d' ' -f1; }
fsize() { stat -c %s "$1"; }
SHA_PD=$(sha "$PD"); SHA_PD2=$(sha "$PD2"); SHA_TAR=$(sha "$TAR")
cp "$PD" "$PD2" "$TAR" "$T/www/"

# ---- the server -----------------------------------------------------------------------------
start_server() {
    local py=python3
    command -v python3 >/dev/null 2>&1 || py=$PY
    "$py" tests/fetch/server.py --root "$T/www" --port-file "$T/port" --log "$T/server.log" \
        --max-seconds 150 &
    SERVER_PID=$!
    for _ in $(seq 200); do [ -s "$T/port" ] && break; sleep 0.05; done
    [ -s "$T/port" ] || fail "the test server did not start"
    PORT=$(cat "$T/port")
    BASE="http://127.0.0.1:$PORT"
}
# requests PATH: how many requests the server saw for exactly this path (query included)
requests() { grep -c -F -- "GET $1 " "$T/server.log"; }

# manifest "KIND URL [SHA256]" ...: the test manifest of $M (overrides the built-in one)
manifest() {
    local sep="" kind url digest
    {
        printf '{"name": "%s", "family": "ghostnet", "input_size": 224, "sources": [' "$M"
        for s in "$@"; do
            read -r kind url digest <<<"$s"
            printf '%s\n {"kind": "%s", "url": "%s", "size": null, "sha256": "%s"}' "$sep" "$kind" \
                "$url" "${digest:-}"
            sep=","
        done
        printf ']}\n'
    } >"$T/manifests/$M.json"
}

# run RC CMD...: runs CMD, stdout -> $T/out, stderr -> $T/err, fails unless it exits RC
run() {
    local want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"
        fail "'$*' exited $got, expected $want"
    fi
}
out_has() { grep -q -F -- "$1" "$T/out" || { cat "$T/out"; fail "stdout lacks: $1"; }; }
err_has() { grep -q -F -- "$1" "$T/err" || { cat "$T/err"; fail "stderr lacks: $1"; }; }
# the error output is exactly one line ("zoo: ..."), with --quiet
err_one_line() {
    [ "$(wc -l <"$T/err")" = 1 ] || { cat "$T/err"; fail "expected one error line"; }
    grep -q '^zoo: ' "$T/err" || fail "error line does not start with 'zoo: '"
}
# nothing installed and nothing half-written anywhere in the cache
nothing_left() {
    [ ! -e "$INSTALLED" ] || fail "$INSTALLED exists"
    local junk
    junk=$(find "$ZOO_HOME" -type f ! -name '*.lock' ! -name pins 2>/dev/null)
    [ -z "$junk" ] || fail "left behind: $junk"
}
fresh_cache() { rm -rf "$ZOO_HOME"; }
