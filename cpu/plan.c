/* cpu/plan.c - compiles a graph into the fast CPU backend's plan (see
 * plan.h): fusion into steps, weight folding and packing, views, in-place
 * concat placement, liveness and arena offsets, per-thread scratch. */
#include "cpu/plan.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/kern.h"

#define ARENA_ALIGN 16 /* floats (64 bytes) */

typedef struct build {
    const zoo_graph *g;
    cpu_plan *p;
    int *n_uses, *last_use;
    bool *claimed;
    zoo_error *err;
} build;

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

static const float *pdata(const zoo_graph *g, const zoo_node *nd, int k) {
    return nd->params[k] >= 0 ? g->params[nd->params[k]].data : NULL;
}

/* the node that is the only reader of v (v not the graph output), or -1 */
static int sole_consumer(const build *b, zoo_value v) {
    if (b->n_uses[v] != 1 || v == b->g->output) return -1;
    int j = b->last_use[v];
    return j >= 0 && j < b->g->n_nodes && !b->claimed[j] ? j : -1;
}

static int oom(build *b, const char *what) {
    return zoo_error_set(b->err, ZOO_ERR_RUNTIME, "cpu backend: out of memory (%s) for '%s'", what,
                         b->g->model_name ? b->g->model_name : "?");
}

/* ---- steps ------------------------------------------------------------- */

/* per-channel BN as y = x * s + t, in double */
static void bn_affine(const zoo_graph *g, const zoo_node *bn, int c, double *s, double *t) {
    const float *ga = pdata(g, bn, 0), *be = pdata(g, bn, 1), *mu = pdata(g, bn, 2),
                *va = pdata(g, bn, 3);
    double inv = 1.0 / sqrt((double)va[c] + (double)bn->attr.bn.eps);
    *s = ga[c] * inv;
    *t = be[c] - mu[c] * *s;
}

static void try_fuse_act(build *b, cpu_step *st) {
    int j = sole_consumer(b, st->out);
    if (j >= 0 && b->g->nodes[j].op == ZOO_OP_ACT) {
        b->claimed[j] = true;
        st->act = b->g->nodes[j].attr.act;
        st->out = b->g->nodes[j].output;
        st->anchor = j;
    }
}

static int conv_weights(build *b, cpu_step *st, const zoo_node *nd, const zoo_node *bn) {
    const zoo_graph *g = b->g;
    const cpu_conv_geom *q = &st->q;
    const float *w = pdata(g, nd, 0), *bias = pdata(g, nd, 1);
    int taps = q->kh * q->kw;
    size_t kdim = (size_t)q->cin_g * taps; /* one output channel's weights */
    double *s = malloc(sizeof(double) * (size_t)q->cout * 2);
    if (!s) return oom(b, "conv weights");
    double *t = s + q->cout;
    for (int c = 0; c < q->cout; c++) {
        if (bn)
            bn_affine(g, bn, c, &s[c], &t[c]);
        else
            s[c] = 1.0, t[c] = 0.0;
        /* conv bias goes through the BN too: (b - mean) * s + beta = b * s + t */
        t[c] += (bias ? bias[c] : 0.0) * s[c];
    }
    int rc = 0;
    if (st->kind == CPU_STEP_DW_CONV) {
        st->w = malloc(sizeof(float) * (size_t)q->cout * kdim);
        st->bias = malloc(sizeof(float) * (size_t)q->cout);
        if (!st->w || !st->bias) {
            rc = oom(b, "conv weights");
        } else {
            for (int c = 0; c < q->cout; c++) {
                for (size_t k = 0; k < kdim; k++)
                    st->w[c * kdim + k] = (float)(w[c * kdim + k] * s[c]);
                st->bias[c] = (float)t[c];
            }
        }
    } else {
        const cpu_kern *kn = b->p->k;
        size_t mpad = round_up((size_t)q->cout_g, (size_t)kn->mr);
        st->w_group = mpad * kdim;
        st->w = aligned_alloc(64, round_up(sizeof(float) * st->w_group * q->groups, 64));
        st->bias = calloc(mpad * q->groups, sizeof(float));
        float *tmp = malloc(sizeof(float) * (size_t)q->cout_g * kdim);
        if (!st->w || !st->bias || !tmp) {
            rc = oom(b, "conv weights");
        } else {
            for (int grp = 0; grp < q->groups; grp++) {
                for (int m = 0; m < q->cout_g; m++) {
                    int c = grp * q->cout_g + m;
                    for (size_t k = 0; k < kdim; k++)
                        tmp[m * kdim + k] = (float)(w[c * kdim + k] * s[c]);
                    st->bias[grp * mpad + m] = (float)t[c];
                }
                kn->gemm_pack_a(tmp, q->cout_g, (int)kdim, st->w + grp * st->w_group);
            }
        }
        free(tmp);
    }
    free(s);
    return rc;
}

static int step_conv(build *b, cpu_step *st, int i) {
    const zoo_graph *g = b->g;
    const zoo_node *nd = &g->nodes[i];
    cpu_conv_geom_of(g, nd, &st->q);
    st->kind = st->q.cin_g == 1 ? CPU_STEP_DW_CONV : CPU_STEP_GEMM_CONV;
    const zoo_node *bn = NULL;
    int j = sole_consumer(b, st->out);
    if (j >= 0 && g->nodes[j].op == ZOO_OP_BATCHNORM) {
        bn = &g->nodes[j];
        b->claimed[j] = true;
        st->out = bn->output;
        st->anchor = j;
        st->fused_bn = true;
    }
    if (st->kind == CPU_STEP_GEMM_CONV) {
        j = sole_consumer(b, st->out);
        if (j >= 0 && g->nodes[j].op == ZOO_OP_ADD) {
            const zoo_node *add = &g->nodes[j];
            zoo_value other = add->inputs[0] == st->out ? add->inputs[1] : add->inputs[0];
            zoo_shape so = g->values[other].shape, sc = g->values[st->out].shape;
            if (add->inputs[0] != add->inputs[1] && so.c == sc.c && so.h == sc.h && so.w == sc.w) {
                b->claimed[j] = true;
                st->res = other;
                st->out = add->output;
                st->anchor = j;
            }
        }
    }
    try_fuse_act(b, st);
    return conv_weights(b, st, nd, bn);
}

static int step_affine(build *b, cpu_step *st, const zoo_node *nd) {
    int c = b->g->values[nd->output].shape.c;
    st->kind = CPU_STEP_AFFINE;
    st->scale = malloc(sizeof(float) * (size_t)c);
    st->bias = malloc(sizeof(float) * (size_t)c);
    if (!st->scale || !st->bias) return oom(b, "affine");
    for (int k = 0; k < c; k++) {
        double s = nd->attr.scale.scale, t = nd->attr.scale.bias;
        if (nd->op == ZOO_OP_BATCHNORM) bn_affine(b->g, nd, k, &s, &t);
        st->scale[k] = (float)s;
        st->bias[k] = (float)t;
    }
    try_fuse_act(b, st);
    return 0;
}

/* creates the step headed by node i (or a view / nothing); claims what it fuses */
static int make_step(build *b, int i, cpu_step *st, bool *is_step) {
    const zoo_graph *g = b->g;
    const zoo_node *nd = &g->nodes[i];
    cpu_plan *p = b->p;
    memset(st, 0, sizeof *st);
    st->nd = nd;
    st->anchor = i;
    st->out = nd->output;
    st->in[0] = nd->n_inputs > 0 ? nd->inputs[0] : -1;
    st->in[1] = nd->n_inputs > 1 ? nd->inputs[1] : -1;
    st->res = -1;
    b->claimed[i] = true;
    *is_step = true;
    switch (nd->op) {
    case ZOO_OP_INPUT: *is_step = false; return 0;
    case ZOO_OP_RESHAPE:
        p->vals[nd->output].parent = nd->inputs[0];
        *is_step = false;
        return 0;
    case ZOO_OP_SLICE:
        if (nd->attr.slice.axis == 1) {
            zoo_shape s = g->values[nd->inputs[0]].shape;
            p->vals[nd->output].parent = nd->inputs[0];
            p->vals[nd->output].off_in_parent = (size_t)nd->attr.slice.start * s.h * s.w;
            *is_step = false;
            return 0;
        }
        st->kind = CPU_STEP_SLICE;
        return 0;
    case ZOO_OP_CONV2D: return step_conv(b, st, i);
    case ZOO_OP_BATCHNORM:
    case ZOO_OP_SCALE: return step_affine(b, st, nd);
    case ZOO_OP_LINEAR:
        st->kind = CPU_STEP_LINEAR;
        try_fuse_act(b, st);
        return 0;
    case ZOO_OP_ACT:
        st->kind = CPU_STEP_ACT;
        st->act = nd->attr.act;
        return 0;
    case ZOO_OP_POOL2D:
        st->kind = CPU_STEP_POOL;
        cpu_pool_geom_of(g, nd, &st->p);
        return 0;
    case ZOO_OP_CONCAT:
        st->kind = CPU_STEP_CONCAT;
        st->inplace = calloc((size_t)nd->n_inputs, sizeof(bool));
        return st->inplace ? 0 : oom(b, "concat");
    case ZOO_OP_ADD:
    case ZOO_OP_MUL:
        st->kind = CPU_STEP_BINARY;
        try_fuse_act(b, st);
        return 0;
    case ZOO_OP_CHANNEL_SHUFFLE: st->kind = CPU_STEP_SHUFFLE; return 0;
    case ZOO_OP_SOFTMAX: st->kind = CPU_STEP_SOFTMAX; return 0;
    default:
        return zoo_error_set(b->err, ZOO_ERR_INPUT, "cpu backend: node '%s': op %s not supported",
                             nd->name ? nd->name : "?", zoo_op_name(nd->op));
    }
}

static int cmp_anchor(const void *a, const void *b) {
    return ((const cpu_step *)a)->anchor - ((const cpu_step *)b)->anchor;
}

/* ---- memory ------------------------------------------------------------ */

static void place_concats(cpu_plan *p) {
    const zoo_graph *g = p->g;
    for (int s = 0; s < p->n_steps; s++) {
        cpu_step *st = &p->steps[s];
        if (st->kind != CPU_STEP_CONCAT || st->nd->attr.concat.axis != 1) continue;
        const zoo_node *nd = st->nd;
        zoo_shape os = g->values[nd->output].shape;
        size_t plane = (size_t)os.h * os.w, off = 0;
        for (int k = 0; k < nd->n_inputs; k++) {
            zoo_value v = nd->inputs[k];
            bool ok = p->vals[v].parent < 0 && p->vals[v].stored && v != g->output &&
                      v != nd->output;
            for (int k2 = 0; k2 < k && ok; k2++)
                if (nd->inputs[k2] == v) ok = false;
            if (ok) {
                p->vals[v].parent = nd->output;
                p->vals[v].off_in_parent = off;
                st->inplace[k] = true;
            }
            off += (size_t)g->values[v].shape.c * plane;
        }
    }
}

/* In-place elementwise steps: an act / affine / add / mul step writes its
 * output over an input of the same shape that dies at this step (read by
 * nothing else, no view of it, not placed in a concat, not the graph output)
 * when the output itself was not placed in a concat. The kernels read and
 * write element i at the same index, so aliasing is safe. Runs after
 * place_concats, which keeps its priority. */
static void place_inplace(build *b) {
    cpu_plan *p = b->p;
    const zoo_graph *g = p->g;
    int nv = g->n_values;
    for (int s = 0; s < p->n_steps; s++) {
        cpu_step *st = &p->steps[s];
        if (st->kind != CPU_STEP_ACT && st->kind != CPU_STEP_AFFINE && st->kind != CPU_STEP_BINARY)
            continue;
        zoo_value out = st->out;
        if (p->vals[out].parent >= 0) continue;
        zoo_shape os = g->values[out].shape;
        for (int k = 0; k < 2 && !st->inplace_out; k++) {
            zoo_value v = st->in[k];
            if (v < 0 || v == g->output || b->n_uses[v] != 1 || p->vals[v].parent >= 0 ||
                !p->vals[v].stored)
                continue;
            zoo_shape vs = g->values[v].shape;
            if (vs.c != os.c || vs.h != os.h || vs.w != os.w) continue;
            bool viewed = false;
            for (int u = 0; u < nv && !viewed; u++) viewed = p->vals[u].parent == v;
            if (viewed) continue;
            p->vals[out].parent = v;
            p->vals[out].off_in_parent = 0;
            st->inplace_out = true;
        }
    }
}

typedef struct buf {
    int root;
    size_t size; /* floats */
    int first, last;
    size_t off;
} buf;

static int cmp_buf(const void *a, const void *b) {
    const buf *x = a, *y = b;
    if (x->size != y->size) return x->size < y->size ? 1 : -1;
    return x->first - y->first;
}

static int cmp_off(const void *a, const void *b) {
    const buf *x = *(const buf *const *)a, *y = *(const buf *const *)b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int plan_memory(build *b) {
    cpu_plan *p = b->p;
    const zoo_graph *g = b->g;
    int nv = g->n_values;
    int *root = malloc(sizeof(int) * (size_t)nv);
    int *first = malloc(sizeof(int) * (size_t)nv), *last = malloc(sizeof(int) * (size_t)nv);
    buf *bufs = malloc(sizeof(buf) * (size_t)nv);
    buf **live = malloc(sizeof(buf *) * (size_t)nv);
    int rc = 0;
    if (!root || !first || !last || !bufs || !live) {
        rc = oom(b, "memory plan");
        goto done;
    }
    /* roots and offsets inside them */
    for (int v = 0; v < nv; v++) {
        size_t off = 0;
        int r = v;
        while (p->vals[r].parent >= 0) {
            off += p->vals[r].off_in_parent;
            r = p->vals[r].parent;
        }
        root[v] = r;
        p->vals[v].off = off; /* relative to the root for now */
        p->vals[v].bs = (size_t)zoo_shape_numel(p->vals[r].s);
        first[v] = INT_MAX;
        last[v] = -1;
    }
    /* live intervals per root, in step indices */
    first[root[g->input]] = -1;
    for (int s = 0; s < p->n_steps; s++) {
        const cpu_step *st = &p->steps[s];
        int r = root[st->out];
        if (s < first[r]) first[r] = s;
        if (s > last[r]) last[r] = s;
        zoo_value ins[3] = {st->in[0], st->in[1], st->res};
        int n_in = st->kind == CPU_STEP_CONCAT ? st->nd->n_inputs : 3;
        for (int k = 0; k < n_in; k++) {
            zoo_value v = st->kind == CPU_STEP_CONCAT ? st->nd->inputs[k] : ins[k];
            if (v >= 0 && s > last[root[v]]) last[root[v]] = s;
        }
    }
    last[root[g->output]] = p->n_steps;
    if (last[root[g->input]] < 0) last[root[g->input]] = 0;
    int nb = 0;
    p->values_floats = 0;
    for (int v = 0; v < nv; v++) {
        if (!p->vals[v].stored) continue;
        const zoo_node *pn = &g->nodes[g->values[v].producer];
        bool view = pn->op == ZOO_OP_RESHAPE || (pn->op == ZOO_OP_SLICE && pn->attr.slice.axis == 1);
        if (!view) /* what one buffer per value would take */
            p->values_floats += (size_t)zoo_shape_numel(p->vals[v].s) * p->max_batch;
        if (root[v] != v) continue;
        if (first[v] == INT_MAX) first[v] = last[v] < 0 ? 0 : last[v];
        if (last[v] < first[v]) last[v] = first[v];
        bufs[nb].root = v;
        bufs[nb].size = round_up((size_t)zoo_shape_numel(p->vals[v].s) * p->max_batch, ARENA_ALIGN);
        bufs[nb].first = first[v];
        bufs[nb].last = last[v];
        nb++;
    }
    /* greedy by size: each buffer at the lowest offset free during its whole interval */
    qsort(bufs, (size_t)nb, sizeof(buf), cmp_buf);
    size_t total = 0;
    for (int i = 0; i < nb; i++) {
        int nl = 0;
        for (int k = 0; k < i; k++)
            if (bufs[k].first <= bufs[i].last && bufs[i].first <= bufs[k].last) live[nl++] = &bufs[k];
        qsort(live, (size_t)nl, sizeof(buf *), cmp_off);
        size_t off = 0;
        for (int k = 0; k < nl; k++) {
            if (off + bufs[i].size <= live[k]->off) break;
            if (live[k]->off + live[k]->size > off) off = live[k]->off + live[k]->size;
        }
        bufs[i].off = off;
        if (off + bufs[i].size > total) total = off + bufs[i].size;
    }
    for (int i = 0; i < nb; i++) first[bufs[i].root] = i; /* reuse: root -> buf index */
    for (int v = 0; v < nv; v++)
        if (p->vals[v].stored) p->vals[v].off += bufs[first[root[v]]].off;
    p->arena_floats = total;
    p->arena = aligned_alloc(64, round_up((total ? total : 1) * sizeof(float), 64));
    if (p->arena) /* NaN-fill: a step reading what nobody wrote shows up in tests */
        for (size_t i = 0; i < total; i++) p->arena[i] = NAN;
    if (!p->arena)
        rc = zoo_error_set(b->err, ZOO_ERR_RUNTIME,
                           "cpu backend: out of memory allocating %zu bytes of activations for '%s'",
                           total * sizeof(float), g->model_name ? g->model_name : "?");
done:
    free(root);
    free(first);
    free(last);
    free(bufs);
    free(live);
    return rc;
}

/* ---- build ------------------------------------------------------------- */

void cpu_plan_free(cpu_plan *p) {
    if (!p) return;
    for (int s = 0; s < p->n_steps; s++) {
        free(p->steps[s].w);
        free(p->steps[s].bias);
        free(p->steps[s].scale);
        free(p->steps[s].inplace);
    }
    free(p->steps);
    free(p->vals);
    free(p->arena);
    if (p->scratch)
        for (int t = 0; t < p->threads; t++) free(p->scratch[t]);
    free(p->scratch);
    cpu_pool_free(p->pool);
    free(p);
}

static int build_steps(build *b) {
    const zoo_graph *g = b->g;
    cpu_plan *p = b->p;
    for (int i = 0; i < g->n_nodes; i++) {
        if (b->claimed[i]) continue;
        bool is_step;
        cpu_step *st = &p->steps[p->n_steps];
        int rc = make_step(b, i, st, &is_step);
        if (is_step) p->n_steps++; /* counted even on failure so cpu_plan_free frees it */
        if (rc) return rc;
    }
    qsort(p->steps, (size_t)p->n_steps, sizeof(cpu_step), cmp_anchor);
    /* which values hold data */
    p->vals[g->input].stored = true;
    for (int s = 0; s < p->n_steps; s++) p->vals[p->steps[s].out].stored = true;
    for (int v = 0; v < g->n_values; v++) /* views, in topological order */
        if (p->vals[v].parent >= 0) p->vals[v].stored = p->vals[p->vals[v].parent].stored;
    return 0;
}

static int alloc_scratch(build *b) {
    cpu_plan *p = b->p;
    size_t need = 16;
    for (int s = 0; s < p->n_steps; s++) {
        const cpu_step *st = &p->steps[s];
        size_t n = 0;
        if (st->kind == CPU_STEP_GEMM_CONV) n = CPU_GEMM_BPACK_FLOATS;
        if (st->kind == CPU_STEP_DW_CONV) n = p->k->dw_scratch_floats(&st->q);
        if (n > need) need = n;
    }
    p->scratch_floats = need;
    p->scratch = calloc((size_t)p->threads, sizeof(float *));
    if (!p->scratch) return oom(b, "scratch");
    for (int t = 0; t < p->threads; t++) {
        p->scratch[t] = aligned_alloc(64, round_up(need * sizeof(float), 64));
        if (!p->scratch[t]) return oom(b, "scratch");
    }
    return 0;
}

cpu_plan *cpu_plan_build(const zoo_graph *g, int max_batch, int threads, zoo_error *err) {
    if (cpu_check_graph(g, "cpu", err)) return NULL;
    build b = {.g = g, .err = err};
    cpu_plan *p = calloc(1, sizeof *p);
    b.p = p;
    b.n_uses = calloc((size_t)g->n_values, sizeof(int));
    b.last_use = calloc((size_t)g->n_values, sizeof(int));
    b.claimed = calloc((size_t)g->n_nodes, sizeof(bool));
    int rc = 0;
    if (!p || !b.n_uses || !b.last_use || !b.claimed) {
        rc = oom(&b, "plan");
        goto done;
    }
    p->g = g;
    p->k = cpu_kern_select(err);
    if (!p->k) {
        rc = ZOO_ERR_INPUT;
        goto done;
    }
    p->max_batch = max_batch > 0 ? max_batch : 1;
    p->threads = threads > 0 ? threads : cpu_online_cores();
    if (p->threads > 256) p->threads = 256;
    p->vals = calloc((size_t)g->n_values, sizeof(cpu_val));
    p->steps = calloc((size_t)g->n_nodes, sizeof(cpu_step));
    if (!p->vals || !p->steps) {
        rc = oom(&b, "plan");
        goto done;
    }
    for (int v = 0; v < g->n_values; v++) {
        p->vals[v].s = g->values[v].shape;
        p->vals[v].parent = -1;
    }
    cpu_value_uses(g, b.n_uses, b.last_use);
    rc = build_steps(&b);
    if (!rc) {
        place_concats(p);
        place_inplace(&b);
        rc = plan_memory(&b);
    }
    if (!rc) rc = alloc_scratch(&b);
    if (!rc) {
        p->pool = cpu_pool_new(p->threads);
        if (!p->pool)
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "cpu backend: cannot start %d threads",
                               p->threads);
    }
done:
    free(b.n_uses);
    free(b.last_use);
    free(b.claimed);
    if (rc) {
        cpu_plan_free(p);
        return NULL;
    }
    return p;
}

void cpu_plan_get_stats(const cpu_plan *p, cpu_plan_stats *o) {
    memset(o, 0, sizeof *o);
    o->steps = p->n_steps;
    for (int s = 0; s < p->n_steps; s++) {
        const cpu_step *st = &p->steps[s];
        o->gemm_convs += st->kind == CPU_STEP_GEMM_CONV;
        o->dw_convs += st->kind == CPU_STEP_DW_CONV;
        o->folded_bn += st->fused_bn;
        o->fused_residual += st->res >= 0;
        o->fused_act += st->kind != CPU_STEP_ACT && st->act.kind != ZOO_ACT_NONE;
        o->inplace_steps += st->inplace_out;
        if (st->kind == CPU_STEP_CONCAT)
            for (int k = 0; k < st->nd->n_inputs; k++) {
                o->concat_inplace += st->inplace[k];
                o->concat_copied += !st->inplace[k];
            }
    }
    for (int i = 0; i < p->g->n_nodes; i++) {
        const zoo_node *nd = &p->g->nodes[i];
        o->views += nd->op == ZOO_OP_RESHAPE || (nd->op == ZOO_OP_SLICE && nd->attr.slice.axis == 1);
    }
    o->arena_bytes = p->arena_floats * sizeof(float);
    o->values_bytes = p->values_floats * sizeof(float);
}
