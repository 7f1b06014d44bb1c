#!/usr/bin/env bash
# Runs every unit test binary ($BUILD/tests/test_*) and every CLI test script
# (tests/cli/*.sh), then prints one closing line "N passed, N failed".
# A test binary is one cmocka group; a script is one test. Output of failing
# tests is shown in full; passing ones print one line each.
set -u
BUILD=${BUILD:-build}
export BUILD
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# the test venv (numpy, safetensors, paddle) for tests that check against real writers
if [ -z "${ZOO_PY:-}" ]; then ZOO_PY=$(bash tests/venv.sh) || { echo "tests/venv.sh failed"; exit 1; }; fi
export ZOO_PY
pass=0; fail=0; failed=()
run_one() { # name, command...
    local name=$1; shift
    local log
    log=$(mktemp)
    if "$@" >"$log" 2>&1; then
        pass=$((pass + 1)); echo "ok   $name"
    else
        fail=$((fail + 1)); failed+=("$name"); echo "FAIL $name"; sed 's/^/    | /' "$log"
    fi
    rm -f "$log"
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for s in tests/cli/*.sh; do
    [ -f "$s" ] || continue
    run_one "cli/$(basename "$s" .sh)" bash "$s"
done
if [ "$fail" -ne 0 ]; then echo "failed: ${failed[*]}"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
