/* registry/registry_impl.h - the context and model registry layout (private). */
#ifndef ZOO_REGISTRY_IMPL_H
#define ZOO_REGISTRY_IMPL_H

#include "zoo/zoo.h"

typedef struct zoo_plugin_rec {
    char *path;
    char *name;
    char *version;
    void *handle; /* dlopen handle; NULL for built-in registrations */
} zoo_plugin_rec;

typedef struct zoo_model_rec {
    zoo_model_desc desc; /* strings point into the owned copies below */
    char *name, *family, *summary;
    int plugin;          /* index into ctx->plugins */
} zoo_model_rec;

struct zoo_ctx {
    zoo_plugin_rec *plugins;
    int n_plugins, cap_plugins;
    zoo_model_rec *models; /* kept sorted by name */
    int n_models, cap_models;
    char **warnings;
    int n_warnings, cap_warnings;
};

struct zoo_registrar {
    zoo_ctx *ctx;
    int plugin;
    int failures;        /* registrations refused during this init */
    char last_error[512];
};

void zoo_ctx_add_warning(zoo_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
