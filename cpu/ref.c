/* cpu/ref.c - the "cpu-ref" backend: runs the graph node by node with the
 * reference ops (ref_ops.c). One dense buffer per value, allocated when the
 * value is produced and freed after its last reader, so whole models fit in
 * memory. prepare() only validates the graph and computes use counts; it
 * never touches or copies the parameters. */
#include <stdlib.h>
#include <string.h>

#include "core/backend.h"
#include "cpu/geom.h"
#include "cpu/ref_ops.h"

typedef struct ref_plan {
    const zoo_graph *g;
    int max_batch;
    int *last_use; /* per value: last node reading it (n_nodes = graph output) */
    size_t peak_bytes;
} ref_plan;

static void ref_release(void *p) {
    ref_plan *r = p;
    if (!r) return;
    free(r->last_use);
    free(r);
}

static void *ref_prepare(const zoo_graph *g, const zoo_runner_opts *opts, zoo_error *err) {
    if (cpu_check_graph(g, "cpu-ref", err)) return NULL;
    ref_plan *r = calloc(1, sizeof *r);
    int *uses = calloc((size_t)g->n_values + 1, sizeof(int));
    if (r) r->last_use = calloc((size_t)g->n_values + 1, sizeof(int));
    if (!r || !uses || !r->last_use) {
        free(uses);
        ref_release(r);
        zoo_error_set(err, ZOO_ERR_RUNTIME, "cpu-ref backend: out of memory preparing '%s'",
                      g->model_name ? g->model_name : "?");
        return NULL;
    }
    r->g = g;
    r->max_batch = opts && opts->max_batch > 0 ? opts->max_batch : 1;
    cpu_value_uses(g, uses, r->last_use);
    /* peak of live bytes under the allocate-at-producer / free-after-last-use schedule */
    size_t live = 0, peak = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        live += (size_t)zoo_shape_numel(g->values[g->nodes[i].output].shape);
        if (live > peak) peak = live;
        for (int v = 0; v < g->n_values; v++)
            if (r->last_use[v] == i && g->values[v].producer <= i)
                live -= (size_t)zoo_shape_numel(g->values[v].shape);
    }
    r->peak_bytes = peak * sizeof(float) * (size_t)r->max_batch;
    free(uses);
    return r;
}

static int ref_run(void *p, const float *input, int batch, float *output, zoo_error *err) {
    ref_plan *r = p;
    const zoo_graph *g = r->g;
    if (batch < 1 || batch > r->max_batch)
        return zoo_error_set(err, ZOO_ERR_INPUT, "cpu-ref backend: batch %d outside 1..%d", batch,
                             r->max_batch);
    float **buf = calloc((size_t)g->n_values, sizeof(float *));
    const float **ins = NULL;
    int max_in = 1;
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].n_inputs > max_in) max_in = g->nodes[i].n_inputs;
    if (buf) ins = calloc((size_t)max_in, sizeof(float *));
    int rc = 0;
    if (!buf || !ins) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "cpu-ref backend: out of memory");
        goto done;
    }
    for (int i = 0; i < g->n_nodes && !rc; i++) {
        const zoo_node *nd = &g->nodes[i];
        size_t n = (size_t)batch * zoo_shape_numel(g->values[nd->output].shape);
        float *out = malloc(n * sizeof(float));
        if (!out) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME,
                               "cpu-ref backend: out of memory for node '%s' (%zu bytes)",
                               nd->name ? nd->name : "?", n * sizeof(float));
            break;
        }
        buf[nd->output] = out;
        if (nd->op == ZOO_OP_INPUT) {
            memcpy(out, input, n * sizeof(float));
        } else {
            for (int k = 0; k < nd->n_inputs; k++) ins[k] = buf[nd->inputs[k]];
            if (cpu_ref_node(g, i, ins, out, batch))
                rc = zoo_error_set(err, ZOO_ERR_RUNTIME,
                                   "cpu-ref backend: out of memory running node '%s'",
                                   nd->name ? nd->name : "?");
        }
        for (int k = 0; k <= nd->n_inputs; k++) { /* inputs read for the last time, and an
                                                     output nobody reads */
            zoo_value v = k < nd->n_inputs ? nd->inputs[k] : nd->output;
            if (r->last_use[v] == i && buf[v]) {
                free(buf[v]);
                buf[v] = NULL;
            }
        }
    }
    if (!rc)
        memcpy(output, buf[g->output],
               (size_t)batch * zoo_shape_numel(g->values[g->output].shape) * sizeof(float));
done:
    if (buf)
        for (int v = 0; v < g->n_values; v++) free(buf[v]);
    free(buf);
    free(ins);
    return rc;
}

static size_t ref_activation_bytes(const void *p) {
    return p ? ((const ref_plan *)p)->peak_bytes : 0;
}

const zoo_backend_impl zoo_backend_cpu_ref = {
    .name = "cpu-ref",
    .prepare = ref_prepare,
    .run = ref_run,
    .activation_bytes = ref_activation_bytes,
    .release = ref_release,
};
