/* core/backend.h - the interface every execution backend implements
 * (after ggml's backend interface). A backend never knows a model family:
 * it receives a finalized, bound graph and compiles it into a plan.
 *
 * prepare(): validate that every op is supported, plan memory for
 *            opts->max_batch, upload/pack weights. Returns an opaque plan.
 * run():     execute on `batch` (1..max_batch) images; input is
 *            batch x C x H x W fp32, output batch x numel(output) fp32.
 * The plan must not keep pointers into opts; it may keep pointers into the
 * graph (the graph outlives its runners).
 */
#ifndef ZOO_CORE_BACKEND_H
#define ZOO_CORE_BACKEND_H

#include <stddef.h>

#include "zoo/zoo.h"

typedef struct zoo_backend_impl {
    const char *name;
    void *(*prepare)(const zoo_graph *g, const zoo_runner_opts *opts, zoo_error *err);
    int (*run)(void *plan, const float *input, int batch, float *output, zoo_error *err);
    size_t (*activation_bytes)(const void *plan);
    void (*release)(void *plan);
} zoo_backend_impl;

/* cpu/ : the reference (every op written plainly, the oracle) and the fast path */
extern const zoo_backend_impl zoo_backend_cpu_ref;
extern const zoo_backend_impl zoo_backend_cpu;

#endif
