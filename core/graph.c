/* core/graph.c - building graphs: the builder functions behind the plugin
 * host table, shape inference, parameter declaration. Contract: graph.h,
 * plugin.h; layout: graph_impl.h.
 *
 * Every builder call validates its inputs and infers the output shape at
 * once; the first failure is recorded as "<model>: node <name> (<op>): <why>"
 * and makes every later call a no-op returning ZOO_NONE (error-sticky).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph_impl.h"

static const char *const op_names[ZOO_OP__COUNT] = {
    [ZOO_OP_INPUT] = "input",
    [ZOO_OP_CONV2D] = "conv2d",
    [ZOO_OP_BATCHNORM] = "batchnorm",
    [ZOO_OP_LINEAR] = "linear",
    [ZOO_OP_ACT] = "act",
    [ZOO_OP_POOL2D] = "pool2d",
    [ZOO_OP_CONCAT] = "concat",
    [ZOO_OP_SLICE] = "slice",
    [ZOO_OP_ADD] = "add",
    [ZOO_OP_MUL] = "mul",
    [ZOO_OP_CHANNEL_SHUFFLE] = "channel_shuffle",
    [ZOO_OP_SCALE] = "scale",
    [ZOO_OP_RESHAPE] = "reshape",
    [ZOO_OP_SOFTMAX] = "softmax",
};

const char *zoo_op_name(zoo_op op) {
    return (op >= 0 && op < ZOO_OP__COUNT) ? op_names[op] : "?";
}

/* ---- allocation helpers --------------------------------------------------- */

static char *dupstr(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int grow(void **arr, int *cap, int need, size_t elem) {
    if (need <= *cap) return 0;
    int nc = *cap ? *cap * 2 : 16;
    while (nc < need) nc *= 2;
    void *p = realloc(*arr, (size_t)nc * elem);
    if (!p) return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

zoo_graph *zoo_graph_new(const char *model_name) {
    zoo_graph *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->model_name = dupstr(model_name ? model_name : "graph");
    if (!g->model_name) {
        free(g);
        return NULL;
    }
    g->input = ZOO_NONE;
    g->output = ZOO_NONE;
    return g;
}

void zoo_graph_free(zoo_graph *g) {
    if (!g) return;
    for (int i = 0; i < g->n_nodes; i++) {
        free(g->nodes[i].name);
        free(g->nodes[i].inputs);
    }
    free(g->nodes);
    free(g->values);
    for (int i = 0; i < g->n_params; i++) {
        zoo_param *p = &g->params[i];
        free(p->name);
        for (int k = 0; k < p->n_aliases; k++) free(p->aliases[k]);
        free(p->aliases);
        free(p->alias_flags);
        free(p->owned);
    }
    free(g->params);
    for (int i = 0; i < g->n_ignored; i++) free(g->ignored[i]);
    free(g->ignored);
    free(g->error);
    free(g->model_name);
    free(g);
}

/* ---- errors ------------------------------------------------------------- */

static void set_error_v(zoo_graph *g, const char *node, zoo_op op, const char *fmt, va_list ap) {
    if (!g || g->error) return;
    char why[768];
    vsnprintf(why, sizeof why, fmt, ap);
    char buf[1024];
    if (node)
        snprintf(buf, sizeof buf, "%s: node %s (%s): %s", g->model_name, node, zoo_op_name(op), why);
    else
        snprintf(buf, sizeof buf, "%s: %s", g->model_name, why);
    g->error = dupstr(buf);
}

static void node_fail(zoo_graph *g, const char *node, zoo_op op, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void node_fail(zoo_graph *g, const char *node, zoo_op op, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_error_v(g, node, op, fmt, ap);
    va_end(ap);
}

static void host_fail(zoo_graph *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_fail(zoo_graph *g, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    set_error_v(g, NULL, ZOO_OP_INPUT, fmt, ap);
    va_end(ap);
}

const char *zoo_graph_error(const zoo_graph *g) {
    return g ? g->error : "no graph";
}

static bool valid_value(const zoo_graph *g, zoo_value v) {
    return v >= 0 && v < g->n_values;
}

/* ---- node creation --------------------------------------------------------- */

/* Starts a node: checks stickiness and inputs, picks a name. Returns the node
 * index or -1. The node's output value is created by finish_node(). */
static int begin_node(zoo_graph *g, zoo_op op, const char *name, const zoo_value *inputs, int n) {
    if (!g || g->error) return -1;
    char autoname[64];
    if (!name || !*name) {
        snprintf(autoname, sizeof autoname, "%s_%d", zoo_op_name(op), g->auto_name_counter++);
        name = autoname;
    }
    if (g->finalized) {
        node_fail(g, name, op, "graph is already finalized");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (!valid_value(g, inputs[i])) {
            node_fail(g, name, op, "input %d is not a value of this graph (%d)", i, (int)inputs[i]);
            return -1;
        }
    }
    for (int i = 0; i < g->n_nodes; i++) {
        if (!strcmp(g->nodes[i].name, name)) {
            node_fail(g, name, op, "a node with this name already exists");
            return -1;
        }
    }
    if (grow((void **)&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof(zoo_node))) {
        node_fail(g, name, op, "out of memory");
        return -1;
    }
    zoo_node *nd = &g->nodes[g->n_nodes];
    memset(nd, 0, sizeof *nd);
    nd->op = op;
    nd->name = dupstr(name);
    nd->output = ZOO_NONE;
    for (int k = 0; k < ZOO_NODE_MAX_PARAMS; k++) nd->params[k] = -1;
    if (n > 0) {
        nd->inputs = malloc(sizeof(zoo_value) * (size_t)n);
        if (nd->inputs) memcpy(nd->inputs, inputs, sizeof(zoo_value) * (size_t)n);
    }
    nd->n_inputs = n;
    if (!nd->name || (n > 0 && !nd->inputs)) {
        free(nd->name);
        free(nd->inputs);
        node_fail(g, name, op, "out of memory");
        return -1;
    }
    g->n_nodes++;
    return g->n_nodes - 1;
}

/* Drops the last node after a validation failure in its builder. */
static zoo_value abort_node(zoo_graph *g, int ni) {
    if (ni == g->n_nodes - 1) {
        free(g->nodes[ni].name);
        free(g->nodes[ni].inputs);
        g->n_nodes--;
    }
    return ZOO_NONE;
}

static zoo_value finish_node(zoo_graph *g, int ni, zoo_shape s) {
    zoo_node *nd = &g->nodes[ni];
    if (s.c <= 0 || s.h <= 0 || s.w <= 0) {
        node_fail(g, nd->name, nd->op, "output shape [%d,%d,%d] is empty", s.c, s.h, s.w);
        return abort_node(g, ni);
    }
    if ((int64_t)s.c * s.h * s.w > INT32_MAX) {
        node_fail(g, nd->name, nd->op, "output too large ([%d,%d,%d])", s.c, s.h, s.w);
        return abort_node(g, ni);
    }
    if (grow((void **)&g->values, &g->cap_values, g->n_values + 1, sizeof(zoo_value_info))) {
        node_fail(g, nd->name, nd->op, "out of memory");
        return abort_node(g, ni);
    }
    s.n = 1;
    g->values[g->n_values].shape = s;
    g->values[g->n_values].producer = ni;
    nd->output = g->n_values++;
    return nd->output;
}

static zoo_shape vshape(const zoo_graph *g, zoo_value v) {
    return g->values[v].shape;
}

/* ---- parameters ------------------------------------------------------------- */

static int find_param_exact(const zoo_graph *g, const char *name) {
    for (int i = 0; i < g->n_params; i++)
        if (!strcmp(g->params[i].name, name)) return i;
    return -1;
}

int zoo_graph_find_param(const zoo_graph *g, const char *name) {
    if (!g || !name) return -1;
    int i = find_param_exact(g, name);
    if (i >= 0) return i;
    for (i = 0; i < g->n_params; i++)
        for (int k = 0; k < g->params[i].n_aliases; k++)
            if (!strcmp(g->params[i].aliases[k], name)) return i;
    return -1;
}

static void fmt_dims(char *buf, size_t size, int ndim, const int64_t *dims) {
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, i ? "x%lld" : "%lld", (long long)dims[i]);
}

/* Declares (or re-uses, when the shape agrees) a parameter; returns its index or -1. */
static int declare_param(zoo_graph *g, int ni, const char *name, int ndim, const int64_t *dims,
                         bool trainable) {
    zoo_node *nd = &g->nodes[ni];
    if (!name || !*name) {
        node_fail(g, nd->name, nd->op, "parameter name is empty");
        return -1;
    }
    int i = find_param_exact(g, name);
    if (i >= 0) {
        zoo_param *p = &g->params[i];
        bool same = p->ndim == ndim;
        for (int k = 0; same && k < ndim; k++) same = p->dims[k] == dims[k];
        if (!same) {
            char a[96], b[96];
            fmt_dims(a, sizeof a, p->ndim, p->dims);
            fmt_dims(b, sizeof b, ndim, dims);
            node_fail(g, nd->name, nd->op, "parameter %s re-used with shape %s (declared %s)", name,
                      b, a);
            return -1;
        }
        return i;
    }
    if (zoo_graph_find_param(g, name) >= 0) {
        node_fail(g, nd->name, nd->op, "parameter name %s is already an alias of another parameter",
                  name);
        return -1;
    }
    if (grow((void **)&g->params, &g->cap_params, g->n_params + 1, sizeof(zoo_param))) {
        node_fail(g, nd->name, nd->op, "out of memory");
        return -1;
    }
    zoo_param *p = &g->params[g->n_params];
    memset(p, 0, sizeof *p);
    p->name = dupstr(name);
    if (!p->name) {
        node_fail(g, nd->name, nd->op, "out of memory");
        return -1;
    }
    p->ndim = ndim;
    p->numel = 1;
    for (int k = 0; k < ndim; k++) {
        p->dims[k] = dims[k];
        p->numel *= dims[k];
    }
    p->trainable = trainable;
    return g->n_params++;
}

static int host_param_alias_ex(zoo_graph *g, const char *name, const char *alias,
                               unsigned alias_flags) {
    if (!g || g->error) return -1;
    if (alias_flags & ~(unsigned)ZOO_ALIAS_TRANSPOSED) {
        host_fail(g, "param_alias_ex: unknown alias flags 0x%x for %s", alias_flags,
                  name ? name : "(null)");
        return -1;
    }
    int i = find_param_exact(g, name ? name : "");
    if (i < 0) {
        host_fail(g, "param_alias: no parameter named %s", name ? name : "(null)");
        return -1;
    }
    if (!alias || !*alias) {
        host_fail(g, "param_alias: empty alias for %s", name);
        return -1;
    }
    int j = zoo_graph_find_param(g, alias);
    if (j == i) return 0;
    if (j >= 0) {
        host_fail(g, "param_alias: %s (alias of %s) already names parameter %s", alias, name,
                  g->params[j].name);
        return -1;
    }
    zoo_param *p = &g->params[i];
    char **na = realloc(p->aliases, sizeof(char *) * (size_t)(p->n_aliases + 1));
    if (!na) {
        host_fail(g, "out of memory");
        return -1;
    }
    p->aliases = na;
    unsigned *nf = realloc(p->alias_flags, sizeof(unsigned) * (size_t)(p->n_aliases + 1));
    if (!nf) {
        host_fail(g, "out of memory");
        return -1;
    }
    p->alias_flags = nf;
    p->alias_flags[p->n_aliases] = alias_flags;
    p->aliases[p->n_aliases] = dupstr(alias);
    if (!p->aliases[p->n_aliases]) {
        host_fail(g, "out of memory");
        return -1;
    }
    p->n_aliases++;
    return 0;
}

static int host_param_alias(zoo_graph *g, const char *name, const char *alias) {
    return host_param_alias_ex(g, name, alias, 0);
}

static int host_param_flags(zoo_graph *g, const char *name, unsigned flags) {
    if (!g || g->error) return -1;
    int i = find_param_exact(g, name ? name : "");
    if (i < 0) {
        host_fail(g, "param_flags: no parameter named %s", name ? name : "(null)");
        return -1;
    }
    g->params[i].flags = flags;
    return 0;
}

static int host_param_trainable(zoo_graph *g, const char *name, int trainable) {
    if (!g || g->error) return -1;
    int i = find_param_exact(g, name ? name : "");
    if (i < 0) {
        host_fail(g, "param_trainable: no parameter named %s", name ? name : "(null)");
        return -1;
    }
    g->params[i].trainable = trainable != 0;
    return 0;
}

static int host_ignore_source(zoo_graph *g, const char *source_name) {
    if (!g || g->error) return -1;
    if (!source_name || !*source_name) {
        host_fail(g, "ignore_source: empty name");
        return -1;
    }
    if (grow((void **)&g->ignored, &g->cap_ignored, g->n_ignored + 1, sizeof(char *))) {
        host_fail(g, "out of memory");
        return -1;
    }
    g->ignored[g->n_ignored] = dupstr(source_name);
    if (!g->ignored[g->n_ignored]) {
        host_fail(g, "out of memory");
        return -1;
    }
    g->n_ignored++;
    return 0;
}

bool zoo_graph_is_ignored_source(const zoo_graph *g, const char *name) {
    if (!g || !name) return false;
    for (int i = 0; i < g->n_ignored; i++)
        if (!strcmp(g->ignored[i], name)) return true;
    return false;
}

/* ---- builders ------------------------------------------------------------ */

static zoo_value b_input(zoo_graph *g, const char *node, int c, int h, int w) {
    int ni = begin_node(g, ZOO_OP_INPUT, node ? node : "input", NULL, 0);
    if (ni < 0) return ZOO_NONE;
    if (g->input != ZOO_NONE) {
        node_fail(g, g->nodes[ni].name, ZOO_OP_INPUT, "the graph already has an input");
        return abort_node(g, ni);
    }
    zoo_value v = finish_node(g, ni, (zoo_shape){1, c, h, w});
    if (v != ZOO_NONE) g->input = v;
    return v;
}

static int norm1(int v) {
    return v <= 0 ? 1 : v;
}

static zoo_value b_conv2d(zoo_graph *g, const char *node, zoo_value x, const zoo_conv2d_desc *d,
                          const char *weight, const char *bias) {
    int ni = begin_node(g, ZOO_OP_CONV2D, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    const char *nm = g->nodes[ni].name;
    if (!d) {
        node_fail(g, nm, ZOO_OP_CONV2D, "no descriptor");
        return abort_node(g, ni);
    }
    zoo_conv2d_desc c = *d;
    c.stride_h = norm1(c.stride_h);
    c.stride_w = norm1(c.stride_w);
    c.dilation_h = norm1(c.dilation_h);
    c.dilation_w = norm1(c.dilation_w);
    c.groups = norm1(c.groups);
    zoo_shape in = vshape(g, x);
    if (c.out_channels <= 0 || c.kernel_h <= 0 || c.kernel_w <= 0) {
        node_fail(g, nm, ZOO_OP_CONV2D, "bad out_channels/kernel (%d, %dx%d)", c.out_channels,
                  c.kernel_h, c.kernel_w);
        return abort_node(g, ni);
    }
    if (c.pad_top < 0 || c.pad_bottom < 0 || c.pad_left < 0 || c.pad_right < 0) {
        node_fail(g, nm, ZOO_OP_CONV2D, "negative padding");
        return abort_node(g, ni);
    }
    if (in.c % c.groups || c.out_channels % c.groups) {
        node_fail(g, nm, ZOO_OP_CONV2D, "groups %d do not divide in %d / out %d channels", c.groups,
                  in.c, c.out_channels);
        return abort_node(g, ni);
    }
    int eh = c.dilation_h * (c.kernel_h - 1) + 1, ew = c.dilation_w * (c.kernel_w - 1) + 1;
    int ph = in.h + c.pad_top + c.pad_bottom, pw = in.w + c.pad_left + c.pad_right;
    if (ph < eh || pw < ew) {
        node_fail(g, nm, ZOO_OP_CONV2D, "kernel %dx%d (dilated) larger than padded input %dx%d",
                  eh, ew, ph, pw);
        return abort_node(g, ni);
    }
    zoo_shape out = {1, c.out_channels, (ph - eh) / c.stride_h + 1, (pw - ew) / c.stride_w + 1};
    int64_t wd[4] = {c.out_channels, in.c / c.groups, c.kernel_h, c.kernel_w};
    int pw_ = declare_param(g, ni, weight, 4, wd, true);
    if (pw_ < 0) return abort_node(g, ni);
    int pb = -1;
    if (bias) {
        int64_t bd[1] = {c.out_channels};
        pb = declare_param(g, ni, bias, 1, bd, true);
        if (pb < 0) return abort_node(g, ni);
    }
    g->nodes[ni].attr.conv = c;
    g->nodes[ni].params[0] = pw_;
    g->nodes[ni].params[1] = pb;
    return finish_node(g, ni, out);
}

static zoo_value b_batchnorm(zoo_graph *g, const char *node, zoo_value x, float eps,
                             const char *scale, const char *bias, const char *mean,
                             const char *variance) {
    int ni = begin_node(g, ZOO_OP_BATCHNORM, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    if (!(eps > 0.0f)) {
        node_fail(g, g->nodes[ni].name, ZOO_OP_BATCHNORM, "epsilon must be > 0 (got %g)",
                  (double)eps);
        return abort_node(g, ni);
    }
    zoo_shape in = vshape(g, x);
    int64_t d[1] = {in.c};
    const char *names[4] = {scale, bias, mean, variance};
    for (int k = 0; k < 4; k++) {
        int p = declare_param(g, ni, names[k], 1, d, k < 2);
        if (p < 0) return abort_node(g, ni);
        g->nodes[ni].params[k] = p;
    }
    g->nodes[ni].attr.bn.eps = eps;
    return finish_node(g, ni, in);
}

static zoo_value b_linear(zoo_graph *g, const char *node, zoo_value x, int out_features,
                          const char *weight, const char *bias) {
    int ni = begin_node(g, ZOO_OP_LINEAR, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    if (out_features <= 0) {
        node_fail(g, g->nodes[ni].name, ZOO_OP_LINEAR, "bad out_features %d", out_features);
        return abort_node(g, ni);
    }
    zoo_shape in = vshape(g, x);
    int64_t wd[2] = {zoo_shape_numel(in), out_features};
    int pw = declare_param(g, ni, weight, 2, wd, true);
    if (pw < 0) return abort_node(g, ni);
    int pb = -1;
    if (bias) {
        int64_t bd[1] = {out_features};
        pb = declare_param(g, ni, bias, 1, bd, true);
        if (pb < 0) return abort_node(g, ni);
    }
    g->nodes[ni].attr.linear.out_features = out_features;
    g->nodes[ni].params[0] = pw;
    g->nodes[ni].params[1] = pb;
    return finish_node(g, ni, (zoo_shape){1, out_features, 1, 1});
}

static zoo_value b_act(zoo_graph *g, const char *node, zoo_value x, zoo_act_desc a) {
    int ni = begin_node(g, ZOO_OP_ACT, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    if (a.kind <= ZOO_ACT_NONE || a.kind >= ZOO_ACT__COUNT) {
        node_fail(g, g->nodes[ni].name, ZOO_OP_ACT, "unknown activation %d", (int)a.kind);
        return abort_node(g, ni);
    }
    if (a.kind == ZOO_ACT_CLIP && !(a.a <= a.b)) {
        node_fail(g, g->nodes[ni].name, ZOO_OP_ACT, "clip min %g > max %g", (double)a.a,
                  (double)a.b);
        return abort_node(g, ni);
    }
    g->nodes[ni].attr.act = a;
    return finish_node(g, ni, vshape(g, x));
}

static int pool_out(int in, int pad, int k, int s, bool ceil_mode) {
    int span = in + pad - k;
    if (span < 0) return 0;
    return (ceil_mode ? (span + s - 1) / s : span / s) + 1;
}

static zoo_value b_pool2d(zoo_graph *g, const char *node, zoo_value x, const zoo_pool2d_desc *d) {
    int ni = begin_node(g, ZOO_OP_POOL2D, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    const char *nm = g->nodes[ni].name;
    if (!d || (d->kind != ZOO_POOL_MAX && d->kind != ZOO_POOL_AVG)) {
        node_fail(g, nm, ZOO_OP_POOL2D, "bad descriptor");
        return abort_node(g, ni);
    }
    zoo_pool2d_desc p = *d;
    zoo_shape in = vshape(g, x), out = in;
    if (p.global) {
        out.h = out.w = 1;
    } else if (p.adaptive_h > 0 || p.adaptive_w > 0) {
        if (p.adaptive_h <= 0 || p.adaptive_w <= 0) {
            node_fail(g, nm, ZOO_OP_POOL2D, "adaptive size needs both h and w");
            return abort_node(g, ni);
        }
        out.h = p.adaptive_h;
        out.w = p.adaptive_w;
    } else {
        p.stride_h = norm1(p.stride_h);
        p.stride_w = norm1(p.stride_w);
        if (p.kernel_h <= 0 || p.kernel_w <= 0 || p.pad_top < 0 || p.pad_bottom < 0 ||
            p.pad_left < 0 || p.pad_right < 0) {
            node_fail(g, nm, ZOO_OP_POOL2D, "bad kernel %dx%d or padding", p.kernel_h, p.kernel_w);
            return abort_node(g, ni);
        }
        if (p.pad_top >= p.kernel_h || p.pad_bottom >= p.kernel_h || p.pad_left >= p.kernel_w ||
            p.pad_right >= p.kernel_w) {
            node_fail(g, nm, ZOO_OP_POOL2D, "padding must be smaller than the kernel");
            return abort_node(g, ni);
        }
        out.h = pool_out(in.h, p.pad_top + p.pad_bottom, p.kernel_h, p.stride_h, p.ceil_mode);
        out.w = pool_out(in.w, p.pad_left + p.pad_right, p.kernel_w, p.stride_w, p.ceil_mode);
    }
    g->nodes[ni].attr.pool = p;
    return finish_node(g, ni, out);
}

static int32_t *dim_ref(zoo_shape *s, int axis) {
    return axis == 1 ? &s->c : axis == 2 ? &s->h : &s->w;
}

static zoo_value b_concat(zoo_graph *g, const char *node, const zoo_value *xs, int n, int axis) {
    if (!xs || n <= 0) {
        if (g && !g->error) host_fail(g, "concat %s: no inputs", node ? node : "");
        return ZOO_NONE;
    }
    int ni = begin_node(g, ZOO_OP_CONCAT, node, xs, n);
    if (ni < 0) return ZOO_NONE;
    const char *nm = g->nodes[ni].name;
    if (axis < 1 || axis > 3) {
        node_fail(g, nm, ZOO_OP_CONCAT, "axis %d not in 1..3", axis);
        return abort_node(g, ni);
    }
    zoo_shape out = vshape(g, xs[0]);
    for (int i = 1; i < n; i++) {
        zoo_shape s = vshape(g, xs[i]);
        for (int a = 1; a <= 3; a++) {
            if (a == axis) continue;
            if (*dim_ref(&s, a) != *dim_ref(&out, a)) {
                zoo_shape s0 = vshape(g, xs[0]);
                node_fail(g, nm, ZOO_OP_CONCAT, "input %d is [%d,%d,%d], input 0 is [%d,%d,%d]", i,
                          s.c, s.h, s.w, s0.c, s0.h, s0.w);
                return abort_node(g, ni);
            }
        }
        *dim_ref(&out, axis) += *dim_ref(&s, axis);
    }
    g->nodes[ni].attr.concat.axis = axis;
    return finish_node(g, ni, out);
}

static zoo_value b_slice(zoo_graph *g, const char *node, zoo_value x, int axis, int start, int end) {
    int ni = begin_node(g, ZOO_OP_SLICE, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    const char *nm = g->nodes[ni].name;
    if (axis < 1 || axis > 3) {
        node_fail(g, nm, ZOO_OP_SLICE, "axis %d not in 1..3", axis);
        return abort_node(g, ni);
    }
    zoo_shape s = vshape(g, x);
    int dim = *dim_ref(&s, axis);
    if (start < 0 || end > dim || start >= end) {
        node_fail(g, nm, ZOO_OP_SLICE, "range [%d,%d) invalid for axis %d of size %d", start, end,
                  axis, dim);
        return abort_node(g, ni);
    }
    *dim_ref(&s, axis) = end - start;
    g->nodes[ni].attr.slice.axis = axis;
    g->nodes[ni].attr.slice.start = start;
    g->nodes[ni].attr.slice.end = end;
    return finish_node(g, ni, s);
}

static int b_split(zoo_graph *g, const char *node, zoo_value x, int axis, const int *sizes, int n,
                   zoo_value *out) {
    if (!g || g->error) return -1;
    if (!sizes || !out || n <= 0) {
        host_fail(g, "split %s: no sizes", node ? node : "");
        return -1;
    }
    int start = 0;
    for (int i = 0; i < n; i++) {
        char nm[256];
        if (node)
            snprintf(nm, sizeof nm, "%s.%d", node, i);
        else
            nm[0] = '\0';
        out[i] = b_slice(g, node ? nm : NULL, x, axis, start, start + sizes[i]);
        if (out[i] == ZOO_NONE) return -1;
        start += sizes[i];
    }
    if (valid_value(g, x) && start != *dim_ref(&g->values[x].shape, axis)) {
        host_fail(g, "split %s: sizes add up to %d, axis %d has %d", node ? node : "", start, axis,
                  *dim_ref(&g->values[x].shape, axis));
        return -1;
    }
    return 0;
}

static zoo_value b_binary(zoo_graph *g, zoo_op op, const char *node, zoo_value a, zoo_value b) {
    zoo_value in[2] = {a, b};
    int ni = begin_node(g, op, node, in, 2);
    if (ni < 0) return ZOO_NONE;
    zoo_shape sa = vshape(g, a), sb = vshape(g, b), out = sa;
    for (int ax = 1; ax <= 3; ax++) {
        int da = *dim_ref(&sa, ax), db = *dim_ref(&sb, ax);
        if (da != db && da != 1 && db != 1) {
            node_fail(g, g->nodes[ni].name, op, "shapes [%d,%d,%d] and [%d,%d,%d] do not broadcast",
                      sa.c, sa.h, sa.w, sb.c, sb.h, sb.w);
            return abort_node(g, ni);
        }
        *dim_ref(&out, ax) = da > db ? da : db;
    }
    return finish_node(g, ni, out);
}

static zoo_value b_add(zoo_graph *g, const char *node, zoo_value a, zoo_value b) {
    return b_binary(g, ZOO_OP_ADD, node, a, b);
}

static zoo_value b_mul(zoo_graph *g, const char *node, zoo_value a, zoo_value b) {
    return b_binary(g, ZOO_OP_MUL, node, a, b);
}

static zoo_value b_channel_shuffle(zoo_graph *g, const char *node, zoo_value x, int groups) {
    int ni = begin_node(g, ZOO_OP_CHANNEL_SHUFFLE, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    zoo_shape s = vshape(g, x);
    if (groups <= 0 || s.c % groups) {
        node_fail(g, g->nodes[ni].name, ZOO_OP_CHANNEL_SHUFFLE, "%d groups do not divide %d channels",
                  groups, s.c);
        return abort_node(g, ni);
    }
    g->nodes[ni].attr.shuffle.groups = groups;
    return finish_node(g, ni, s);
}

static zoo_value b_scale(zoo_graph *g, const char *node, zoo_value x, float scale, float bias) {
    int ni = begin_node(g, ZOO_OP_SCALE, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    g->nodes[ni].attr.scale.scale = scale;
    g->nodes[ni].attr.scale.bias = bias;
    return finish_node(g, ni, vshape(g, x));
}

static zoo_value b_reshape(zoo_graph *g, const char *node, zoo_value x, int c, int h, int w) {
    int ni = begin_node(g, ZOO_OP_RESHAPE, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    const char *nm = g->nodes[ni].name;
    zoo_shape s = vshape(g, x);
    int64_t total = zoo_shape_numel(s);
    int d[3] = {c, h, w}, unknown = -1;
    int64_t known = 1;
    for (int i = 0; i < 3; i++) {
        if (d[i] == -1 && unknown < 0) {
            unknown = i;
        } else if (d[i] <= 0) {
            node_fail(g, nm, ZOO_OP_RESHAPE, "bad target [%d,%d,%d]", c, h, w);
            return abort_node(g, ni);
        } else {
            known *= d[i];
        }
    }
    if (unknown >= 0) {
        if (total % known) {
            node_fail(g, nm, ZOO_OP_RESHAPE, "%lld elements do not fit [%d,%d,%d]",
                      (long long)total, c, h, w);
            return abort_node(g, ni);
        }
        d[unknown] = (int)(total / known);
        known = total;
    }
    if (known != total) {
        node_fail(g, nm, ZOO_OP_RESHAPE, "%lld elements do not fit [%d,%d,%d]", (long long)total, c,
                  h, w);
        return abort_node(g, ni);
    }
    return finish_node(g, ni, (zoo_shape){1, d[0], d[1], d[2]});
}

static zoo_value b_flatten(zoo_graph *g, const char *node, zoo_value x) {
    if (!g || g->error) return ZOO_NONE;
    if (!valid_value(g, x)) {
        host_fail(g, "flatten %s: input is not a value of this graph", node ? node : "");
        return ZOO_NONE;
    }
    zoo_shape s = vshape(g, x);
    int64_t n = zoo_shape_numel(s);
    return b_reshape(g, node, x, (int)n, 1, 1);
}

static zoo_value b_softmax(zoo_graph *g, const char *node, zoo_value x, int axis) {
    int ni = begin_node(g, ZOO_OP_SOFTMAX, node, &x, 1);
    if (ni < 0) return ZOO_NONE;
    if (axis < 1 || axis > 3) {
        node_fail(g, g->nodes[ni].name, ZOO_OP_SOFTMAX, "axis %d not in 1..3", axis);
        return abort_node(g, ni);
    }
    g->nodes[ni].attr.softmax.axis = axis;
    return finish_node(g, ni, vshape(g, x));
}

static zoo_value b_dropout(zoo_graph *g, const char *node, zoo_value x, float p,
                           zoo_dropout_mode mode) {
    if (!g || g->error) return ZOO_NONE;
    if (!valid_value(g, x)) {
        host_fail(g, "dropout %s: input is not a value of this graph", node ? node : "");
        return ZOO_NONE;
    }
    if (!(p >= 0.0f && p < 1.0f)) {
        host_fail(g, "dropout %s: probability %g not in [0, 1)", node ? node : "", (double)p);
        return ZOO_NONE;
    }
    if (mode == ZOO_DROPOUT_UPSCALE_IN_TRAIN) return x; /* identity at inference */
    if (mode != ZOO_DROPOUT_DOWNGRADE_IN_INFER) {
        host_fail(g, "dropout %s: unknown mode %d", node ? node : "", (int)mode);
        return ZOO_NONE;
    }
    return b_scale(g, node, x, 1.0f - p, 0.0f);
}

static int b_output(zoo_graph *g, zoo_value x) {
    if (!g || g->error) return -1;
    if (!valid_value(g, x)) {
        host_fail(g, "output: not a value of this graph");
        return -1;
    }
    if (g->output != ZOO_NONE) {
        host_fail(g, "output: the graph already has an output");
        return -1;
    }
    g->output = x;
    return 0;
}

static int b_shape(const zoo_graph *g, zoo_value v, zoo_shape *out) {
    if (!g || !valid_value(g, v) || !out) return -1;
    *out = g->values[v].shape;
    return 0;
}

static const char *b_graph_error(const zoo_graph *g) {
    return zoo_graph_error(g);
}

int zoo_registry_register_model(zoo_registrar *reg, const zoo_model_desc *desc); /* registry/ */

static const zoo_host_api host_api = {
    .abi_version = ZOO_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(zoo_host_api),
    .register_model = zoo_registry_register_model,
    .input = b_input,
    .conv2d = b_conv2d,
    .batchnorm = b_batchnorm,
    .linear = b_linear,
    .act = b_act,
    .pool2d = b_pool2d,
    .concat = b_concat,
    .slice = b_slice,
    .split = b_split,
    .add = b_add,
    .mul = b_mul,
    .channel_shuffle = b_channel_shuffle,
    .scale = b_scale,
    .reshape = b_reshape,
    .flatten = b_flatten,
    .softmax = b_softmax,
    .dropout = b_dropout,
    .output = b_output,
    .param_alias = host_param_alias,
    .param_flags = host_param_flags,
    .param_trainable = host_param_trainable,
    .ignore_source = host_ignore_source,
    .shape = b_shape,
    .fail = host_fail,
    .graph_error = b_graph_error,
    .param_alias_ex = host_param_alias_ex,
};

const zoo_host_api *zoo_host(void) {
    return &host_api;
}

/* ---- finalize and inspection ------------------------------------------------ */

int zoo_graph_finalize(zoo_graph *g, zoo_error *err) {
    if (!g) return zoo_error_set(err, ZOO_ERR_RUNTIME, "no graph");
    if (g->error) return zoo_error_set(err, ZOO_ERR_INPUT, "%s", g->error);
    if (g->input == ZOO_NONE)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: graph has no input", g->model_name);
    if (g->output == ZOO_NONE)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: graph has no output", g->model_name);
    g->finalized = true;
    return ZOO_OK;
}

const char *zoo_graph_model_name(const zoo_graph *g) {
    return g ? g->model_name : NULL;
}

int zoo_graph_node_count(const zoo_graph *g) {
    return g ? g->n_nodes : 0;
}

static int64_t node_params(const zoo_graph *g, const zoo_node *nd) {
    int64_t n = 0;
    for (int k = 0; k < ZOO_NODE_MAX_PARAMS; k++)
        if (nd->params[k] >= 0) n += g->params[nd->params[k]].numel;
    return n;
}

static int64_t node_macs(const zoo_graph *g, const zoo_node *nd) {
    zoo_shape o = g->values[nd->output].shape;
    if (nd->op == ZOO_OP_CONV2D) {
        const zoo_conv2d_desc *c = &nd->attr.conv;
        zoo_shape in = g->values[nd->inputs[0]].shape;
        return (int64_t)o.c * o.h * o.w * (in.c / c->groups) * c->kernel_h * c->kernel_w;
    }
    if (nd->op == ZOO_OP_LINEAR) {
        zoo_shape in = g->values[nd->inputs[0]].shape;
        return zoo_shape_numel(in) * nd->attr.linear.out_features;
    }
    return 0;
}

int zoo_graph_node(const zoo_graph *g, int i, zoo_node_info *out) {
    if (!g || i < 0 || i >= g->n_nodes || !out) return -1;
    const zoo_node *nd = &g->nodes[i];
    out->op = nd->op;
    out->name = nd->name;
    out->op_name = zoo_op_name(nd->op);
    out->n_inputs = nd->n_inputs;
    out->inputs = nd->inputs;
    out->output = nd->output;
    out->out_shape = g->values[nd->output].shape;
    out->params = node_params(g, nd);
    out->macs = node_macs(g, nd);
    return 0;
}

int zoo_graph_param_count(const zoo_graph *g) {
    return g ? g->n_params : 0;
}

int zoo_graph_param(const zoo_graph *g, int i, zoo_param_info *out) {
    if (!g || i < 0 || i >= g->n_params || !out) return -1;
    const zoo_param *p = &g->params[i];
    out->name = p->name;
    out->ndim = p->ndim;
    for (int k = 0; k < 4; k++) out->dims[k] = k < p->ndim ? p->dims[k] : 0;
    out->numel = p->numel;
    out->flags = p->flags;
    out->n_aliases = p->n_aliases;
    out->aliases = (const char *const *)p->aliases;
    out->alias_flags = p->alias_flags;
    out->trainable = p->trainable;
    out->bound = p->data != NULL;
    return 0;
}

zoo_shape zoo_graph_input_shape(const zoo_graph *g) {
    zoo_shape s = {0, 0, 0, 0};
    if (g && g->input != ZOO_NONE) s = g->values[g->input].shape;
    return s;
}

zoo_shape zoo_graph_output_shape(const zoo_graph *g) {
    zoo_shape s = {0, 0, 0, 0};
    if (g && g->output != ZOO_NONE) s = g->values[g->output].shape;
    return s;
}
