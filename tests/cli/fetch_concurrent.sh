#!/usr/bin/env bash
# Eight `zoo fetch` of one model at once (tests/fetch/lib.sh): the per-model lock lets one
# download while the others wait, then they find it installed. Checked: one request reached the
# server, eight exit codes 0, one "installed" and seven "already installed", the waiters said
# they waited, one intact file (zoo verify; identical to zoo convert's output) and nothing else
# left in the cache. The server sends at ~20 MB/s so the transfer (~0.5 s) overlaps the starts.
source "$(dirname "$0")/../fetch/lib.sh"
start_server
U="$BASE/~rate20/${M}_pretrained.pdparams?t=conc"
manifest "pdparams $U"
pids=()
for i in 1 2 3 4 5 6 7 8; do
    "$zoo" fetch $M >"$T/out.$i" 2>"$T/err.$i" &
    pids+=($!)
done
for i in 1 2 3 4 5 6 7 8; do
    wait "${pids[$((i - 1))]}" || { cat "$T/out.$i" "$T/err.$i"; fail "fetch $i failed"; }
done
[ "$(requests "/~rate20/${M}_pretrained.pdparams?t=conc")" = 1 ] || { cat "$T/server.log"; fail "expected one download"; }
[ "$(cat "$T"/out.* | grep -c "^$M: installed ")" = 1 ] || fail "expected one install"
[ "$(cat "$T"/out.* | grep -c "^$M: already installed ")" = 7 ] || fail "expected seven 'already installed'"
n_wait=$(cat "$T"/err.* | grep -c "waiting for $ZOO_HOME/locks/$M.lock")
[ "$n_wait" -ge 1 ] || fail "nobody waited for the lock"
run 0 "$zoo" verify
out_has "1 model checked, 0 damaged"
"$zoo" convert $M "$PD" --url "$U" -o "$T/ref.zoo" >/dev/null || fail "reference convert"
cmp -s "$T/ref.zoo" "$INSTALLED" || fail "installed file differs from zoo convert's"
left=$(find "$ZOO_HOME" -type f ! -name '*.lock' ! -name pins ! -path "$INSTALLED")
[ -z "$left" ] || fail "left behind: $left"
[ "$(grep -c -F "$U" "$ZOO_HOME/pins")" = 1 ] || fail "expected one pin"
echo "fetch_concurrent: ok ($n_wait of 7 waited on the lock)"
