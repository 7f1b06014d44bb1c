/* cli/cmd_fetch.c - `zoo fetch`: download, verify, convert and install model
 * weights into the cache (fetch/fetch.h, docs/fetch.md).
 *
 *   zoo fetch MODEL... [--from FILE|URL] [--sha256 HEX] [--kind KIND]
 *             [--require-pinned] [--force] [--quiet] [--retries N] [--retry-delay S]
 *             [--connect-timeout S] [--speed-time S] [--speed-limit BYTES]
 *   zoo fetch --all [options]
 *
 * Progress bar on stdout when it is a terminal (not with --quiet); notes
 * (retries, waiting for a lock, fallbacks) on stderr unless --quiet; the
 * result, one or two lines per model, on stdout unless --quiet. Errors: one
 * line each. Exit code: 0, or the first failure's zoo_status (4 digest
 * mismatch, 5 network, 1 local I/O such as a full disk, 3 not found).
 * SIGXFSZ is ignored so that a file size limit is an error, not a kill.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fetch/fetch.h"

static int parse_long(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out) {
    char *end;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || !*v || *end || x < lo || x > hi)
        return zoo_cli_usage_error(cmd, "%s needs a number from %ld to %ld", opt, lo, hi);
    *out = x;
    return 0;
}

static void print_result(const char *model, const zoo_fetch_result *r) {
    if (r->already) {
        printf("%s: already installed (%s)\n", model, r->path);
        return;
    }
    char sz[32], rate[48] = "";
    zoo_format_bytes((double)r->dl.size, sz, sizeof sz);
    if (r->dl.seconds > 0 && r->dl.transferred > 0) {
        char rb[32];
        zoo_format_bytes((double)r->dl.transferred / r->dl.seconds, rb, sizeof rb);
        snprintf(rate, sizeof rate, ", %s/s", rb);
    }
    printf("%s: installed %s\n", model, r->path);
    printf("  source %s%s%s%s, %s in %.2f s%s", r->url, r->kind[0] ? " (" : "", r->kind,
           r->kind[0] ? ")" : "", sz, r->dl.seconds, rate);
    if (strcmp(r->fetched_from, r->url)) printf(", from %s", r->fetched_from);
    if (r->dl.resumed_from > 0) printf(", resumed at byte %lld", r->dl.resumed_from);
    if (r->dl.restarts > 0) printf(", restarted %d time%s", r->dl.restarts, r->dl.restarts > 1 ? "s" : "");
    printf("\n  sha256 %s (%s%s)\n", r->sha256, r->checked_with[0] ? "matches the " : "",
           r->checked_with[0] ? r->checked_with : r->pinned_now ? "pinned now" : "not pinned");
}

int zoo_cmd_fetch(zoo_cli *cli, int argc, char **argv) {
    zoo_fetch_opts o;
    memset(&o, 0, sizeof o);
    zoo_dl_opts_default(&o.dl);
    bool all = false, quiet = false;
    const char **models = calloc((size_t)argc + 1, sizeof *models);
    if (!models) return ZOO_ERR_RUNTIME;
    int nm = 0, rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long x;
        if (!strcmp(a, "--all")) all = true;
        else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) quiet = true;
        else if (!strcmp(a, "--force")) o.force = true;
        else if (!strcmp(a, "--require-pinned")) o.require_pinned = true;
        else if (!strcmp(a, "--from") || !strcmp(a, "--sha256") || !strcmp(a, "--kind")) {
            if (!v) rc = zoo_cli_usage_error("fetch", "%s needs a value", a);
            else if (a[2] == 'f') o.from = v;
            else if (a[2] == 's') o.sha256 = v;
            else o.kind = v;
            i++;
        } else if (!strcmp(a, "--retries")) {
            if (!(rc = parse_long("fetch", a, v, 0, 100, &x))) o.dl.retries = (int)x;
            i++;
        } else if (!strcmp(a, "--retry-delay")) {
            char *end = NULL;
            double dv = v ? strtod(v, &end) : -1;
            if (!v || !*v || *end || !(dv >= 0 && dv <= 60))
                rc = zoo_cli_usage_error("fetch", "--retry-delay needs seconds from 0 to 60");
            else o.dl.retry_delay_s = dv;
            i++;
        } else if (!strcmp(a, "--connect-timeout")) {
            if (!(rc = parse_long("fetch", a, v, 1, 3600, &x))) o.dl.connect_timeout_s = x;
            i++;
        } else if (!strcmp(a, "--speed-time")) {
            if (!(rc = parse_long("fetch", a, v, 1, 3600, &x))) o.dl.speed_time_s = x;
            i++;
        } else if (!strcmp(a, "--speed-limit")) {
            if (!(rc = parse_long("fetch", a, v, 1, 1L << 30, &x))) o.dl.speed_limit = x;
            i++;
        } else if (a[0] == '-' && a[1]) {
            rc = zoo_cli_usage_error("fetch", "unknown option '%s'", a);
        } else {
            models[nm++] = a;
        }
    }
    if (!rc && all && nm) rc = zoo_cli_usage_error("fetch", "give MODEL names or --all, not both");
    if (!rc && !all && !nm) rc = zoo_cli_usage_error("fetch", "expected MODEL (or --all)");
    if (!rc && o.from && (all || nm != 1))
        rc = zoo_cli_usage_error("fetch", "--from goes with exactly one MODEL");
    char cache[4096];
    if (!rc && zoo_cli_cache_dir(cache, sizeof cache) != 0) {
        fprintf(stderr, "zoo: no model cache directory (set ZOO_HOME or HOME)\n");
        rc = ZOO_ERR_RUNTIME;
    }
    if (rc) {
        free(models);
        return rc;
    }
    signal(SIGXFSZ, SIG_IGN); /* a file size limit makes write() fail with EFBIG */
    o.cache = cache;
    o.manifest_dirs = cli->manifest_dirs;
    const char *mirror = getenv("ZOO_MIRROR");
    o.mirror = mirror && *mirror ? mirror : NULL;
    o.log = quiet ? NULL : stderr;
    o.dl.log = o.log;
    o.dl.progress = cli->stdout_tty && !quiet ? stdout : NULL;

    if (all) {
        for (int i = 0; i < zoo_model_count(cli->ctx); i++) {
            const char *name = zoo_model_at(cli->ctx, i)->name;
            zoo_manifest m;
            if (zoo_manifest_find(name, cli->manifest_dirs, &m, NULL) == ZOO_ERR_NOTFOUND) continue;
            models[nm++] = name;
        }
        if (nm == 0) fprintf(stderr, "zoo: no registered model has a manifest\n");
    }
    int first_fail = 0, n_new = 0, n_had = 0, n_fail = 0;
    zoo_fetch_result *res = malloc(sizeof *res);
    if (!res) {
        free(models);
        return ZOO_ERR_RUNTIME;
    }
    for (int i = 0; i < nm; i++) {
        const zoo_model_desc *d = zoo_cli_find_model(cli, models[i]);
        int code;
        if (!d) code = ZOO_ERR_NOTFOUND;
        else {
            zoo_error e = {0};
            code = zoo_fetch_model(cli->ctx, d->name, &o, res, &e);
            fflush(stdout);
            if (code) zoo_cli_fail(&e);
            else if (!quiet) print_result(d->name, res);
            if (!code && res->already) n_had++;
            else if (!code) n_new++;
        }
        if (code) {
            n_fail++;
            if (!first_fail) first_fail = code;
        }
    }
    if (all && !quiet)
        printf("fetch --all: %d installed, %d already installed, %d failed\n", n_new, n_had, n_fail);
    free(res);
    free(models);
    return first_fail;
}
