/* cpu/geom.h - op geometry and graph validation shared by both CPU backends.
 *
 * cpu_check_graph() validates a finalized, bound graph for execution: every op
 * is known, has the right number of inputs, its parameters are bound with the
 * element counts the op implies, and every output shape equals what the op's
 * semantics give (conv / pool output sizes, broadcast, concat, ...). Both
 * backends call it in prepare(), so the kernels can trust the shapes.
 *
 * The conv / pool geometry structs hold the normalized attributes (0 read as 1
 * for stride, dilation, groups), so kernels never re-derive them.
 */
#ifndef ZOO_CPU_GEOM_H
#define ZOO_CPU_GEOM_H

#include "core/graph_impl.h"

typedef struct cpu_conv_geom {
    int cin, h, w;        /* input plane */
    int cout, oh, ow;     /* output plane */
    int kh, kw, sh, sw, dh, dw;
    int pt, pb, pl, pr;
    int groups, cin_g, cout_g;
} cpu_conv_geom;

typedef struct cpu_pool_geom {
    int c, h, w, oh, ow;
    int kh, kw, sh, sw, pt, pl;
    bool max;       /* else avg */
    bool exclusive; /* avg: divide by valid count (always true for adaptive / global) */
    bool adaptive;  /* bins of Paddle's adaptive pooling (global = adaptive 1x1) */
} cpu_pool_geom;

/* Normalized geometry of a conv / pool node (no validation beyond sizes > 0). */
void cpu_conv_geom_of(const zoo_graph *g, const zoo_node *nd, cpu_conv_geom *out);
void cpu_pool_geom_of(const zoo_graph *g, const zoo_node *nd, cpu_pool_geom *out);

/* Window [*start, *end) along one axis for output index o (clipped to the
 * input; may be empty in Paddle ceil mode). axis 0 = H, 1 = W. */
static inline void cpu_pool_window(const cpu_pool_geom *p, int axis, int o, int *start, int *end) {
    int in = axis ? p->w : p->h, out = axis ? p->ow : p->oh;
    if (p->adaptive) {
        *start = (int)(((int64_t)o * in) / out);
        *end = (int)(((int64_t)(o + 1) * in + out - 1) / out);
        return;
    }
    int k = axis ? p->kw : p->kh, s = axis ? p->sw : p->sh, pad = axis ? p->pl : p->pt;
    int st = o * s - pad, en = st + k;
    if (en > in) en = in;
    if (st < 0) st = 0;
    *start = st;
    *end = en < st ? st : en;
}

/* Validates the graph for the CPU backends (see above). 0 or ZOO_ERR_INPUT
 * with a message naming `backend`, the node and the problem. */
int cpu_check_graph(const zoo_graph *g, const char *backend, zoo_error *err);

/* Consumers: for every value, how many node inputs read it (+1 for the graph
 * output) and the index of the last node reading it (n_nodes for the output).
 * Arrays of g->n_values, caller-allocated. */
void cpu_value_uses(const zoo_graph *g, int *n_uses, int *last_use);

#endif
