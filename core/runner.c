/* core/runner.c - zoo_runner: picks a backend by name and forwards to its
 * vtable (core/backend.h). Backends are listed in one const table here; a
 * backend that is not compiled in is reported as unavailable, never silently
 * replaced. "auto" picks vulkan when the Vulkan device that would be chosen is
 * a GPU (a CPU device such as lavapipe does not count), else cpu, and says
 * which on stderr in one line; if vulkan then fails to prepare, it falls back
 * to cpu with one more line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "core/graph_impl.h"
#include "vulkan/vk_backend.h"

struct zoo_runner {
    const zoo_backend_impl *impl;
    void *plan;
    const zoo_graph *g;
    int max_batch;
    int64_t in_numel, out_numel;
};

static const zoo_backend_impl *find_backend(const char *name) {
    const zoo_backend_impl *const all[] = {&zoo_backend_cpu, &zoo_backend_cpu_ref,
                                           &zoo_backend_vulkan};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!strcmp(all[i]->name, name)) return all[i];
    return NULL;
}

zoo_runner *zoo_runner_new(zoo_graph *g, const zoo_runner_opts *opts, zoo_error *err) {
    zoo_runner_opts o = {0};
    if (opts) o = *opts;
    bool is_auto = o.backend && !strcmp(o.backend, "auto");
    if (!o.backend || !*o.backend) o.backend = "cpu";
    if (o.max_batch <= 0) o.max_batch = 1;
    if (!g || !g->finalized) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "runner: graph is not finalized");
        return NULL;
    }
    for (int i = 0; i < g->n_params; i++) {
        if (!g->params[i].data) {
            zoo_error_set(err, ZOO_ERR_INPUT, "%s: parameter %s has no data (weights not bound)",
                          g->model_name, g->params[i].name);
            return NULL;
        }
    }
    if (is_auto) {
        char why[512];
        bool gpu = zoo_vulkan_gpu_available(o.device, why, sizeof why);
        o.backend = gpu ? "vulkan" : "cpu";
        fprintf(stderr, "zoo: backend auto: %s (%s)\n", o.backend,
                gpu ? why : (why[0] ? why : "no Vulkan GPU"));
    }
    const zoo_backend_impl *impl = find_backend(o.backend);
    if (!impl) {
        zoo_error_set(err, ZOO_ERR_INPUT,
                      "backend %s is not available in this build (available: cpu, cpu-ref, vulkan, "
                      "auto)",
                      o.backend);
        return NULL;
    }
    zoo_runner *r = calloc(1, sizeof *r);
    if (!r) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
        return NULL;
    }
    r->impl = impl;
    r->g = g;
    r->max_batch = o.max_batch;
    r->in_numel = zoo_shape_numel(g->values[g->input].shape);
    r->out_numel = zoo_shape_numel(g->values[g->output].shape);
    r->plan = impl->prepare(g, &o, err);
    if (!r->plan && is_auto && impl != &zoo_backend_cpu) {
        fprintf(stderr, "zoo: backend auto: vulkan failed (%s); using cpu\n",
                err ? err->msg : "?");
        zoo_error_clear(err);
        r->impl = impl = &zoo_backend_cpu;
        r->plan = impl->prepare(g, &o, err);
    }
    if (!r->plan) {
        free(r);
        return NULL;
    }
    return r;
}

void zoo_runner_free(zoo_runner *r) {
    if (!r) return;
    r->impl->release(r->plan);
    free(r);
}

const char *zoo_runner_backend_name(const zoo_runner *r) {
    return r ? r->impl->name : NULL;
}

int zoo_runner_run(zoo_runner *r, const float *input, int batch, float *output, zoo_error *err) {
    if (!r || !input || !output) return zoo_error_set(err, ZOO_ERR_RUNTIME, "runner: bad arguments");
    if (batch < 1 || batch > r->max_batch)
        return zoo_error_set(err, ZOO_ERR_INPUT, "runner: batch %d outside 1..%d", batch,
                             r->max_batch);
    return r->impl->run(r->plan, input, batch, output, err);
}

size_t zoo_runner_activation_bytes(const zoo_runner *r) {
    return r ? r->impl->activation_bytes(r->plan) : 0;
}
