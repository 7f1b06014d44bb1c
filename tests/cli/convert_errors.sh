#!/usr/bin/env bash
# `zoo convert` failures: usage errors exit 2, unknown models and missing
# sources exit 3, hostile / damaged / non-fitting weights exit 2 with one line
# on stderr naming the problem, and no output (or temporary) file is left.
set -uo pipefail
BUILD=${BUILD:-build}
zoo="$BUILD/zoo"
fx=tests/fixtures/pickle
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# run_err WANT_RC NEEDLE command...: exit code, a one-line message with NEEDLE, no output
run_err() {
    local want=$1 needle=$2; shift 2
    local err rc
    err=$("$@" 2>&1 >/dev/null); rc=$?
    [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want: $err"
    [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "'$*' printed more than one line: $err"
    case "$err" in *"$needle"*) ;; *) fail "'$*': '$err' lacks '$needle'";; esac
}
run_err 2 "expected MODEL SOURCE" "$zoo" convert
run_err 2 "--raw needs -o OUT" "$zoo" convert --raw "$fx/tiny_p4.pdparams"
run_err 2 "--dtype must be f32 or f16" "$zoo" convert --raw "$fx/tiny_p4.pdparams" -o "$tmp/x.zoo" --dtype f8
run_err 2 "unknown option '--frobnicate'" "$zoo" convert --frobnicate
run_err 3 "unknown model 'NoSuchNet'" "$zoo" convert NoSuchNet "$fx/tiny_p4.pdparams" -o "$tmp/x.zoo"
run_err 3 "No such file or directory" "$zoo" convert --raw "$tmp/missing.pdparams" -o "$tmp/x.zoo"
run_err 2 "pickle asks for posix.system: refused" "$zoo" convert --raw "$fx/evil_os_system_p2.pkl" -o "$tmp/x.zoo"
run_err 2 "pickle asks for subprocess.Popen: refused" "$zoo" convert --raw "$fx/evil_subprocess_p4.pkl" -o "$tmp/x.zoo"
run_err 2 "builtins.eval with another form" "$zoo" convert --raw "$fx/evil_eval_p4.pkl" -o "$tmp/x.zoo"
head -c 500 "$fx/tiny_p4.pdparams" > "$tmp/cut.pdparams"
run_err 2 "cut.pdparams: byte " "$zoo" convert --raw "$tmp/cut.pdparams" -o "$tmp/x.zoo"
run_err 2 "unrecognised weight format" "$zoo" convert --raw "$fx/make_fixtures.py" -o "$tmp/x.zoo"
# weights that do not fit a registered model: everything wrong is listed at once
tsv=../shared/data/paddleclas-keys/GhostNet_x0_5.tsv
if "$zoo" info GhostNet_x0_5 >/dev/null 2>&1 && [ -f "$tsv" ]; then
    n=$(grep -vc '^#' "$tsv") # PaddleClas' own state_dict key count
    run_err 2 "tiny_p4.pdparams does not fit GhostNet_x0_5: $n missing (conv1._conv.weight" \
        "$zoo" convert GhostNet_x0_5 "$fx/tiny_p4.pdparams" -o "$tmp/x.zoo"
    run_err 2 "8 unexpected (conv.weight, conv.bias, bn.weight" \
        "$zoo" convert GhostNet_x0_5 "$fx/tiny_p4.pdparams" -o "$tmp/x.zoo"
fi
# nothing left behind: only cut.pdparams is in $tmp
left=$(ls -A "$tmp")
[ "$left" = "cut.pdparams" ] || fail "left behind: $left"
exit 0
