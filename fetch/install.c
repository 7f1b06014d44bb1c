/* fetch/install.c - zoo_fetch_model(): one model from its manifest's sources
 * into the cache (fetch.h, docs/fetch.md).
 *
 *  1. Under locks/<M>.lock (concurrent fetches of M wait here, then find it
 *     installed), leftovers of dead processes in downloads/<M> are removed.
 *  2. An installed models/<M>/<M>.zoo that opens with its digest verified is
 *     kept ("already installed") unless force; a damaged one is fetched again.
 *  3. Sources, in manifest order (optionally one kind): the expected digest is
 *     --sha256, else the manifest's, else the pin; with require_pinned a source
 *     without one is refused before any transfer. Each source is tried from
 *     ZOO_MIRROR first (if set), then from its origin; network failures and
 *     files missing from a mirror fall through to the next place, anything
 *     else stops: a digest or size mismatch (ZOO_ERR_INTEGRITY, both digests
 *     in the message, the download deleted), a conversion failure, a local
 *     write failure.
 *  4. The verified download is converted (zoo_convert: tarballs are unpacked
 *     by it, safely) into downloads/<M>/<M>.zoo and renamed onto
 *     models/<M>/<M>.zoo (same file system: atomic), the directory fsynced,
 *     the download deleted. A source that had no known digest is then pinned.
 * With `from` (a file or URL the user has) that is the only place tried; it is
 * matched to a manifest source by file name, or by digest, for its expected
 * digest and provenance; it is never pinned.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "zoo/convert.h"

typedef struct slot {
    const zoo_manifest_source *ms;
    char expect[65];     /* digest the bytes must have, "" unknown */
    const char *expect_from; /* "--sha256", "manifest", "pin" */
    long long size;      /* expected size, -1 unknown */
    const char *size_from;
    int has_pin;
    int skip;
} slot;

static int exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

static void fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Converts `part` and renames the result onto `file`. */
static int convert_install(zoo_ctx *ctx, const char *model, const char *part, const char *ddir,
                           const char *mdir, const char *file, const char *url, const char *sha,
                           zoo_error *err) {
    char staging[PATH_MAX];
    if (snprintf(staging, sizeof staging, "%s/%s.zoo", ddir, model) >= (int)sizeof staging)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: path too long", ddir);
    zoo_convert_opts co = {.dtype = ZOO_DT_F32, .source_url = url, .source_sha256 = sha};
    int rc = zoo_convert(ctx, model, part, staging, &co, err);
    if (rc) return zoo_error_prefix(err, "%s", url);
    if ((rc = zoo_cache_mkdirs(mdir, err))) {
        unlink(staging);
        return rc;
    }
    if (rename(staging, file) != 0) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot install: %s", file, strerror(errno));
        unlink(staging);
        return rc;
    }
    fsync_dir(mdir);
    return 0;
}

/* Appends "; msg" to the summary of failed places. */
static void note_failure(char *sum, size_t size, int *count, const char *msg) {
    size_t l = strlen(sum);
    if (l + 8 < size) {
        if (*count) zoo_str_copy(sum + l, size - l, "; ");
        l = strlen(sum);
        zoo_str_copy(sum + l, size - l, msg);
    }
    (*count)++;
}

/* Fills the slots of the manifest's sources. */
static int plan_slots(const char *cache, const zoo_manifest *m, const zoo_fetch_opts *o,
                      const char *override, slot *slots, int *n_usable, zoo_error *err) {
    *n_usable = 0;
    for (int i = 0; i < m->n_sources; i++) {
        slot *s = &slots[i];
        memset(s, 0, sizeof *s);
        s->ms = &m->sources[i];
        s->size = s->ms->size;
        s->size_from = "manifest";
        if (o->kind && strcmp(o->kind, s->ms->kind)) {
            s->skip = 1;
            continue;
        }
        char pin[65];
        long long psize = -1;
        zoo_error pe = {0};
        int prc = zoo_pins_lookup(cache, s->ms->url, pin, &psize, &pe);
        if (prc && prc != ZOO_ERR_NOTFOUND) {
            if (err) *err = pe;
            return prc;
        }
        s->has_pin = prc == 0;
        if (override[0]) {
            memcpy(s->expect, override, 65);
            s->expect_from = "--sha256";
        } else if (s->ms->sha256[0] && zoo_sha256_parse(s->ms->sha256, s->expect)) {
            s->expect_from = "manifest";
        } else if (s->has_pin) {
            memcpy(s->expect, pin, 65);
            s->expect_from = "pin";
            if (s->size < 0) {
                s->size = psize;
                s->size_from = "pin";
            }
        }
        if (o->require_pinned && !s->expect[0]) {
            s->skip = 2;
            continue;
        }
        (*n_usable)++;
    }
    return 0;
}

static int check_digest(const slot *s, const char *where, const char *sha, zoo_error *err) {
    if (!s || !s->expect[0] || !strcmp(s->expect, sha)) return 0;
    return zoo_error_set(err, ZOO_ERR_INTEGRITY,
                         "%s: SHA-256 mismatch: expected %s (%s), got %s; nothing installed", where,
                         s->expect, s->expect_from, sha);
}

/* The --from path: one place, matched to a manifest source by name or digest. */
static int fetch_from(zoo_ctx *ctx, const char *model, const zoo_fetch_opts *o, slot *slots,
                      int n_slots, const char *override, const char *ddir, const char *mdir,
                      const char *file, zoo_fetch_result *res, zoo_error *err) {
    char base[256], part[PATH_MAX];
    zoo_url_basename(o->from, base, sizeof base);
    slot *match = NULL;
    for (int i = 0; i < n_slots && !match; i++) {
        char b[256];
        zoo_url_basename(slots[i].ms->url, b, sizeof b);
        if (slots[i].skip != 1 && !strcmp(b, base)) match = &slots[i];
    }
    if (snprintf(part, sizeof part, "%s/%s.part", ddir, base) >= (int)sizeof part)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: path too long", ddir);
    zoo_dl_opts d = o->dl;
    d.expect_size = match ? match->size : -1;
    d.size_from = match ? match->size_from : NULL;
    int local = !zoo_is_url(o->from) || !strncmp(o->from, "file://", 7);
    const char *src = !strncmp(o->from, "file://", 7) ? o->from + 7 : o->from;
    int rc = local ? zoo_local_copy(src, part, &d, &res->dl, err)
                   : zoo_http_download(o->from, part, &d, &res->dl, err);
    if (rc) return rc;
    const char *sha = res->dl.sha256;
    for (int i = 0; i < n_slots && !match; i++)
        if (slots[i].skip != 1 && slots[i].expect[0] && !strcmp(slots[i].expect, sha))
            match = &slots[i];
    slot none = {0};
    if (!match && override[0]) {
        memcpy(none.expect, override, 65);
        none.expect_from = "--sha256";
    }
    const slot *chk = match ? match : &none;
    if ((rc = check_digest(chk, o->from, sha, err))) {
        zoo_dl_discard(part);
        return rc;
    }
    if (o->require_pinned && !chk->expect[0]) {
        zoo_dl_discard(part);
        return zoo_error_set(err, ZOO_ERR_INTEGRITY,
                             "%s: --require-pinned: sha256 %s matches no known digest of %s", o->from,
                             sha, model);
    }
    zoo_str_copy(res->checked_with, sizeof res->checked_with, chk->expect[0] ? chk->expect_from : "");
    char url[PATH_MAX + 8];
    if (match) zoo_str_copy(url, sizeof url, match->ms->url);
    else if (local && src[0] != '/') {
        char cwd[PATH_MAX];
        snprintf(url, sizeof url, "file://%s/%s", getcwd(cwd, sizeof cwd) ? cwd : ".", src);
    } else if (local) snprintf(url, sizeof url, "file://%s", src);
    else zoo_str_copy(url, sizeof url, o->from);
    rc = convert_install(ctx, model, part, ddir, mdir, file, url, sha, err);
    zoo_dl_discard(part);
    if (rc) return rc;
    zoo_str_copy(res->url, sizeof res->url, url);
    zoo_str_copy(res->fetched_from, sizeof res->fetched_from, o->from);
    zoo_str_copy(res->kind, sizeof res->kind, match ? match->ms->kind : "");
    memcpy(res->sha256, sha, 65);
    return 0;
}

static int fetch_sources(zoo_ctx *ctx, const char *model, const zoo_fetch_opts *o, slot *slots,
                         int n_slots, const char *ddir, const char *mdir, const char *file,
                         zoo_fetch_result *res, zoo_error *err) {
    char summary[ZOO_ERROR_MSG_MAX] = "";
    int nfail = 0, any_network = 0, last_code = ZOO_ERR_NOTFOUND;
    zoo_error e;
    for (int i = 0; i < n_slots; i++) {
        slot *s = &slots[i];
        if (s->skip) continue;
        char places[2][PATH_MAX];
        bool is_local[2] = {false, false};
        int np = 0;
        if (o->mirror && *o->mirror) {
            zoo_error_clear(&e);
            if (zoo_mirror_map(o->mirror, s->ms->url, places[np], sizeof places[np],
                               &is_local[np], &e) == 0)
                np++;
            else if (o->log)
                fprintf(o->log, "zoo: ZOO_MIRROR: %s\n", e.msg);
        }
        zoo_str_copy(places[np++], sizeof places[0], s->ms->url);
        char base[256], part[PATH_MAX];
        zoo_url_basename(s->ms->url, base, sizeof base);
        if (snprintf(part, sizeof part, "%s/%s.part", ddir, base) >= (int)sizeof part)
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: path too long", ddir);
        for (int k = 0; k < np; k++) {
            zoo_dl_opts d = o->dl;
            d.expect_size = s->size;
            d.size_from = s->size_from;
            zoo_error_clear(&e);
            int rc = is_local[k] ? zoo_local_copy(places[k], part, &d, &res->dl, &e)
                                 : zoo_http_download(places[k], part, &d, &res->dl, &e);
            if (rc == ZOO_ERR_NETWORK || rc == ZOO_ERR_NOTFOUND) {
                note_failure(summary, sizeof summary, &nfail, e.msg);
                any_network |= rc == ZOO_ERR_NETWORK;
                last_code = rc;
                int more = k + 1 < np;
                for (int j = i + 1; j < n_slots && !more; j++) more = !slots[j].skip;
                if (o->log && more)
                    fprintf(o->log, "zoo: %s; trying the next source\n", e.msg);
                continue;
            }
            if (rc) {
                *err = e;
                return rc;
            }
            const char *sha = res->dl.sha256;
            if ((rc = check_digest(s, places[k], sha, err))) {
                zoo_dl_discard(part);
                return rc;
            }
            rc = convert_install(ctx, model, part, ddir, mdir, file, s->ms->url, sha, err);
            zoo_dl_discard(part);
            if (rc) return rc;
            zoo_str_copy(res->url, sizeof res->url, s->ms->url);
            zoo_str_copy(res->fetched_from, sizeof res->fetched_from, places[k]);
            zoo_str_copy(res->kind, sizeof res->kind, s->ms->kind);
            memcpy(res->sha256, sha, 65);
            snprintf(res->checked_with, sizeof res->checked_with, "%s",
                     s->expect[0] ? s->expect_from : "");
            if (!s->has_pin && !s->ms->sha256[0]) { /* trust on first use */
                zoo_error pe = {0};
                if (zoo_pins_add(o->cache, s->ms->url, sha, res->dl.size, &pe) == 0)
                    res->pinned_now = true;
                else if (o->log)
                    fprintf(o->log, "zoo: warning: could not pin %s: %s\n", s->ms->url, pe.msg);
            }
            return 0;
        }
    }
    if (nfail == 1) return zoo_error_set(err, last_code, "%s", summary);
    return zoo_error_set(err, any_network ? ZOO_ERR_NETWORK : last_code,
                         "%s: no source could be fetched: %s", model, summary);
}

int zoo_fetch_model(zoo_ctx *ctx, const char *model, const zoo_fetch_opts *o,
                    zoo_fetch_result *res, zoo_error *err) {
    memset(res, 0, sizeof *res);
    char file[PATH_MAX], mdir[PATH_MAX], ddir[PATH_MAX], lock[PATH_MAX];
    int rc;
    if (!o || !o->cache || !*o->cache)
        return zoo_error_set(err, ZOO_ERR_INPUT, "fetch: no cache directory");
    if ((rc = zoo_cache_path(o->cache, ZOO_CACHE_MODEL_FILE, model, file, sizeof file, err)) ||
        (rc = zoo_cache_path(o->cache, ZOO_CACHE_MODEL_DIR, model, mdir, sizeof mdir, err)) ||
        (rc = zoo_cache_path(o->cache, ZOO_CACHE_DOWNLOAD_DIR, model, ddir, sizeof ddir, err)) ||
        (rc = zoo_cache_path(o->cache, ZOO_CACHE_MODEL_LOCK, model, lock, sizeof lock, err)))
        return rc;
    char override[65] = "";
    if (o->sha256 && !zoo_sha256_parse(o->sha256, override))
        return zoo_error_set(err, ZOO_ERR_INPUT, "--sha256 '%s': not 64 hex digits", o->sha256);
    zoo_str_copy(res->path, sizeof res->path, file);

    zoo_manifest *m = calloc(1, sizeof *m);
    if (!m) return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    zoo_error me = {0};
    rc = zoo_manifest_find(model, o->manifest_dirs, m, &me);
    if (rc && (rc != ZOO_ERR_NOTFOUND || !o->from)) {
        *err = me;
        if (rc == ZOO_ERR_NOTFOUND)
            zoo_error_set(err, rc, "no manifest for model %s: no sources known (give a file with "
                                   "--from, or add a manifest to ZOO_MANIFEST_PATH)", model);
        free(m);
        return rc;
    }
    if (rc) m->n_sources = 0;
    slot slots[ZOO_MANIFEST_MAX_SOURCES];
    int usable = 0, fd = -1;
    if ((rc = plan_slots(o->cache, m, o, override, slots, &usable, err))) goto out;
    if (o->kind) {
        int any = 0;
        for (int i = 0; i < m->n_sources; i++) any |= slots[i].skip != 1;
        if (!any && !o->from) {
            rc = zoo_error_set(err, ZOO_ERR_NOTFOUND, "%s: no source of kind '%s' in %s", model,
                               o->kind, m->path);
            goto out;
        }
    }
    if (!o->from && usable == 0) {
        char list[600] = "";
        for (int i = 0, k = 0; i < m->n_sources; i++)
            if (slots[i].skip == 2) note_failure(list, sizeof list, &k, m->sources[i].url);
        rc = zoo_error_set(err, o->require_pinned ? ZOO_ERR_INTEGRITY : ZOO_ERR_NOTFOUND,
                           o->require_pinned
                               ? "%s: --require-pinned: no digest is known for %s (fetch once "
                                 "without it to pin, or give --sha256)"
                               : "%s: the manifest lists no sources%s",
                           model, list);
        goto out;
    }

    if ((rc = zoo_cache_mkdirs(ddir, err)) || (rc = zoo_lock_acquire(lock, o->log, &fd, err)))
        goto out;
    zoo_cache_clean_stale(ddir);
    if (!o->force && exists(file)) {
        zoo_error we = {0};
        zoo_weights *w = zoo_weights_open(file, ZOO_WEIGHTS_REQUIRE_ZOO, &we);
        const char *wm = w ? zoo_weights_meta(w, "zoo.model") : NULL;
        if (w && wm && !strcmp(wm, model)) {
            const char *u = zoo_weights_meta(w, "zoo.source_url");
            const char *s = zoo_weights_meta(w, "zoo.source_sha256");
            zoo_str_copy(res->url, sizeof res->url, u ? u : "");
            zoo_str_copy(res->sha256, sizeof res->sha256, s ? s : "");
            res->already = true;
            zoo_weights_close(w);
            goto out;
        }
        if (w) zoo_error_set(&we, ZOO_ERR_INTEGRITY, "%s: holds weights of '%s', not %s", file,
                             wm ? wm : "?", model);
        zoo_weights_close(w);
        if (o->log) fprintf(o->log, "zoo: %s; fetching it again\n", we.msg);
    }
    if (o->from)
        rc = fetch_from(ctx, model, o, slots, m->n_sources, override, ddir, mdir, file, res, err);
    else
        rc = fetch_sources(ctx, model, o, slots, m->n_sources, ddir, mdir, file, res, err);
    zoo_cache_clean_stale(ddir);
out:
    zoo_lock_release(fd);
    free(m);
    return rc;
}
