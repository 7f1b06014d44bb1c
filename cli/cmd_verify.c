/* cli/cmd_verify.c - `zoo verify [MODEL...]`: re-hash what is installed in the
 * model cache (fetch/verify.c): each native file's own digest, that it holds
 * the model it is filed under, and its recorded source digest against the pin
 * and the manifest. Without MODEL: every installed model. One line per model
 * on stdout ("ok" or "DAMAGED: why"); exit 4 if anything is damaged, 3 if a
 * named model is not installed, else 0. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "fetch/fetch.h"

static int verify_one(zoo_cli *cli, const char *cache, const char *model) {
    zoo_verify_result r;
    zoo_error e = {0};
    int rc = zoo_fetch_verify(cache, model, cli->manifest_dirs, &r, &e);
    if (rc == ZOO_ERR_INTEGRITY) {
        printf("%s: DAMAGED: %s\n", model, e.msg);
        return rc;
    }
    if (rc) return zoo_cli_fail(&e);
    static const char *const src[] = {"source digest not pinned", "source digest matches the pin",
                                      "source digest matches the manifest"};
    printf("%s: ok (digest %.16s..., %s)\n", model, r.digest,
           r.source_url[0] ? src[r.source_check] : "no recorded source");
    return 0;
}

int zoo_cmd_verify(zoo_cli *cli, int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1])
            return zoo_cli_usage_error("verify", "unknown option '%s'", argv[i]);
    char cache[4096];
    if (zoo_cli_cache_dir(cache, sizeof cache) != 0) {
        fprintf(stderr, "zoo: no model cache directory (set ZOO_HOME or HOME)\n");
        return ZOO_ERR_RUNTIME;
    }
    int worst = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            int rc = verify_one(cli, cache, argv[i]);
            if (rc && (!worst || rc == ZOO_ERR_INTEGRITY)) worst = rc;
        }
        return worst;
    }
    char **names = NULL;
    int n = 0;
    zoo_error e = {0};
    if (zoo_cache_list(cache, &names, &n, &e)) return zoo_cli_fail(&e);
    if (n == 0) printf("no models installed in %s\n", cache);
    int damaged = 0;
    for (int i = 0; i < n; i++) {
        int rc = verify_one(cli, cache, names[i]);
        if (rc == ZOO_ERR_INTEGRITY) damaged++;
        if (rc && (!worst || rc == ZOO_ERR_INTEGRITY)) worst = rc;
    }
    if (n) printf("%d model%s checked, %d damaged\n", n, n == 1 ? "" : "s", damaged);
    zoo_cache_free_list(names, n);
    return worst;
}
