/* core/random_weights.c - see random_weights.h. The buffers live until the
 * graph is freed: they are attached as the params' owned memory by binding
 * through zoo_graph_bind_arrays() and then handed over. */
#include "core/random_weights.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph_impl.h"

static uint64_t next(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static float uniform(uint64_t *s, float lo, float hi) {
    return lo + (hi - lo) * (float)(next(s) >> 40) / (float)(1u << 24);
}

int zoo_graph_bind_random(zoo_graph *g, uint64_t seed, zoo_error *err) {
    if (!g) return zoo_error_set(err, ZOO_ERR_RUNTIME, "no graph");
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
    float **bufs = calloc((size_t)g->n_params + 1, sizeof(float *));
    if (!bufs) return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    int rc = ZOO_OK;
    /* role of each param from the node that uses it */
    for (int i = 0; i < g->n_nodes && rc == ZOO_OK; i++) {
        const zoo_node *nd = &g->nodes[i];
        for (int k = 0; k < ZOO_NODE_MAX_PARAMS; k++) {
            int p = nd->params[k];
            if (p < 0 || bufs[p]) continue;
            const zoo_param *pr = &g->params[p];
            float *b = malloc(sizeof(float) * (size_t)(pr->numel ? pr->numel : 1));
            if (!b) {
                rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
                break;
            }
            bufs[p] = b;
            float lo = -0.05f, hi = 0.05f;
            if (nd->op == ZOO_OP_CONV2D && k == 0) {
                double fan_in = (double)pr->dims[1] * pr->dims[2] * pr->dims[3];
                float a = (float)sqrt(6.0 / fan_in);
                lo = -a;
                hi = a;
            } else if (nd->op == ZOO_OP_LINEAR && k == 0) {
                float a = (float)sqrt(3.0 / (double)pr->dims[0]);
                lo = -a;
                hi = a;
            } else if (nd->op == ZOO_OP_BATCHNORM) {
                if (k == 0) { lo = 0.6f; hi = 1.0f; }       /* scale */
                else if (k == 1) { lo = -0.1f; hi = 0.1f; } /* bias */
                else if (k == 2) { lo = -0.1f; hi = 0.1f; } /* mean */
                else { lo = 0.8f; hi = 1.5f; }              /* variance */
            }
            for (int64_t j = 0; j < pr->numel; j++) b[j] = uniform(&s, lo, hi);
        }
    }
    if (rc == ZOO_OK) {
        for (int p = 0; p < g->n_params && rc == ZOO_OK; p++)
            if (!bufs[p]) rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "param %s has no user",
                                             g->params[p].name);
    }
    if (rc == ZOO_OK) rc = zoo_graph_bind_arrays(g, (const float *const *)bufs, err);
    if (rc == ZOO_OK) {
        /* hand the buffers to the graph so they live as long as it does */
        for (int p = 0; p < g->n_params; p++) {
            if (g->params[p].owned == NULL && g->params[p].data == bufs[p]) {
                g->params[p].owned = bufs[p];
                bufs[p] = NULL;
            }
        }
    }
    for (int p = 0; p < g->n_params; p++) free(bufs[p]);
    free(bufs);
    return rc;
}
