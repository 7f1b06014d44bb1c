/* registry/registry.c - the model registry inside a zoo_ctx: registration
 * (called by plugins through the host table), lookup, "did you mean". The
 * registry knows model descriptors only: no family, no backend. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry_impl.h"

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

void zoo_ctx_add_warning(zoo_ctx *ctx, const char *fmt, ...) {
    if (ctx->n_warnings == ctx->cap_warnings) {
        int nc = ctx->cap_warnings ? ctx->cap_warnings * 2 : 8;
        char **p = realloc(ctx->warnings, sizeof(char *) * (size_t)nc);
        if (!p) return;
        ctx->warnings = p;
        ctx->cap_warnings = nc;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *w = dupstr(buf);
    if (w) ctx->warnings[ctx->n_warnings++] = w;
}

static int valid_name(const char *s) {
    if (!s || !*s || strlen(s) > 128) return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.')) return 0;
    return 1;
}

int zoo_registry_register_model(zoo_registrar *reg, const zoo_model_desc *d) {
    if (!reg || !reg->ctx) return -1;
    zoo_ctx *ctx = reg->ctx;
    const char *why = NULL;
    if (!d) why = "no descriptor";
    else if (!valid_name(d->name)) why = "model name must be 1-128 characters of [A-Za-z0-9_.-]";
    else if (!d->family || !*d->family) why = "no family";
    else if (!d->build) why = "no build function";
    else if (d->input_channels <= 0 || d->input_size <= 0 || d->num_classes <= 0)
        why = "input_channels, input_size and num_classes must be positive";
    else if (zoo_model_find(ctx, d->name)) why = "a model of this name is already registered";
    if (why) {
        snprintf(reg->last_error, sizeof reg->last_error, "model %s: %s",
                 d && d->name ? d->name : "(null)", why);
        reg->failures++;
        return -1;
    }
    if (ctx->n_models == ctx->cap_models) {
        int nc = ctx->cap_models ? ctx->cap_models * 2 : 32;
        zoo_model_rec *p = realloc(ctx->models, sizeof *p * (size_t)nc);
        if (!p) return -1;
        ctx->models = p;
        ctx->cap_models = nc;
    }
    zoo_model_rec r = {0};
    r.desc = *d;
    r.name = dupstr(d->name);
    r.family = dupstr(d->family);
    r.summary = dupstr(d->summary ? d->summary : "");
    if (!r.name || !r.family || !r.summary) {
        free(r.name);
        free(r.family);
        free(r.summary);
        return -1;
    }
    r.desc.name = r.name;
    r.desc.family = r.family;
    r.desc.summary = r.summary;
    if (r.desc.resize_short <= 0) r.desc.resize_short = r.desc.input_size;
    r.plugin = reg->plugin;
    /* insert sorted */
    int pos = ctx->n_models;
    while (pos > 0 && strcmp(ctx->models[pos - 1].name, r.name) > 0) pos--;
    memmove(&ctx->models[pos + 1], &ctx->models[pos],
            sizeof(zoo_model_rec) * (size_t)(ctx->n_models - pos));
    ctx->models[pos] = r;
    ctx->n_models++;
    return 0;
}

/* Removes the models a plugin registered (its init failed). */
void zoo_registry_drop_plugin(zoo_ctx *ctx, int plugin) {
    int k = 0;
    for (int i = 0; i < ctx->n_models; i++) {
        if (ctx->models[i].plugin == plugin) {
            free(ctx->models[i].name);
            free(ctx->models[i].family);
            free(ctx->models[i].summary);
        } else {
            ctx->models[k++] = ctx->models[i];
        }
    }
    ctx->n_models = k;
}

int zoo_model_count(const zoo_ctx *ctx) {
    return ctx ? ctx->n_models : 0;
}

const zoo_model_desc *zoo_model_at(const zoo_ctx *ctx, int i) {
    if (!ctx || i < 0 || i >= ctx->n_models) return NULL;
    return &ctx->models[i].desc;
}

const zoo_model_desc *zoo_model_find(const zoo_ctx *ctx, const char *name) {
    if (!ctx || !name) return NULL;
    int lo = 0, hi = ctx->n_models - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(ctx->models[mid].name, name);
        if (!c) return &ctx->models[mid].desc;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}

/* case-insensitive Levenshtein distance, bounded inputs */
static int edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 128 || lb > 128) return 1000;
    int prev[130], cur[130];
    for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = prev[j - 1] + cost;
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            cur[j] = v;
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}

const char *zoo_model_suggest(const zoo_ctx *ctx, const char *name) {
    if (!ctx || !name || !*name) return NULL;
    const char *best = NULL;
    int bestd = 1 << 30;
    for (int i = 0; i < ctx->n_models; i++) {
        int d = edit_distance(name, ctx->models[i].name);
        if (d < bestd) {
            bestd = d;
            best = ctx->models[i].name;
        }
    }
    int len = (int)strlen(name);
    int limit = len / 3 > 2 ? len / 3 : 2;
    return bestd <= limit ? best : NULL;
}
