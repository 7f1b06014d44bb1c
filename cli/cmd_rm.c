/* cli/cmd_rm.c - `zoo rm MODEL... [--unpin]`: remove a model's installed
 * weights and partial downloads from the cache (under its lock, so it never
 * pulls a file from under a running fetch). Pins stay unless --unpin, which
 * also forgets the pins of the model's manifest sources and of the source the
 * installed file records. Exit 3 if the model has nothing in the cache. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "fetch/fetch.h"

static int rm_one(zoo_cli *cli, const char *cache, const char *model, bool unpin) {
    const char *urls[ZOO_MANIFEST_MAX_SOURCES + 1];
    int n = 0;
    zoo_manifest m;
    char recorded[600] = "";
    if (unpin) {
        if (zoo_manifest_find(model, cli->manifest_dirs, &m, NULL) == ZOO_OK)
            for (int i = 0; i < m.n_sources; i++) urls[n++] = m.sources[i].url;
        char file[4096];
        if (zoo_cache_path(cache, ZOO_CACHE_MODEL_FILE, model, file, sizeof file, NULL) == 0) {
            zoo_weights *w = zoo_weights_open(file, ZOO_WEIGHTS_NO_VERIFY, NULL);
            const char *u = w ? zoo_weights_meta(w, "zoo.source_url") : NULL;
            if (u && *u) {
                zoo_str_copy(recorded, sizeof recorded, u);
                urls[n++] = recorded;
            }
            zoo_weights_close(w);
        }
    }
    zoo_error e = {0};
    int removed = 0;
    if (zoo_cache_remove(cache, model, urls, n, &removed, &e)) return zoo_cli_fail(&e);
    printf("%s: removed from %s", model, cache);
    if (unpin) printf(" (%d pin%s forgotten)", removed, removed == 1 ? "" : "s");
    printf("\n");
    return 0;
}

int zoo_cmd_rm(zoo_cli *cli, int argc, char **argv) {
    bool unpin = false;
    int nm = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--unpin")) unpin = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return zoo_cli_usage_error("rm", "unknown option '%s'", argv[i]);
        else nm++;
    }
    if (!nm) return zoo_cli_usage_error("rm", "expected MODEL");
    char cache[4096];
    if (zoo_cli_cache_dir(cache, sizeof cache) != 0) {
        fprintf(stderr, "zoo: no model cache directory (set ZOO_HOME or HOME)\n");
        return ZOO_ERR_RUNTIME;
    }
    int first = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) continue;
        int rc = rm_one(cli, cache, argv[i], unpin);
        if (rc && !first) first = rc;
    }
    return first;
}
