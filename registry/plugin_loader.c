/* registry/plugin_loader.c - finding and loading family plugins.
 *
 * Search order (zoo_ctx_new): the directories in opts->plugin_dirs, then each
 * directory of $ZOO_PLUGIN_PATH (colon-separated), or, with no opts, the
 * installed directory ZOO_PREFIX/lib/zoo/plugins then $ZOO_PLUGIN_PATH.
 * In each directory every "*.so" is loaded in name order. A plugin whose name
 * is already loaded is skipped with a warning (first found wins).
 *
 * Loading (zoo_ctx_load_plugin): dlopen(RTLD_NOW | RTLD_LOCAL); dlsym the one
 * symbol ZOO_PLUGIN_SYMBOL; read its abi_version FIRST and refuse a mismatch
 * ("<file>: plugin ABI version 2, this zoo expects 1"); then call init with
 * the host table. A failing init unregisters whatever it registered.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry/registry_impl.h"

#ifndef ZOO_PREFIX
#define ZOO_PREFIX "/usr/local"
#endif

void zoo_registry_drop_plugin(zoo_ctx *ctx, int plugin);

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int find_plugin_name(const zoo_ctx *ctx, const char *name) {
    for (int i = 0; i < ctx->n_plugins; i++)
        if (!strcmp(ctx->plugins[i].name, name)) return i;
    return -1;
}

int zoo_ctx_load_plugin(zoo_ctx *ctx, const char *path, zoo_error *err) {
    if (!ctx || !path) return zoo_error_set(err, ZOO_ERR_RUNTIME, "load_plugin: bad arguments");
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: cannot load plugin: %s", path,
                             e ? e : "dlopen failed");
    }
    dlerror();
    const zoo_plugin_def *def = (const zoo_plugin_def *)dlsym(h, ZOO_PLUGIN_SYMBOL);
    if (!def) {
        dlclose(h);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a zoo plugin (no symbol '%s')", path,
                             ZOO_PLUGIN_SYMBOL);
    }
    if (def->abi_version != ZOO_PLUGIN_ABI_VERSION) {
        unsigned v = def->abi_version;
        dlclose(h);
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: plugin ABI version %u, this zoo expects %u; rebuild the plugin "
                             "against zoo %s's headers",
                             path, v, (unsigned)ZOO_PLUGIN_ABI_VERSION, ZOO_VERSION_STRING);
    }
    if (!def->name || !*def->name || !def->init) {
        dlclose(h);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: plugin has no name or init function", path);
    }
    if (find_plugin_name(ctx, def->name) >= 0) {
        int prev = find_plugin_name(ctx, def->name);
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: plugin '%s' is already loaded from %s", path,
                      def->name, ctx->plugins[prev].path);
        dlclose(h);
        return ZOO_ERR_INPUT;
    }
    if (ctx->n_plugins == ctx->cap_plugins) {
        int nc = ctx->cap_plugins ? ctx->cap_plugins * 2 : 8;
        zoo_plugin_rec *p = realloc(ctx->plugins, sizeof *p * (size_t)nc);
        if (!p) {
            dlclose(h);
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
        }
        ctx->plugins = p;
        ctx->cap_plugins = nc;
    }
    zoo_plugin_rec *rec = &ctx->plugins[ctx->n_plugins];
    rec->path = dupstr(path);
    rec->name = dupstr(def->name);
    rec->version = dupstr(def->version ? def->version : "");
    rec->handle = h;
    if (!rec->path || !rec->name || !rec->version) {
        free(rec->path);
        free(rec->name);
        free(rec->version);
        dlclose(h);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    }
    int idx = ctx->n_plugins++;
    zoo_registrar reg = {.ctx = ctx, .plugin = idx};
    int rc = def->init(zoo_host(), &reg);
    if (rc != 0 || reg.failures) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: plugin '%s' failed to initialise%s%s", path,
                      def->name, reg.last_error[0] ? ": " : "", reg.last_error);
        zoo_registry_drop_plugin(ctx, idx);
        free(rec->path);
        free(rec->name);
        free(rec->version);
        ctx->n_plugins--;
        dlclose(h);
        return ZOO_ERR_INPUT;
    }
    return ZOO_OK;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_dir(zoo_ctx *ctx, const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 3, ".so")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **p = realloc(names, sizeof(char *) * (size_t)cap);
            if (!p) break;
            names = p;
        }
        names[n] = dupstr(de->d_name);
        if (names[n]) n++;
    }
    closedir(d);
    if (n > 1) qsort(names, (size_t)n, sizeof(char *), cmp_str); /* names is NULL when n == 0 */
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            zoo_error e = {0};
            if (zoo_ctx_load_plugin(ctx, path, &e) != ZOO_OK) zoo_ctx_add_warning(ctx, "%s", e.msg);
        }
        free(names[i]);
    }
    free(names);
}

zoo_ctx *zoo_ctx_new(const zoo_ctx_opts *opts, zoo_error *err) {
    zoo_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
        return NULL;
    }
    if (opts && opts->no_default_plugins) return ctx;
    if (opts && opts->plugin_dirs) {
        for (int i = 0; opts->plugin_dirs[i]; i++) load_dir(ctx, opts->plugin_dirs[i]);
    } else if (!opts) {
        load_dir(ctx, ZOO_PREFIX "/lib/zoo/plugins");
    }
    const char *env = (opts && opts->no_env) ? NULL : getenv("ZOO_PLUGIN_PATH");
    if (env && *env) {
        char *copy = dupstr(env);
        if (copy) {
            char *save = NULL;
            for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
                if (*tok) load_dir(ctx, tok);
            free(copy);
        }
    }
    return ctx;
}

void zoo_ctx_free(zoo_ctx *ctx) {
    if (!ctx) return;
    for (int i = 0; i < ctx->n_models; i++) {
        free(ctx->models[i].name);
        free(ctx->models[i].family);
        free(ctx->models[i].summary);
    }
    free(ctx->models);
    for (int i = 0; i < ctx->n_plugins; i++) {
        free(ctx->plugins[i].path);
        free(ctx->plugins[i].name);
        free(ctx->plugins[i].version);
        /* Under AddressSanitizer, keep plugins mapped so leak reports can
         * symbolize their frames; otherwise unload them. */
#if !defined(__SANITIZE_ADDRESS__)
        if (ctx->plugins[i].handle) dlclose(ctx->plugins[i].handle);
#endif
    }
    free(ctx->plugins);
    for (int i = 0; i < ctx->n_warnings; i++) free(ctx->warnings[i]);
    free(ctx->warnings);
    free(ctx);
}

int zoo_ctx_plugin_count(const zoo_ctx *ctx) {
    return ctx ? ctx->n_plugins : 0;
}

const char *zoo_ctx_plugin_name(const zoo_ctx *ctx, int i) {
    return ctx && i >= 0 && i < ctx->n_plugins ? ctx->plugins[i].name : NULL;
}

const char *zoo_ctx_plugin_path(const zoo_ctx *ctx, int i) {
    return ctx && i >= 0 && i < ctx->n_plugins ? ctx->plugins[i].path : NULL;
}

int zoo_ctx_warning_count(const zoo_ctx *ctx) {
    return ctx ? ctx->n_warnings : 0;
}

const char *zoo_ctx_warning(const zoo_ctx *ctx, int i) {
    return ctx && i >= 0 && i < ctx->n_warnings ? ctx->warnings[i] : NULL;
}
