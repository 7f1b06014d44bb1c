#!/usr/bin/env bash
# zoo fetch / verify / rm / list --local against a local HTTP server serving real Paddle files
# (tests/fetch/lib.sh): a clean fetch installs exactly what `zoo convert` makes of the file and
# pins it; a second fetch does nothing; damage is found by verify and repaired by fetch; a wrong
# digest, a 404, a redirect loop and a tarball with a path traversal entry install nothing and
# say so in one line; a redirect chain works; --sha256, --require-pinned, a changed upstream file
# against its pin; the second source is used when the first is missing; the progress bar.
source "$(dirname "$0")/../fetch/lib.sh"
start_server

# ---- a clean fetch ---------------------------------------------------------------------------
U="$BASE/dygraph/${M}_pretrained.pdparams?t=clean"
manifest "pdparams $U" "paddle-inference-tar $BASE/dygraph/inference/${M}_infer.tar"
cp "$PD" "$T/www/" && mkdir -p "$T/www/dygraph" && cp "$PD" "$T/www/dygraph/"
run 0 "$zoo" fetch $M
out_has "$M: installed $INSTALLED"
out_has "sha256 $SHA_PD (pinned now)"
[ "$(requests "/dygraph/${M}_pretrained.pdparams?t=clean")" = 1 ] || fail "expected one request"
grep -q "^$SHA_PD $(fsize "$PD") $U\$" "$ZOO_HOME/pins" || { cat "$ZOO_HOME/pins"; fail "pin"; }
# the installed file is exactly what zoo convert makes of the same bytes and URL
"$zoo" convert $M "$PD" --url "$U" -o "$T/ref.zoo" >/dev/null || fail "reference convert"
cmp -s "$T/ref.zoo" "$INSTALLED" || fail "installed file differs from zoo convert's"
[ -z "$(find "$ZOO_HOME/downloads" -type f)" ] || fail "download left behind"
run 0 "$zoo" verify $M
out_has "$M: ok"
out_has "source digest matches the pin"
run 0 "$zoo" list --local
grep -q "^$M .* yes\$" "$T/out" || { cat "$T/out"; fail "list --local"; }
[ "$(tail -n +2 "$T/out" | wc -l)" = 1 ] || fail "list --local shows other models"

# a second fetch finds it installed and does not download
run 0 "$zoo" fetch $M
out_has "$M: already installed"
[ "$(requests "/dygraph/${M}_pretrained.pdparams?t=clean")" = 1 ] || fail "second fetch downloaded"

# ---- damage: verify reports it, fetch repairs it ---------------------------------------------
sz=$(fsize "$INSTALLED")
printf '\x5a' | dd of="$INSTALLED" bs=1 seek=$((sz - 1000)) conv=notrunc status=none
run 4 "$zoo" verify
out_has "$M: DAMAGED:"
out_has "1 model checked, 1 damaged"
run 0 "$zoo" fetch $M
err_has "fetching it again"
cmp -s "$T/ref.zoo" "$INSTALLED" || fail "repaired file differs"
run 0 "$zoo" verify
# a tampered pin is damage too
cp "$ZOO_HOME/pins" "$T/pins.bak"
sed -i "s/^$SHA_PD /$SHA_PD2 /" "$ZOO_HOME/pins"
run 4 "$zoo" verify $M
out_has "is pinned to $SHA_PD2"
cp "$T/pins.bak" "$ZOO_HOME/pins"

# ---- upstream file changed: the pin refuses it, the installed file stays ----------------------
# same size, one byte different (a tampered mirror or a silently replaced file)
cp "$PD" "$T/www/dygraph/${M}_pretrained.pdparams"
printf '\x01' | dd of="$T/www/dygraph/${M}_pretrained.pdparams" bs=1 seek=5000000 conv=notrunc status=none
SHA_X=$(sha "$T/www/dygraph/${M}_pretrained.pdparams")
run 4 "$zoo" fetch $M --force --quiet
err_one_line
err_has "SHA-256 mismatch: expected $SHA_PD (pin), got $SHA_X; nothing installed"
cmp -s "$T/ref.zoo" "$INSTALLED" || fail "a refused fetch touched the installed file"
[ -z "$(find "$ZOO_HOME/downloads" -type f)" ] || fail "refused download left behind"
# another size: refused as soon as the response headers arrive
cp "$PD2" "$T/www/dygraph/${M}_pretrained.pdparams"
run 4 "$zoo" fetch $M --force --quiet
err_one_line
err_has "the server sends $(fsize "$PD2") bytes, expected $(fsize "$PD") (pin); nothing installed"
cmp -s "$T/ref.zoo" "$INSTALLED" || fail "a refused fetch touched the installed file"
[ -z "$(find "$ZOO_HOME/downloads" -type f)" ] || fail "refused download left behind"
# --sha256 overrides the pin (the user vouches for the new file)
run 0 "$zoo" fetch $M --force --sha256 "$SHA_PD2"
out_has "sha256 $SHA_PD2 (matches the --sha256)"
cp "$PD" "$T/www/dygraph/${M}_pretrained.pdparams"

# ---- rm ----------------------------------------------------------------------------------------
run 0 "$zoo" rm $M
[ ! -e "$ZOO_HOME/models/$M" ] || fail "rm left the model directory"
run 0 "$zoo" list --local
[ "$(tail -n +2 "$T/out" | wc -l)" = 0 ] || fail "list --local after rm"
run 3 "$zoo" rm $M
run 3 "$zoo" verify $M
run 0 "$zoo" rm $M --unpin
out_has "1 pin forgotten"
! grep -q -F "$U" "$ZOO_HOME/pins" || fail "--unpin kept the pin"

# ---- a wrong digest in the manifest: nothing installed, both digests, exit 4 -------------------
fresh_cache
BAD=$(printf '%064d' 0)
manifest "pdparams $BASE/${M}_pretrained.pdparams?t=bad $BAD"
run 4 "$zoo" fetch $M --quiet
err_one_line
err_has "SHA-256 mismatch: expected $BAD (manifest), got $SHA_PD; nothing installed"
nothing_left
[ ! -s "$ZOO_HOME/pins" ] || fail "a refused download was pinned"

# ---- --sha256 wrong: refused the same way -------------------------------------------------------
manifest "pdparams $BASE/${M}_pretrained.pdparams?t=sha"
run 4 "$zoo" fetch $M --quiet --sha256 "$SHA_PD2"
err_has "expected $SHA_PD2 (--sha256), got $SHA_PD"
nothing_left

# ---- --require-pinned refuses an unpinned source before any transfer ----------------------------
n0=$(wc -l <"$T/server.log")
run 4 "$zoo" fetch $M --quiet --require-pinned
err_has "--require-pinned: no digest is known for $BASE/${M}_pretrained.pdparams?t=sha"
[ "$(wc -l <"$T/server.log")" = "$n0" ] || fail "--require-pinned still downloaded"
run 0 "$zoo" fetch $M --quiet             # pins it
run 0 "$zoo" fetch $M --quiet --force --require-pinned
[ -z "$(cat "$T/out")" ] || fail "--quiet printed: $(cat "$T/out")"

# ---- 404: one clear line, exit 5, nothing left ----------------------------------------------------
fresh_cache
manifest "pdparams $BASE/dygraph/no_such_file.pdparams"
run 5 "$zoo" fetch $M --quiet
err_one_line
grep -qx "zoo: $BASE/dygraph/no_such_file.pdparams: HTTP 404 Not Found" "$T/err" || { cat "$T/err"; fail "404 line"; }
nothing_left

# ---- a redirect chain (3 hops) works; a redirect loop fails in one line --------------------------
manifest "pdparams $BASE/~redir3/${M}_pretrained.pdparams?t=chain"
run 0 "$zoo" fetch $M
for k in 3 2 1 0; do
    [ "$(requests "/~redir$k/${M}_pretrained.pdparams?t=chain")" = 1 ] || fail "redirect hop $k"
done
[ "$(requests "/${M}_pretrained.pdparams?t=chain")" = 1 ] || fail "redirect target"
out_has "sha256 $SHA_PD"
fresh_cache
manifest "pdparams $BASE/~loop/${M}_pretrained.pdparams"
run 5 "$zoo" fetch $M --quiet
err_one_line
err_has "$BASE/~loop/${M}_pretrained.pdparams: Maximum (10) redirects followed"
nothing_left

# ---- the first source is missing: the inference tarball is used --------------------------------
manifest "pdparams $BASE/gone.pdparams" "paddle-inference-tar $BASE/${M}_infer.tar?t=tar"
run 0 "$zoo" fetch $M
err_has "$BASE/gone.pdparams: HTTP 404 Not Found; trying the next source"
out_has "${M}_infer.tar?t=tar (paddle-inference-tar)"
out_has "sha256 $SHA_TAR (pinned now)"
run 0 "$zoo" verify $M
[ -z "$(find "$ZOO_HOME/downloads" -mindepth 2)" ] || fail "unpacked tarball left behind: $(find "$ZOO_HOME/downloads" -mindepth 2)"

# ---- a tarball with a path traversal entry is refused --------------------------------------------
fresh_cache
cp tests/fixtures/paddleinfer/archives/dotdot.tar.gz "$T/www/evil_infer.tar.gz"
manifest "paddle-inference-tar $BASE/evil_infer.tar.gz"
run 2 "$zoo" fetch $M --quiet
err_one_line
err_has "'..' component leaves the destination (refused)"
nothing_left
[ -z "$(find "$ZOO_HOME/downloads" -mindepth 2)" ] || fail "extraction left files"
[ ! -e "$T/zoo-escape.txt" ] && [ ! -e "$ZOO_HOME/zoo-escape.txt" ] || fail "an entry escaped"
[ ! -s "$ZOO_HOME/pins" ] || fail "a refused archive was pinned"

# ---- progress: a bar with bytes, rate and ETA on a terminal, nothing when piped --------------------
manifest "pdparams $BASE/~rate40/${M}_pretrained.pdparams?t=bar"
run 0 "$zoo" fetch $M --force
! grep -q $'\r' "$T/out" "$T/err" || fail "progress output without a terminal"
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "$zoo fetch $M --force" /dev/null >"$T/tty" 2>&1 || { cat "$T/tty"; fail "fetch on a pty"; }
    grep -q $'\r'"${M}_pretrained.pdparams .*%.*MB/10.5 MB .*/s  ETA " "$T/tty" || { od -c "$T/tty" | head; fail "no progress bar on a terminal"; }
    script -qec "$zoo fetch $M --force --quiet" /dev/null >"$T/tty" 2>&1 || fail "fetch --quiet on a pty"
    [ ! -s "$T/tty" ] || fail "--quiet drew something: $(od -c "$T/tty" | head -3)"
else
    echo "note: no usable script(1): terminal progress bar not checked"
fi

# ---- usage errors ---------------------------------------------------------------------------------
run 2 "$zoo" fetch
run 2 "$zoo" fetch $M --bogus
run 2 "$zoo" fetch $M --all
run 2 "$zoo" fetch $M --sha256 xyz
run 3 "$zoo" fetch NoSuchModel9
echo "fetch_basic: ok"
