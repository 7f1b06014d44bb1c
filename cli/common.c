/* cli/common.c - helpers shared by the commands: error printing, the cache
 * directory layout, model lookup with suggestions. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int zoo_cli_fail(const zoo_error *err) {
    int code = err && err->code ? err->code : ZOO_ERR_RUNTIME;
    fprintf(stderr, "zoo: %s\n", err && err->msg[0] ? err->msg : "unknown error");
    return code;
}

int zoo_cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "zoo %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'zoo help %s')\n", cmd);
    va_end(ap);
    return ZOO_ERR_INPUT;
}

int zoo_cli_cache_dir(char *buf, size_t size) {
    const char *zh = getenv("ZOO_HOME");
    if (zh && *zh) {
        snprintf(buf, size, "%s", zh);
        return 0;
    }
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && *xdg) {
        snprintf(buf, size, "%s/zoo", xdg);
        return 0;
    }
    const char *home = getenv("HOME");
    if (!home || !*home) return -1;
    snprintf(buf, size, "%s/.cache/zoo", home);
    return 0;
}

int zoo_cli_model_weights_path(const char *model, char *buf, size_t size) {
    char dir[PATH_MAX];
    if (zoo_cli_cache_dir(dir, sizeof dir)) return -1;
    int n = snprintf(buf, size, "%s/models/%s/%s.zoo", dir, model, model);
    return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

const zoo_model_desc *zoo_cli_find_model(zoo_cli *cli, const char *name) {
    const zoo_model_desc *d = zoo_model_find(cli->ctx, name);
    if (d) return d;
    const char *s = zoo_model_suggest(cli->ctx, name);
    if (s)
        fprintf(stderr, "zoo: unknown model '%s' (did you mean %s?)\n", name, s);
    else
        fprintf(stderr, "zoo: unknown model '%s' (see 'zoo list')\n", name);
    return NULL;
}
