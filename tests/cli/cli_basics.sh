#!/usr/bin/env bash
# The zoo command as a user meets it: help, version, list, info, the
# "did you mean" suggestion, usage errors and their exit codes.
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { # expected-code command...
    local want=$1; shift
    "$@" >/dev/null 2>&1; local got=$?
    [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want"
}
out=$("$zoo" --version) || fail "--version"
echo "$out" | grep -Eq '^zoo [0-9]+\.[0-9]+\.[0-9]+ \(plugin ABI [0-9]+\)' || fail "version line: $out"
"$zoo" help | grep -q 'commands:' || fail "help"
"$zoo" help info | grep -q 'usage: zoo info MODEL' || fail "help info"
expect_rc 2 "$zoo" help nosuchcommand
expect_rc 2 "$zoo" nosuchcommand
expect_rc 2 "$zoo"
expect_rc 2 "$zoo" info
expect_rc 2 "$zoo" list --bogus
# unknown model: exit 3 and a suggestion when the name is close
err=$("$zoo" info EfficientNetb7 2>&1 >/dev/null); rc=$?
[ $rc = 3 ] || fail "unknown model exit $rc"
if "$zoo" list | grep -q '^EfficientNetB7 '; then
    echo "$err" | grep -q "unknown model 'EfficientNetb7' (did you mean EfficientNetB7?)" || fail "suggestion: $err"
fi
err=$("$zoo" info Zebra9000 2>&1 >/dev/null); rc=$?
[ $rc = 3 ] || fail "unknown model exit $rc"
echo "$err" | grep -q "unknown model 'Zebra9000'" || fail "message: $err"
# list: one row per registered model, the header first
"$zoo" list > /tmp/zoo-list.$$ || fail "list"
head -1 /tmp/zoo-list.$$ | grep -q '^MODEL' || fail "list header"
n=$(($(wc -l < /tmp/zoo-list.$$) - 1))
"$zoo" list --json | python3 -c "import json,sys; d=json.load(sys.stdin); assert len(d)==$n, (len(d), $n)" || fail "list --json"
rm -f /tmp/zoo-list.$$
# info on each registered model works and shows the layer table
for m in $("$zoo" list | tail -n +2 | awk '{print $1}'); do
    "$zoo" info "$m" > /tmp/zoo-info.$$ || fail "info $m"
    grep -q '^params ' /tmp/zoo-info.$$ || fail "info $m: no params line"
    grep -q ' conv2d ' /tmp/zoo-info.$$ || fail "info $m: no layer table"
done
rm -f /tmp/zoo-info.$$
echo "cli_basics: ok"
