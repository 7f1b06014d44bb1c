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

/* Window [*start, *end) along one axis for output index o, clipped to the
 * input (may be empty in Paddle ceil mode: then *end = *start). axis 0 = H,
 * 1 = W. Paddle's rule: start = o*s - pad_begin, end = min(start + k,
 * in + pad_begin), then both clipped to [0, in]. */
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

/* The divisor of average pooling for one output, exactly as Paddle's CPU
 * kernel computes it: exclusive (and adaptive): the product of the window's
 * extents clipped to the input; inclusive: of the extents before clipping,
 * each end limited to in + pad_begin (= kh * kw except where a window passes
 * the end of the padded input: ceil mode, or more padding at the end than at
 * the start). Extents are not clamped at 0, so for a window wholly in the
 * padding the average 0 / divisor is NaN, -0 or 0 as in Paddle (checked with
 * Paddle 3.3.1 on random cases; docs/cpu.md). */
static inline double cpu_pool_divisor(const cpu_pool_geom *p, int oy, int ox) {
    int ext[2];
    for (int axis = 0; axis < 2; axis++) {
        int in = axis ? p->w : p->h, o = axis ? ox : oy, out = axis ? p->ow : p->oh;
        if (p->adaptive) {
            ext[axis] = (int)(((int64_t)(o + 1) * in + out - 1) / out) - (int)(((int64_t)o * in) / out);
            continue;
        }
        int k = axis ? p->kw : p->kh, s = axis ? p->sw : p->sh, pad = axis ? p->pl : p->pt;
        int st = o * s - pad, en = st + k < in + pad ? st + k : in + pad;
        if (p->exclusive) {
            en = en < in ? en : in;
            st = st > 0 ? st : 0;
        }
        ext[axis] = en - st;
    }
    return (double)ext[0] * ext[1];
}

/* The result of max pooling over an empty window (Paddle: -FLT_MAX). */
#define CPU_POOL_EMPTY_MAX (-3.40282347e+38f)

/* Validates the graph for the CPU backends (see above). 0 or ZOO_ERR_INPUT
 * with a message naming `backend`, the node and the problem. */
int cpu_check_graph(const zoo_graph *g, const char *backend, zoo_error *err);

/* Consumers: for every value, how many node inputs read it (+1 for the graph
 * output) and the index of the last node reading it (n_nodes for the output).
 * Arrays of g->n_values, caller-allocated. */
void cpu_value_uses(const zoo_graph *g, int *n_uses, int *last_use);

#endif
