/* registry/model_build.c - zoo_model_build: look a model up and run its
 * plugin's builder into a fresh graph, then finalize and sanity-check it. */
#include <stdio.h>

#include "core/graph_impl.h"
#include "registry/registry_impl.h"

zoo_graph *zoo_model_build(zoo_ctx *ctx, const char *name, int h, int w, zoo_error *err) {
    const zoo_model_desc *d = zoo_model_find(ctx, name);
    if (!d) {
        const char *s = zoo_model_suggest(ctx, name);
        if (s)
            zoo_error_set(err, ZOO_ERR_NOTFOUND, "unknown model '%s' (did you mean %s?)", name, s);
        else
            zoo_error_set(err, ZOO_ERR_NOTFOUND, "unknown model '%s' (see 'zoo list')", name);
        return NULL;
    }
    if (h <= 0) h = d->input_size;
    if (w <= 0) w = d->input_size;
    zoo_graph *g = zoo_graph_new(d->name);
    if (!g) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
        return NULL;
    }
    int rc = d->build(zoo_host(), g, d->config, h, w);
    if (rc != 0 || g->error) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s",
                      g->error ? g->error : "builder failed without a message");
        zoo_graph_free(g);
        return NULL;
    }
    if (zoo_graph_finalize(g, err) != ZOO_OK) {
        zoo_graph_free(g);
        return NULL;
    }
    zoo_shape in = zoo_graph_input_shape(g);
    if (in.c != d->input_channels || in.h != h || in.w != w) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: builder made input [%d,%d,%d], expected [%d,%d,%d]",
                      d->name, in.c, in.h, in.w, d->input_channels, h, w);
        zoo_graph_free(g);
        return NULL;
    }
    return g;
}
