#!/usr/bin/env bash
# zoo fetch without the origin (tests/fetch/lib.sh): the manifest's origin is unreachable
# (127.0.0.1:9) and a ZOO_MIRROR directory laid out like it (same path after the host) serves the
# file; a mirror base URL; a mirror that lacks the file falls back to the origin; --from with a
# file the user has (matched to the manifest source by name, checked against its digest);
# fetch --all on an installed tree that only knows the test manifest.
source "$(dirname "$0")/../fetch/lib.sh"
start_server
F="${M}_pretrained.pdparams"
ORIGIN="http://127.0.0.1:9/dygraph/$F"   # nothing listens there

# ---- the origin alone fails: exit 5, one line ---------------------------------------------------
manifest "pdparams $ORIGIN"
run 5 "$zoo" fetch $M --quiet
err_one_line
err_has "$ORIGIN: Failed to connect to 127.0.0.1 port 9"
nothing_left

# ---- a mirror directory: works offline, provenance and pin stay the origin's ---------------------
mkdir -p "$T/mirror/dygraph" && cp "$PD" "$T/mirror/dygraph/"
ZOO_MIRROR="$T/mirror" run 0 "$zoo" fetch $M
out_has "source $ORIGIN (pdparams)"
out_has "from $T/mirror/dygraph/$F"
out_has "sha256 $SHA_PD (pinned now)"
grep -q "^$SHA_PD $(fsize "$PD") $ORIGIN\$" "$ZOO_HOME/pins" || fail "pin of the origin URL"
run 0 "$zoo" verify $M
out_has "source digest matches the pin"
# file:// spelling, and the pin is checked against the mirror's copy
fresh_cache
ZOO_MIRROR="file://$T/mirror/" run 0 "$zoo" fetch $M
out_has "sha256 $SHA_PD"

# ---- a mirror base URL --------------------------------------------------------------------------
fresh_cache
mkdir -p "$T/www/mirror/dygraph" && cp "$PD" "$T/www/mirror/dygraph/"
ZOO_MIRROR="$BASE/mirror/" run 0 "$zoo" fetch $M
out_has "from $BASE/mirror/dygraph/$F"
[ "$(requests "/mirror/dygraph/$F")" = 1 ] || fail "mirror URL not used"

# ---- a mirror without the file: the origin is used ------------------------------------------------
fresh_cache
manifest "pdparams $BASE/dygraph/inference/$F?t=fallback"
mkdir -p "$T/www/dygraph/inference" && cp "$PD" "$T/www/dygraph/inference/"
ZOO_MIRROR="$T/empty-mirror" run 0 "$zoo" fetch $M
err_has "$T/empty-mirror/dygraph/inference/$F: No such file or directory; trying the next source"
out_has "sha256 $SHA_PD (pinned now)"
[ "$(requests "/dygraph/inference/$F?t=fallback")" = 1 ] || fail "origin not used after the mirror"

# ---- --from: a file the user has -------------------------------------------------------------------
fresh_cache
manifest "pdparams $ORIGIN $SHA_PD"
run 0 "$zoo" fetch $M --from "$PD"
out_has "source $ORIGIN (pdparams)"
out_has "sha256 $SHA_PD (matches the manifest)"
run 0 "$zoo" verify $M
out_has "source digest matches the manifest"
# the same name with other bytes is refused; an unrelated file is installed unpinned
cp "$PD2" "$T/$F"
fresh_cache
run 4 "$zoo" fetch $M --from "$T/$F" --quiet
err_has "SHA-256 mismatch: expected $SHA_PD (manifest), got $SHA_PD2"
nothing_left
run 0 "$zoo" fetch $M --from "$PD2"
out_has "source file://$PD2"
out_has "(not pinned)"
[ ! -s "$ZOO_HOME/pins" ] || fail "--from pinned something"
run 4 "$zoo" fetch $M --force --from "$PD2" --require-pinned --quiet
err_has "--require-pinned: sha256 $SHA_PD2 matches no known digest"
run 3 "$zoo" fetch $M --force --from "$T/no-such-file" --quiet
err_one_line
"$zoo" convert $M "$PD2" --url "file://$PD2" -o "$T/ref2.zoo" >/dev/null || fail "reference convert"
cmp -s "$T/ref2.zoo" "$INSTALLED" || fail "failed --from fetches touched the installed file"

# ---- fetch --all: every registered model with a manifest (here: only the test one) -----------------
fresh_cache
manifest "pdparams $ORIGIN"
mkdir -p "$T/inst/bin"
cp "$BUILD/zoo" "$BUILD/libzoo.so" "$T/inst/bin/" && cp -r "$BUILD/plugins" "$T/inst/bin/"
if ls /usr/local/share/zoo/manifests/*.json >/dev/null 2>&1; then
    echo "note: an installed zoo's manifests exist; fetch --all not checked"
else
    ZOO_MIRROR="$T/mirror" run 0 "$T/inst/bin/zoo" fetch --all
    out_has "$M: installed"
    out_has "fetch --all: 1 installed, 0 already installed, 0 failed"
    ZOO_MIRROR="$T/mirror" run 0 "$T/inst/bin/zoo" fetch --all
    out_has "fetch --all: 0 installed, 1 already installed, 0 failed"
fi
echo "fetch_offline: ok"
