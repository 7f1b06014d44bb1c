/* cli/cmd_convert.c - `zoo convert`: source weights -> a native .zoo file.
 *
 *   zoo convert MODEL SOURCE [-o OUT] [--dtype f32|f16] [--url URL]
 *   zoo convert --raw SOURCE -o OUT [--dtype f32|f16] [--url URL]
 *
 * MODEL must be registered; its graph decides the canonical names and shapes
 * (zoo_convert, include/zoo/convert.h). Without -o the file goes to the model
 * cache (zoo_cli_model_weights_path), whose directories are created. --url
 * records where SOURCE came from (zoo.source_url). Errors: one line through
 * zoo_cli_fail, exit code = the zoo_status (2 for input that does not fit).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "zoo/convert.h"

/* mkdir -p of the directory part of `file`. */
static int make_parent_dirs(const char *file, zoo_error *err) {
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", file) >= (int)sizeof p)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%.80s...: path too long", file);
    char *slash = strrchr(p, '/');
    if (!slash || slash == p) return ZOO_OK;
    *slash = '\0';
    for (char *c = p + 1; *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot create directory: %s", p,
                                 strerror(errno));
        *c = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot create directory: %s", p,
                             strerror(errno));
    return ZOO_OK;
}

int zoo_cmd_convert(zoo_cli *cli, int argc, char **argv) {
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    const char *out = NULL, *url = NULL;
    bool raw = false;
    zoo_dtype dtype = ZOO_DT_F32;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--raw")) raw = true;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return zoo_cli_usage_error("convert", "%s needs a file name", a);
            out = argv[++i];
        } else if (!strcmp(a, "--dtype")) {
            if (i + 1 >= argc) return zoo_cli_usage_error("convert", "--dtype needs f32 or f16");
            const char *d = argv[++i];
            if (!strcmp(d, "f32")) dtype = ZOO_DT_F32;
            else if (!strcmp(d, "f16")) dtype = ZOO_DT_F16;
            else return zoo_cli_usage_error("convert", "--dtype must be f32 or f16, not '%s'", d);
        } else if (!strcmp(a, "--url")) {
            if (i + 1 >= argc) return zoo_cli_usage_error("convert", "--url needs a URL");
            url = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            return zoo_cli_usage_error("convert", "unknown option '%s'", a);
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            return zoo_cli_usage_error("convert", "unexpected argument '%s'", a);
        }
    }
    const char *model = NULL, *source;
    if (raw) {
        if (npos != 1) return zoo_cli_usage_error("convert", "--raw takes one SOURCE");
        if (!out) return zoo_cli_usage_error("convert", "--raw needs -o OUT");
        source = pos[0];
    } else {
        if (npos != 2) return zoo_cli_usage_error("convert", "expected MODEL SOURCE");
        const zoo_model_desc *d = zoo_cli_find_model(cli, pos[0]);
        if (!d) return ZOO_ERR_NOTFOUND;
        model = d->name;
        source = pos[1];
    }
    zoo_error e = {0};
    char def[PATH_MAX];
    if (!out) {
        if (zoo_cli_model_weights_path(model, def, sizeof def) != 0) {
            zoo_error_set(&e, ZOO_ERR_RUNTIME,
                          "no model cache directory (set ZOO_HOME or HOME), or give -o OUT");
            return zoo_cli_fail(&e);
        }
        out = def;
        if (make_parent_dirs(out, &e)) return zoo_cli_fail(&e);
    }
    zoo_convert_opts o = {.dtype = dtype, .source_url = url ? url : "", .source_sha256 = NULL};
    if (zoo_convert(cli->ctx, model, source, out, &o, &e)) return zoo_cli_fail(&e);
    printf("%s -> %s (%s%s)\n", source, out, raw ? "raw, " : "", dtype == ZOO_DT_F16 ? "f16" : "f32");
    return ZOO_OK;
}
