/* fetch/verify.c - zoo_fetch_verify(): is an installed model intact?
 *   - models/<M>/<M>.zoo opens as a native file and its zoo.digest, recomputed
 *     over the tensor index and the whole data buffer, matches
 *     (zoo_weights_verify);
 *   - it holds M's weights (zoo.model);
 *   - its recorded source digest (zoo.source_sha256) equals the pin of its
 *     source URL (zoo.source_url) and the manifest's digest for that URL,
 *     where either is known.
 * The installed file is read, never changed. */
#include <string.h>
#include <sys/stat.h>

#include "fetch/fetch.h"

int zoo_fetch_verify(const char *cache, const char *model, const char *const *manifest_dirs,
                     zoo_verify_result *r, zoo_error *err) {
    memset(r, 0, sizeof *r);
    int rc = zoo_cache_path(cache, ZOO_CACHE_MODEL_FILE, model, r->path, sizeof r->path, err);
    if (rc) return rc;
    struct stat st;
    if (stat(r->path, &st) != 0)
        return zoo_error_set(err, ZOO_ERR_NOTFOUND, "%s is not installed (no %s)", model, r->path);
    zoo_error e = {0};
    zoo_weights *w = zoo_weights_open(r->path, ZOO_WEIGHTS_NO_VERIFY | ZOO_WEIGHTS_REQUIRE_ZOO, &e);
    if (!w) return zoo_error_set(err, ZOO_ERR_INTEGRITY, "%s", e.msg);
    if (zoo_weights_verify(w, &e) != ZOO_OK) {
        zoo_weights_close(w);
        return zoo_error_set(err, ZOO_ERR_INTEGRITY, "%s", e.msg);
    }
    const char *dg = zoo_weights_meta(w, "zoo.digest");
    const char *wm = zoo_weights_meta(w, "zoo.model");
    const char *url = zoo_weights_meta(w, "zoo.source_url");
    const char *ssha = zoo_weights_meta(w, "zoo.source_sha256");
    zoo_str_copy(r->digest, sizeof r->digest, dg ? dg : "");
    zoo_str_copy(r->source_url, sizeof r->source_url, url ? url : "");
    zoo_str_copy(r->source_sha256, sizeof r->source_sha256, ssha ? ssha : "");
    if (!wm || strcmp(wm, model)) {
        rc = zoo_error_set(err, ZOO_ERR_INTEGRITY, "%s: holds weights of '%s', not %s", r->path,
                           wm ? wm : "?", model);
        zoo_weights_close(w);
        return rc;
    }
    zoo_weights_close(w);
    if (!r->source_url[0]) return 0;
    char pin[65];
    zoo_error pe = {0};
    rc = zoo_pins_lookup(cache, r->source_url, pin, NULL, &pe);
    if (rc && rc != ZOO_ERR_NOTFOUND) {
        if (err) *err = pe;
        return rc;
    }
    if (rc == 0) {
        if (strcmp(pin, r->source_sha256))
            return zoo_error_set(err, ZOO_ERR_INTEGRITY,
                                 "%s: converted from a source with sha256 %s, but %s is pinned "
                                 "to %s", r->path, r->source_sha256[0] ? r->source_sha256 : "(none)",
                                 r->source_url, pin);
        r->source_check = 1;
    }
    zoo_manifest m;
    if (zoo_manifest_find(model, manifest_dirs, &m, NULL) == 0) {
        for (int i = 0; i < m.n_sources; i++) {
            char want[65];
            if (strcmp(m.sources[i].url, r->source_url) || !zoo_sha256_parse(m.sources[i].sha256, want))
                continue;
            if (strcmp(want, r->source_sha256))
                return zoo_error_set(err, ZOO_ERR_INTEGRITY,
                                     "%s: converted from a source with sha256 %s, but the manifest "
                                     "%s gives %s for %s", r->path,
                                     r->source_sha256[0] ? r->source_sha256 : "(none)", m.path, want,
                                     r->source_url);
            r->source_check = 2;
        }
    }
    return 0;
}
