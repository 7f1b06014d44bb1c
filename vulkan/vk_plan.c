/* vulkan/vk_plan.c - compiles a graph into the Vulkan backend's host plan
 * (see vk_plan.h): steps with their specialization constants and parameters,
 * fusion, views, in-place concat, liveness-planned arena offsets, barrier
 * placement. No Vulkan call happens here. */
#include "vulkan/vk_plan.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/geom.h"

#define ARENA_ALIGN 64 /* elements */

static const char *const kernel_names[ZVK_KERNEL__COUNT] = {
    [ZVK_CONVERT_IN] = "convert_in", [ZVK_CONVERT_OUT] = "convert_out",
    [ZVK_CONV_GEMM] = "conv_gemm",   [ZVK_CONV_DW] = "conv_dw",
    [ZVK_AFFINE] = "affine",         [ZVK_POOL] = "pool",
    [ZVK_POOL_GLOBAL] = "pool_global", [ZVK_BINARY] = "binary",
    [ZVK_COPY] = "copy",             [ZVK_SHUFFLE] = "shuffle",
    [ZVK_SOFTMAX] = "softmax",       [ZVK_LINEAR] = "linear",
    [ZVK_CONV_REG] = "conv_reg",
};

const char *zvk_kernel_name(zvk_kernel k) {
    return k >= 0 && k < ZVK_KERNEL__COUNT ? kernel_names[k] : "?";
}

#define B(id) (1u << (id))
/* the specialization constants of each kernel read through PSC() in the shader:
 * left out of the pipeline key unless ZOO_VK_SPECIALIZE=full */
static const uint32_t size_ids[ZVK_KERNEL__COUNT] = {
    [ZVK_CONVERT_IN] = B(3),
    [ZVK_CONVERT_OUT] = B(3),
    /* convs: sizes, strides, dilations, paddings (kernel size, 1x1 / aligned and
     * residual flags stay compiled in); conv_dw keeps SW, DW (its row window) */
    [ZVK_CONV_GEMM] = B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(11) | B(12) | B(13) | B(14) |
                      B(15) | B(16) | B(17) | B(18) | B(19),
    [ZVK_CONV_REG] = B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(11) | B(12) | B(13) | B(14) |
                     B(15) | B(16) | B(17) | B(18) | B(19),
    [ZVK_CONV_DW] = B(3) | B(4) | B(5) | B(6) | B(7) | B(10) | B(12) | B(14) | B(15) | B(16),
    [ZVK_AFFINE] = B(3) | B(4),
    [ZVK_POOL] = B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) | B(10) | B(11) | B(12),
    [ZVK_POOL_GLOBAL] = B(3) | B(5),
    [ZVK_BINARY] = B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) | B(10) | B(11),
    [ZVK_COPY] = B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) | B(10),
    [ZVK_SHUFFLE] = B(3) | B(4) | B(5),
    [ZVK_SOFTMAX] = B(3) | B(4) | B(5),
    [ZVK_LINEAR] = B(3) | B(4),
};
#undef B

uint32_t zvk_kernel_size_ids(zvk_kernel k) {
    return k >= 0 && k < ZVK_KERNEL__COUNT ? size_ids[k] : 0;
}

typedef struct build {
    const zoo_graph *g;
    zvk_plan_host *p;
    int *n_uses, *last_use;
    bool *claimed;
    bool reg_conv;
    int cap_steps;
    int seq;
    zoo_error *err;
} build;

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }
static uint32_t cdiv(int64_t a, int64_t b) { return (uint32_t)((a + b - 1) / b); }

static const float *pdata(const zoo_graph *g, const zoo_node *nd, int k) {
    return nd->params[k] >= 0 ? g->params[nd->params[k]].data : NULL;
}

static int oom(build *b, const char *what) {
    return zoo_error_set(b->err, ZOO_ERR_RUNTIME, "vulkan backend: out of memory (%s) for '%s'",
                         what, b->g->model_name ? b->g->model_name : "?");
}

/* the node that is the only reader of v (v not the graph output), or -1 */
static int sole_consumer(const build *b, zoo_value v) {
    if (b->n_uses[v] != 1 || v == b->g->output) return -1;
    int j = b->last_use[v];
    return j >= 0 && j < b->g->n_nodes && !b->claimed[j] ? j : -1;
}

static zvk_step *new_step(build *b, zvk_kernel k, const zoo_node *nd, int anchor) {
    zvk_plan_host *p = b->p;
    if (p->n_steps == b->cap_steps) {
        int cap = b->cap_steps ? b->cap_steps * 2 : 64;
        zvk_step *ns = realloc(p->steps, sizeof *ns * (size_t)cap);
        if (!ns) return NULL;
        p->steps = ns;
        b->cap_steps = cap;
    }
    zvk_step *st = &p->steps[p->n_steps++];
    memset(st, 0, sizeof *st);
    st->kernel = k;
    st->nd = nd;
    st->anchor = anchor;
    st->seq = b->seq++;
    st->x0 = st->x1 = st->y = -1;
    st->n_spec = 3; /* act kind, a, b */
    return st;
}

static void spec_i(zvk_step *st, int id, int32_t v) {
    st->spec[id] = v;
    if (id + 1 > st->n_spec) st->n_spec = id + 1;
}

static void spec_f(zvk_step *st, int id, float v) {
    int32_t bits;
    memcpy(&bits, &v, sizeof bits);
    spec_i(st, id, bits);
}

static void set_act(zvk_step *st, const zoo_act_desc *a) {
    spec_i(st, 0, (int32_t)a->kind);
    spec_f(st, 1, a->a);
    spec_f(st, 2, a->b);
}

static void try_fuse_act(build *b, zvk_step *st, int *anchor_out) {
    int j = sole_consumer(b, st->y);
    if (j >= 0 && b->g->nodes[j].op == ZOO_OP_ACT) {
        b->claimed[j] = true;
        set_act(st, &b->g->nodes[j].attr.act);
        st->y = b->g->nodes[j].output;
        st->anchor = j;
        st->fused_act = true;
    }
    if (anchor_out) *anchor_out = st->anchor;
}

/* per-channel BN as y = x * s + t, in double */
static void bn_affine(const zoo_graph *g, const zoo_node *bn, int c, double *s, double *t) {
    const float *ga = pdata(g, bn, 0), *be = pdata(g, bn, 1), *mu = pdata(g, bn, 2),
                *va = pdata(g, bn, 3);
    double inv = 1.0 / sqrt((double)va[c] + (double)bn->attr.bn.eps);
    *s = ga[c] * inv;
    *t = be[c] - mu[c] * *s;
}

/* ---- steps ------------------------------------------------------------- */

static int step_conv(build *b, int i) {
    const zoo_graph *g = b->g;
    const zoo_node *nd = &g->nodes[i];
    cpu_conv_geom q;
    cpu_conv_geom_of(g, nd, &q);
    bool dw = q.cin_g == 1;
    zvk_step *st = new_step(b, dw ? ZVK_CONV_DW : b->reg_conv ? ZVK_CONV_REG : ZVK_CONV_GEMM, nd, i);
    if (!st) return oom(b, "steps");
    st->x0 = nd->inputs[0];
    st->y = nd->output;
    const zoo_node *bn = NULL;
    int j = sole_consumer(b, st->y);
    if (j >= 0 && g->nodes[j].op == ZOO_OP_BATCHNORM) {
        bn = &g->nodes[j];
        b->claimed[j] = true;
        st->y = bn->output;
        st->anchor = j;
        st->fused_bn = true;
    }
    j = sole_consumer(b, st->y);
    if (j >= 0 && g->nodes[j].op == ZOO_OP_ADD) {
        const zoo_node *add = &g->nodes[j];
        zoo_value other = add->inputs[0] == st->y ? add->inputs[1] : add->inputs[0];
        zoo_shape so = g->values[other].shape, sc = g->values[st->y].shape;
        if (add->inputs[0] != add->inputs[1] && so.c == sc.c && so.h == sc.h && so.w == sc.w) {
            b->claimed[j] = true;
            st->x1 = other;
            st->y = add->output;
            st->anchor = j;
            st->fused_res = true;
        }
    }
    try_fuse_act(b, st, NULL);
    /* parameters, BN folded: depthwise [cout][kh*kw]; otherwise transposed per
     * group, [groups][cin_g*kh*kw][cout_g rounded up to 16] (zero padded); then
     * the bias [cout] */
    const float *w = pdata(g, nd, 0), *bias = pdata(g, nd, 1);
    size_t kdim = (size_t)q.cin_g * q.kh * q.kw;
    size_t cgp = (size_t)(q.cout_g + 15) / 16 * 16;
    size_t nw = dw ? (size_t)q.cout * kdim : (size_t)q.groups * kdim * cgp;
    st->n_params = nw + (size_t)q.cout;
    st->params = calloc(st->n_params, sizeof(float));
    if (!st->params) return oom(b, "conv weights");
    for (int c = 0; c < q.cout; c++) {
        double s = 1.0, t = 0.0;
        if (bn) bn_affine(g, bn, c, &s, &t);
        t += (bias ? bias[c] : 0.0) * s; /* (b - mean) * s + beta = b * s + t */
        size_t gi = (size_t)(c / q.cout_g), m = (size_t)(c % q.cout_g);
        for (size_t k = 0; k < kdim; k++) {
            float v = (float)(w[(size_t)c * kdim + k] * s);
            if (dw) st->params[(size_t)c * kdim + k] = v;
            else st->params[(gi * kdim + k) * cgp + m] = v;
        }
        st->params[nw + (size_t)c] = (float)t;
    }
    int64_t npix = (int64_t)q.oh * q.ow;
    if (dw) {
        int vals[] = {q.cout, q.h, q.w, q.oh, q.ow, q.kh, q.kw, q.sh, q.sw, q.dh, q.dw,
                      q.pt, q.pl, q.cout_g, st->x1 >= 0};
        for (int k = 0; k < (int)(sizeof vals / sizeof vals[0]); k++) spec_i(st, 3 + k, vals[k]);
        st->wg[0] = cdiv((int64_t)q.oh * ((q.ow + 7) / 8), 64);
        st->wg[1] = (uint32_t)q.cout;
        st->wg[2] = 1;
    } else {
        bool pw = q.kh == 1 && q.kw == 1 && q.sh == 1 && q.sw == 1 && q.pt == 0 && q.pl == 0 &&
                  q.oh == q.h && q.ow == q.w;
        int vals[] = {q.cin, q.h,  q.w,  q.cout, q.oh,   q.ow,    q.kh, q.kw, q.sh,
                      q.sw,  q.dh, q.dw, q.pt,   q.pl,   q.groups, q.cin_g, q.cout_g, pw,
                      st->x1 >= 0};
        for (int k = 0; k < (int)(sizeof vals / sizeof vals[0]); k++) spec_i(st, 3 + k, vals[k]);
        st->wg[0] = cdiv(npix, st->kernel == ZVK_CONV_REG ? 64 * 8 : 64);
        st->wg[1] = cdiv(q.cout_g, st->kernel == ZVK_CONV_REG ? 16 : 64);
        st->wg[2] = (uint32_t)q.groups;
    }
    return 0;
}

/* y = act(x * s + t): standalone batchnorm (per channel), scale, activation */
static int step_affine(build *b, int i) {
    const zoo_graph *g = b->g;
    const zoo_node *nd = &g->nodes[i];
    zoo_shape s = g->values[nd->output].shape;
    zvk_step *st = new_step(b, ZVK_AFFINE, nd, i);
    if (!st) return oom(b, "steps");
    st->x0 = nd->inputs[0];
    st->y = nd->output;
    spec_i(st, 3, s.c);
    spec_i(st, 4, s.h * s.w);
    spec_i(st, 5, nd->op == ZOO_OP_BATCHNORM);
    spec_f(st, 6, nd->op == ZOO_OP_SCALE ? nd->attr.scale.scale : 1.0f);
    spec_f(st, 7, nd->op == ZOO_OP_SCALE ? nd->attr.scale.bias : 0.0f);
    if (nd->op == ZOO_OP_ACT) set_act(st, &nd->attr.act);
    else try_fuse_act(b, st, NULL);
    if (nd->op == ZOO_OP_BATCHNORM) {
        st->n_params = 2 * (size_t)s.c;
        st->params = malloc(sizeof(float) * st->n_params);
        if (!st->params) return oom(b, "batchnorm");
        for (int c = 0; c < s.c; c++) {
            double sc, t;
            bn_affine(g, nd, c, &sc, &t);
            st->params[c] = (float)sc;
            st->params[s.c + c] = (float)t;
        }
    }
    st->wg[0] = cdiv((int64_t)s.h * s.w, 64);
    st->wg[1] = (uint32_t)s.c;
    st->wg[2] = 1;
    return 0;
}

static int step_pool(build *b, int i) {
    const zoo_graph *g = b->g;
    const zoo_node *nd = &g->nodes[i];
    cpu_pool_geom q;
    cpu_pool_geom_of(g, nd, &q);
    bool whole;
    if (q.adaptive) whole = q.oh == 1 && q.ow == 1;
    else whole = q.oh == 1 && q.ow == 1 && q.kh - q.pt >= q.h && q.kw - q.pl >= q.w;
    zvk_step *st = new_step(b, whole ? ZVK_POOL_GLOBAL : ZVK_POOL, nd, i);
    if (!st) return oom(b, "steps");
    st->x0 = nd->inputs[0];
    st->y = nd->output;
    if (whole) {
        spec_i(st, 3, q.h * q.w);
        spec_i(st, 4, q.max);
        spec_i(st, 5, q.max ? 1 : (int)cpu_pool_divisor(&q, 0, 0)); /* Paddle's divisor */
        st->wg[0] = (uint32_t)q.c;
        st->wg[1] = 1;
    } else {
        int vals[] = {q.h, q.w, q.oh, q.ow, q.kh, q.kw, q.sh, q.sw, q.pt, q.pl,
                      q.max, q.exclusive, q.adaptive};
        for (int k = 0; k < (int)(sizeof vals / sizeof vals[0]); k++) spec_i(st, 3 + k, vals[k]);
        st->wg[0] = cdiv((int64_t)q.oh * q.ow, 64);
        st->wg[1] = (uint32_t)q.c;
    }
    st->wg[2] = 1;
    return 0;
}

static int step_binary(build *b, int i) {
    const zoo_graph *g = b->g;
    const zoo_node *nd = &g->nodes[i];
    zoo_shape os = g->values[nd->output].shape, as = g->values[nd->inputs[0]].shape,
              bs = g->values[nd->inputs[1]].shape;
    zvk_step *st = new_step(b, ZVK_BINARY, nd, i);
    if (!st) return oom(b, "steps");
    st->x0 = nd->inputs[0];
    st->x1 = nd->inputs[1];
    st->y = nd->output;
    int vals[] = {os.c, os.h, os.w, as.c, as.h, as.w, bs.c, bs.h, bs.w, nd->op == ZOO_OP_MUL};
    for (int k = 0; k < (int)(sizeof vals / sizeof vals[0]); k++) spec_i(st, 3 + k, vals[k]);
    try_fuse_act(b, st, NULL);
    st->wg[0] = cdiv((int64_t)os.h * os.w, 64);
    st->wg[1] = (uint32_t)os.c;
    st->wg[2] = 1;
    return 0;
}

/* box copy of all of `src` into `dst` at (c0, h0, w0), or of the box of dst's
 * shape out of src at (c0, h0, w0) when `from_src` */
static int step_copy(build *b, const zoo_node *nd, int anchor, zoo_value src, zoo_value dst,
                     int c0, int h0, int w0, bool from_src) {
    const zoo_graph *g = b->g;
    zoo_shape ss = g->values[src].shape, ds = g->values[dst].shape;
    zoo_shape box = from_src ? ds : ss;
    zvk_step *st = new_step(b, ZVK_COPY, nd, anchor);
    if (!st) return oom(b, "steps");
    st->x0 = src;
    st->y = dst;
    int64_t origin_s = 0, origin_d = 0;
    int64_t o = ((int64_t)c0 * (from_src ? ss.h : ds.h) + h0) * (from_src ? ss.w : ds.w) + w0;
    if (from_src) origin_s = o;
    else origin_d = o;
    int vals[] = {box.h, box.w, ss.h, ss.w, ds.h, ds.w, (int)origin_s, (int)origin_d};
    for (int k = 0; k < (int)(sizeof vals / sizeof vals[0]); k++) spec_i(st, 3 + k, vals[k]);
    st->wg[0] = cdiv((int64_t)box.h * box.w, 64);
    st->wg[1] = (uint32_t)box.c;
    st->wg[2] = 1;
    return 0;
}

static int step_linear(build *b, int i) {
    const zoo_graph *g = b->g;
    const zoo_node *nd = &g->nodes[i];
    int out_f = nd->attr.linear.out_features;
    int64_t in_f = zoo_shape_numel(g->values[nd->inputs[0]].shape);
    zvk_step *st = new_step(b, ZVK_LINEAR, nd, i);
    if (!st) return oom(b, "steps");
    st->x0 = nd->inputs[0];
    st->y = nd->output;
    spec_i(st, 3, (int32_t)in_f);
    spec_i(st, 4, out_f);
    try_fuse_act(b, st, NULL);
    const float *w = pdata(g, nd, 0), *bias = pdata(g, nd, 1);
    st->n_params = (size_t)in_f * out_f + (size_t)out_f;
    st->params = malloc(sizeof(float) * st->n_params);
    if (!st->params) return oom(b, "linear weights");
    memcpy(st->params, w, sizeof(float) * (size_t)in_f * out_f);
    for (int o = 0; o < out_f; o++) st->params[(size_t)in_f * out_f + o] = bias ? bias[o] : 0.0f;
    st->wg[0] = cdiv(out_f, 64);
    st->wg[1] = 1;
    st->wg[2] = 1;
    return 0;
}

static int make_steps(build *b, int i) {
    const zoo_graph *g = b->g;
    const zoo_node *nd = &g->nodes[i];
    zvk_plan_host *p = b->p;
    b->claimed[i] = true;
    zvk_step *st;
    zoo_shape os = g->values[nd->output].shape;
    switch (nd->op) {
    case ZOO_OP_INPUT: return 0;
    case ZOO_OP_RESHAPE: p->vals[nd->output].parent = nd->inputs[0]; return 0;
    case ZOO_OP_SLICE:
        if (nd->attr.slice.axis == 1) {
            zoo_shape s = g->values[nd->inputs[0]].shape;
            p->vals[nd->output].parent = nd->inputs[0];
            p->vals[nd->output].off_in_parent = (size_t)nd->attr.slice.start * s.h * s.w;
            return 0;
        }
        return step_copy(b, nd, i, nd->inputs[0], nd->output, 0,
                         nd->attr.slice.axis == 2 ? nd->attr.slice.start : 0,
                         nd->attr.slice.axis == 3 ? nd->attr.slice.start : 0, true);
    case ZOO_OP_CONV2D: return step_conv(b, i);
    case ZOO_OP_BATCHNORM:
    case ZOO_OP_SCALE:
    case ZOO_OP_ACT: return step_affine(b, i);
    case ZOO_OP_LINEAR: return step_linear(b, i);
    case ZOO_OP_POOL2D: return step_pool(b, i);
    case ZOO_OP_ADD:
    case ZOO_OP_MUL: return step_binary(b, i);
    case ZOO_OP_CONCAT: return 0; /* after placement (make_concat_copies) */
    case ZOO_OP_CHANNEL_SHUFFLE:
        st = new_step(b, ZVK_SHUFFLE, nd, i);
        if (!st) return oom(b, "steps");
        st->x0 = nd->inputs[0];
        st->y = nd->output;
        spec_i(st, 3, os.c);
        spec_i(st, 4, os.h * os.w);
        spec_i(st, 5, nd->attr.shuffle.groups);
        st->wg[0] = cdiv((int64_t)os.h * os.w, 64);
        st->wg[1] = (uint32_t)os.c;
        st->wg[2] = 1;
        return 0;
    case ZOO_OP_SOFTMAX: {
        st = new_step(b, ZVK_SOFTMAX, nd, i);
        if (!st) return oom(b, "steps");
        st->x0 = nd->inputs[0];
        st->y = nd->output;
        int ax = nd->attr.softmax.axis;
        spec_i(st, 3, os.c);
        spec_i(st, 4, os.h);
        spec_i(st, 5, os.w);
        spec_i(st, 6, ax);
        int64_t rows = ax == 1 ? (int64_t)os.h * os.w : ax == 2 ? (int64_t)os.c * os.w
                                                                : (int64_t)os.c * os.h;
        st->wg[0] = cdiv(rows, 64);
        st->wg[1] = 1;
        st->wg[2] = 1;
        return 0;
    }
    default:
        return zoo_error_set(b->err, ZOO_ERR_INPUT, "vulkan backend: node '%s': op %s not supported",
                             nd->name ? nd->name : "?", zoo_op_name(nd->op));
    }
}

static int cmp_step(const void *a, const void *b) {
    const zvk_step *x = a, *y = b;
    if (x->anchor != y->anchor) return x->anchor < y->anchor ? -1 : 1;
    return x->seq - y->seq;
}

/* which values hold data: the input, every step output, views of those */
static void mark_stored(zvk_plan_host *p) {
    const zoo_graph *g = p->g;
    for (int v = 0; v < g->n_values; v++) p->vals[v].stored = false;
    p->vals[g->input].stored = true;
    for (int s = 0; s < p->n_steps; s++)
        if (p->steps[s].y >= 0) p->vals[p->steps[s].y].stored = true;
    for (int i = 0; i < g->n_nodes; i++) { /* concat outputs hold data once placed / copied */
        const zoo_node *nd = &g->nodes[i];
        if (nd->op == ZOO_OP_CONCAT) p->vals[nd->output].stored = true;
    }
    for (int v = 0; v < g->n_values; v++) /* views, in topological order */
        if (p->vals[v].parent >= 0 && !p->vals[v].stored)
            p->vals[v].stored = p->vals[p->vals[v].parent].stored;
}

/* channel concat inputs placed inside the concat's buffer; copy steps for the rest */
static int make_concats(build *b) {
    const zoo_graph *g = b->g;
    zvk_plan_host *p = b->p;
    for (int i = 0; i < g->n_nodes; i++) {
        const zoo_node *nd = &g->nodes[i];
        if (nd->op != ZOO_OP_CONCAT) continue;
        int axis = nd->attr.concat.axis, off = 0;
        zoo_shape os = g->values[nd->output].shape;
        for (int k = 0; k < nd->n_inputs; k++) {
            zoo_value v = nd->inputs[k];
            zoo_shape s = g->values[v].shape;
            bool ok = axis == 1 && p->vals[v].parent < 0 && v != g->output && v != nd->output;
            for (int k2 = 0; k2 < k && ok; k2++)
                if (nd->inputs[k2] == v) ok = false;
            if (ok) {
                p->vals[v].parent = nd->output;
                p->vals[v].off_in_parent = (size_t)off * os.h * os.w;
            } else {
                int rc = step_copy(b, nd, i, v, nd->output, axis == 1 ? off : 0, axis == 2 ? off : 0,
                                   axis == 3 ? off : 0, false);
                if (rc) return rc;
            }
            off += axis == 1 ? s.c : axis == 2 ? s.h : s.w;
        }
    }
    return 0;
}

/* ---- memory ------------------------------------------------------------ */

typedef struct buf {
    int root;
    size_t size; /* elements */
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
    zvk_plan_host *p = b->p;
    const zoo_graph *g = b->g;
    int nv = g->n_values;
    int *first = malloc(sizeof(int) * (size_t)nv), *last = malloc(sizeof(int) * (size_t)nv);
    int *slot = malloc(sizeof(int) * (size_t)nv);
    buf *bufs = malloc(sizeof(buf) * (size_t)nv);
    buf **live = malloc(sizeof(buf *) * (size_t)nv);
    int rc = 0;
    if (!first || !last || !slot || !bufs || !live) {
        rc = oom(b, "memory plan");
        goto done;
    }
    for (int v = 0; v < nv; v++) {
        size_t off = 0;
        int r = v;
        while (p->vals[r].parent >= 0) {
            off += p->vals[r].off_in_parent;
            r = p->vals[r].parent;
        }
        p->vals[v].root = r;
        p->vals[v].off = off; /* relative to the root for now */
        p->vals[v].bs = (size_t)zoo_shape_numel(p->vals[r].s);
        first[v] = INT_MAX;
        last[v] = -1;
    }
    for (int s = 0; s < p->n_steps; s++) {
        const zvk_step *st = &p->steps[s];
        zoo_value acc[3] = {st->y, st->x0, st->x1};
        for (int k = 0; k < 3; k++) {
            if (acc[k] < 0) continue;
            int r = p->vals[acc[k]].root;
            if (k == 0 && s < first[r]) first[r] = s;
            if (s > last[r]) last[r] = s;
            if (s < first[r]) first[r] = s; /* read before any write: the input */
        }
    }
    int nb = 0;
    p->values_elems = 0;
    for (int v = 0; v < nv; v++) {
        if (!p->vals[v].stored) continue;
        const zoo_node *pn = &g->nodes[g->values[v].producer];
        bool view = pn->op == ZOO_OP_RESHAPE || (pn->op == ZOO_OP_SLICE && pn->attr.slice.axis == 1);
        if (!view) p->values_elems += (size_t)zoo_shape_numel(p->vals[v].s) * p->max_batch;
        if (p->vals[v].root != v) continue;
        if (first[v] == INT_MAX) first[v] = last[v] < 0 ? 0 : last[v];
        if (last[v] < first[v]) last[v] = first[v];
        bufs[nb].root = v;
        bufs[nb].size = round_up((size_t)zoo_shape_numel(p->vals[v].s) * p->max_batch, ARENA_ALIGN);
        bufs[nb].first = first[v];
        bufs[nb].last = last[v];
        nb++;
    }
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
    for (int i = 0; i < nb; i++) slot[bufs[i].root] = i;
    for (int v = 0; v < nv; v++)
        if (p->vals[v].stored) p->vals[v].off += bufs[slot[p->vals[v].root]].off;
    p->arena_elems = total;
done:
    free(first);
    free(last);
    free(slot);
    free(bufs);
    free(live);
    return rc;
}

/* ---- build ------------------------------------------------------------- */

void zvk_plan_free(zvk_plan_host *p) {
    if (!p) return;
    for (int s = 0; s < p->n_steps; s++) free(p->steps[s].params);
    free(p->steps);
    free(p->vals);
    memset(p, 0, sizeof *p);
}

/* conv_reg with PW = 1 reads its image as vec4s (PW = 2) when every row it
 * reads starts on a 16-byte boundary for every image */
static void align_pointwise(zvk_plan_host *p) {
    size_t a = (size_t)(16 / p->esz);
    for (int s = 0; s < p->n_steps; s++) {
        zvk_step *st = &p->steps[s];
        if (st->kernel != ZVK_CONV_REG || st->spec[20] != 1) continue;
        const zvk_val *x = &p->vals[st->x0];
        size_t hw = (size_t)x->s.h * x->s.w;
        if (x->off % a == 0 && x->bs % a == 0 && hw % a == 0) st->spec[20] = 2;
    }
}

int zvk_plan_build(zvk_plan_host *p, const zoo_graph *g, const zvk_plan_opts *o, zoo_error *err) {
    memset(p, 0, sizeof *p);
    if (cpu_check_graph(g, "vulkan", err)) return ZOO_ERR_INPUT;
    int max_batch = o && o->max_batch > 0 ? o->max_batch : 1;
    build b = {.g = g, .p = p, .err = err, .reg_conv = o && o->reg_conv};
    p->esz = o && o->esz == 2 ? 2 : 4;
    b.n_uses = calloc((size_t)g->n_values, sizeof(int));
    b.last_use = calloc((size_t)g->n_values, sizeof(int));
    b.claimed = calloc((size_t)g->n_nodes, sizeof(bool));
    p->g = g;
    p->max_batch = max_batch > 0 ? max_batch : 1;
    p->vals = calloc((size_t)g->n_values, sizeof(zvk_val));
    int rc = 0;
    if (!b.n_uses || !b.last_use || !b.claimed || !p->vals) {
        rc = oom(&b, "plan");
        goto done;
    }
    for (int v = 0; v < g->n_values; v++) {
        p->vals[v].s = g->values[v].shape;
        p->vals[v].parent = -1;
    }
    cpu_value_uses(g, b.n_uses, b.last_use);
    zoo_graph_stats gs;
    zoo_graph_stats_compute(g, &gs);
    p->macs = gs.macs;
    zvk_step *st = new_step(&b, ZVK_CONVERT_IN, NULL, -1);
    if (!st) {
        rc = oom(&b, "steps");
        goto done;
    }
    st->y = g->input;
    for (int i = 0; i < g->n_nodes && !rc; i++)
        if (!b.claimed[i]) rc = make_steps(&b, i);
    if (!rc) rc = make_concats(&b);
    if (!rc && !(st = new_step(&b, ZVK_CONVERT_OUT, NULL, g->n_nodes))) rc = oom(&b, "steps");
    if (rc) goto done;
    st->x0 = g->output;
    qsort(p->steps, (size_t)p->n_steps, sizeof(zvk_step), cmp_step);
    /* the convert steps: elements per image, grid-stride over at most 65535 groups */
    for (int s = 0; s < p->n_steps; s++) {
        zvk_step *cs = &p->steps[s];
        if (cs->kernel != ZVK_CONVERT_IN && cs->kernel != ZVK_CONVERT_OUT) continue;
        int64_t n = zoo_shape_numel(g->values[cs->kernel == ZVK_CONVERT_IN ? g->input : g->output].shape);
        spec_i(cs, 3, (int32_t)n);
        uint32_t x = cdiv(n, 64);
        cs->wg[0] = x > 65535 ? 65535 : x;
        cs->wg[1] = 1;
        cs->wg[2] = 1;
    }
    mark_stored(p);
    rc = plan_memory(&b);
    if (!rc) align_pointwise(p);
done:
    free(b.n_uses);
    free(b.last_use);
    free(b.claimed);
    if (rc) zvk_plan_free(p);
    return rc;
}

/* ---- barriers ---------------------------------------------------------- */

typedef struct access {
    int root;
    size_t lo, hi;           /* per-image interval (elements from the arena start) */
    size_t root_lo, root_hi; /* the root buffer's span for the batch */
} access;

static access access_of(const zvk_plan_host *p, zoo_value v, int batch, size_t sub_off,
                        size_t sub_len) {
    const zvk_val *x = &p->vals[v];
    const zvk_val *r = &p->vals[x->root];
    access a;
    a.root = x->root;
    a.lo = x->off + sub_off;
    a.hi = a.lo + (sub_len ? sub_len : zvk_numel(p, v));
    a.root_lo = r->off;
    a.root_hi = r->off + (size_t)batch * r->bs;
    return a;
}

static bool overlaps(const access *a, const access *b) {
    if (a->root == b->root) return a->lo < b->hi && b->lo < a->hi;
    return a->root_lo < b->root_hi && b->root_lo < a->root_hi;
}

/* the part of y a step writes: a channel-concat copy writes only its slot */
static void write_part(const zvk_plan_host *p, const zvk_step *st, size_t *off, size_t *len) {
    *off = 0;
    *len = 0;
    if (st->kernel == ZVK_COPY && st->nd && st->nd->op == ZOO_OP_CONCAT &&
        st->nd->attr.concat.axis == 1) {
        *off = (size_t)(uint32_t)st->spec[10]; /* DST0 */
        *len = zvk_numel(p, st->x0);
    }
}

int zvk_plan_barriers(const zvk_plan_host *p, int batch, bool *need) {
    access *rd = malloc(sizeof(access) * (size_t)(2 * p->n_steps + 1));
    access *wr = malloc(sizeof(access) * (size_t)(p->n_steps + 1));
    int nr = 0, nw = 0, count = 0;
    if (!rd || !wr) { /* conservative: a barrier before every step */
        for (int s = 0; s < p->n_steps; s++) need[s] = s > 0;
        free(rd);
        free(wr);
        return p->n_steps > 0 ? p->n_steps - 1 : 0;
    }
    for (int s = 0; s < p->n_steps; s++) {
        const zvk_step *st = &p->steps[s];
        access r[2], w;
        int n_r = 0;
        bool has_w = st->y >= 0 && st->kernel != ZVK_CONVERT_OUT;
        if (st->x0 >= 0 && st->kernel != ZVK_CONVERT_IN) r[n_r++] = access_of(p, st->x0, batch, 0, 0);
        if (st->x1 >= 0) r[n_r++] = access_of(p, st->x1, batch, 0, 0);
        if (has_w) {
            size_t o, l;
            write_part(p, st, &o, &l);
            w = access_of(p, st->y, batch, o, l);
        }
        bool conflict = false;
        for (int i = 0; i < n_r && !conflict; i++)
            for (int k = 0; k < nw && !conflict; k++) conflict = overlaps(&r[i], &wr[k]);
        for (int k = 0; has_w && k < nw && !conflict; k++) conflict = overlaps(&w, &wr[k]);
        for (int k = 0; has_w && k < nr && !conflict; k++) conflict = overlaps(&w, &rd[k]);
        need[s] = conflict;
        if (conflict) {
            count++;
            nr = nw = 0;
        }
        for (int i = 0; i < n_r; i++) rd[nr++] = r[i];
        if (has_w) wr[nw++] = w;
    }
    free(rd);
    free(wr);
    return count;
}

void zvk_plan_get_stats(const zvk_plan_host *p, zvk_plan_stats *o) {
    memset(o, 0, sizeof *o);
    o->steps = p->n_steps;
    for (int s = 0; s < p->n_steps; s++) {
        const zvk_step *st = &p->steps[s];
        o->gemm_convs += st->kernel == ZVK_CONV_GEMM || st->kernel == ZVK_CONV_REG;
        o->dw_convs += st->kernel == ZVK_CONV_DW;
        o->folded_bn += st->fused_bn;
        o->fused_act += st->fused_act;
        o->fused_residual += st->fused_res;
        o->concat_copied += st->kernel == ZVK_COPY && st->nd && st->nd->op == ZOO_OP_CONCAT;
    }
    const zoo_graph *g = p->g;
    for (int i = 0; i < g->n_nodes; i++) {
        const zoo_node *nd = &g->nodes[i];
        o->views += nd->op == ZOO_OP_RESHAPE || (nd->op == ZOO_OP_SLICE && nd->attr.slice.axis == 1);
        if (nd->op == ZOO_OP_CONCAT)
            for (int k = 0; k < nd->n_inputs; k++)
                o->concat_inplace += p->vals[nd->inputs[k]].parent == nd->output;
    }
    o->arena_elems = p->arena_elems;
    o->values_elems = p->values_elems;
}
