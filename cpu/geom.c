/* cpu/geom.c - op geometry, graph validation and use counts shared by the
 * CPU backends (see geom.h). Validation is strict: the kernels index memory
 * with these shapes, so anything inconsistent is refused here with a message
 * naming the node. */
#include "cpu/geom.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int one_if_zero(int v) { return v == 0 ? 1 : v; }

void cpu_conv_geom_of(const zoo_graph *g, const zoo_node *nd, cpu_conv_geom *o) {
    const zoo_conv2d_desc *d = &nd->attr.conv;
    zoo_shape in = g->values[nd->inputs[0]].shape;
    zoo_shape out = g->values[nd->output].shape;
    memset(o, 0, sizeof *o);
    o->cin = in.c;
    o->h = in.h;
    o->w = in.w;
    o->cout = out.c;
    o->oh = out.h;
    o->ow = out.w;
    o->kh = d->kernel_h;
    o->kw = d->kernel_w;
    o->sh = one_if_zero(d->stride_h);
    o->sw = one_if_zero(d->stride_w);
    o->dh = one_if_zero(d->dilation_h);
    o->dw = one_if_zero(d->dilation_w);
    o->pt = d->pad_top;
    o->pb = d->pad_bottom;
    o->pl = d->pad_left;
    o->pr = d->pad_right;
    o->groups = one_if_zero(d->groups);
    o->cin_g = o->groups > 0 ? o->cin / o->groups : 0;
    o->cout_g = o->groups > 0 ? o->cout / o->groups : 0;
}

void cpu_pool_geom_of(const zoo_graph *g, const zoo_node *nd, cpu_pool_geom *o) {
    const zoo_pool2d_desc *d = &nd->attr.pool;
    zoo_shape in = g->values[nd->inputs[0]].shape;
    zoo_shape out = g->values[nd->output].shape;
    memset(o, 0, sizeof *o);
    o->c = in.c;
    o->h = in.h;
    o->w = in.w;
    o->oh = out.h;
    o->ow = out.w;
    o->max = d->kind == ZOO_POOL_MAX;
    if (d->global || d->adaptive_h > 0 || d->adaptive_w > 0) {
        o->adaptive = true;
        o->exclusive = true;
        return;
    }
    o->kh = d->kernel_h;
    o->kw = d->kernel_w;
    o->sh = one_if_zero(d->stride_h);
    o->sw = one_if_zero(d->stride_w);
    o->pt = d->pad_top;
    o->pl = d->pad_left;
    o->exclusive = d->exclusive;
}

void cpu_value_uses(const zoo_graph *g, int *n_uses, int *last_use) {
    for (int v = 0; v < g->n_values; v++) {
        n_uses[v] = 0;
        last_use[v] = g->values[v].producer;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const zoo_node *nd = &g->nodes[i];
        for (int k = 0; k < nd->n_inputs; k++) {
            n_uses[nd->inputs[k]]++;
            last_use[nd->inputs[k]] = i;
        }
    }
    if (g->output >= 0 && g->output < g->n_values) {
        n_uses[g->output]++;
        last_use[g->output] = g->n_nodes;
    }
}

/* ---- validation ---------------------------------------------------------- */

typedef struct chk {
    const zoo_graph *g;
    const char *backend;
    const zoo_node *nd;
    zoo_error *err;
} chk;

__attribute__((format(printf, 2, 3))) static int bad(const chk *c, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return zoo_error_set(c->err, ZOO_ERR_INPUT, "%s backend: graph '%s', node '%s' (%s): %s",
                         c->backend, c->g->model_name ? c->g->model_name : "?",
                         c->nd->name ? c->nd->name : "?", zoo_op_name(c->nd->op), msg);
}

static bool same_shape(zoo_shape a, zoo_shape b) {
    return a.c == b.c && a.h == b.h && a.w == b.w;
}

static int dim_of(zoo_shape s, int axis) { return axis == 1 ? s.c : axis == 2 ? s.h : s.w; }

/* param k of the node must be bound with `numel` elements (or absent when optional) */
static int need_param(const chk *c, int k, int64_t numel, bool optional) {
    int p = c->nd->params[k];
    if (p < 0) return optional ? 0 : bad(c, "parameter %d missing", k);
    if (p >= c->g->n_params) return bad(c, "parameter index %d out of range", p);
    const zoo_param *pa = &c->g->params[p];
    if (!pa->data) return bad(c, "parameter '%s' is not bound", pa->name);
    if (pa->numel != numel)
        return bad(c, "parameter '%s' has %lld elements, the op needs %lld", pa->name,
                   (long long)pa->numel, (long long)numel);
    return 0;
}

static int check_conv(const chk *c, zoo_shape in, zoo_shape out) {
    cpu_conv_geom q;
    cpu_conv_geom_of(c->g, c->nd, &q);
    if (q.kh <= 0 || q.kw <= 0 || q.sh <= 0 || q.sw <= 0 || q.dh <= 0 || q.dw <= 0 || q.pt < 0 ||
        q.pb < 0 || q.pl < 0 || q.pr < 0 || q.groups <= 0)
        return bad(c, "invalid kernel/stride/dilation/padding/groups");
    if (in.c % q.groups || out.c % q.groups)
        return bad(c, "channels %d -> %d not divisible by groups %d", in.c, out.c, q.groups);
    if (out.c != c->nd->attr.conv.out_channels)
        return bad(c, "output has %d channels, desc says %d", out.c, c->nd->attr.conv.out_channels);
    int64_t ekh = (int64_t)q.dh * (q.kh - 1) + 1, ekw = (int64_t)q.dw * (q.kw - 1) + 1;
    int64_t oh = ((int64_t)in.h + q.pt + q.pb - ekh) / q.sh + 1;
    int64_t ow = ((int64_t)in.w + q.pl + q.pr - ekw) / q.sw + 1;
    if ((int64_t)in.h + q.pt + q.pb < ekh || (int64_t)in.w + q.pl + q.pr < ekw)
        return bad(c, "kernel larger than the padded input");
    if (oh != out.h || ow != out.w)
        return bad(c, "output %dx%d, expected %lldx%lld", out.h, out.w, (long long)oh,
                   (long long)ow);
    int rc = need_param(c, 0, (int64_t)out.c * (in.c / q.groups) * q.kh * q.kw, false);
    if (!rc) rc = need_param(c, 1, out.c, true);
    return rc;
}

static int64_t pool_out(int in, int k, int s, int p0, int p1, bool ceil_mode) {
    int64_t span = (int64_t)in + p0 + p1 - k;
    if (span < 0) return -1;
    return (ceil_mode ? (span + s - 1) / s : span / s) + 1;
}

static int check_pool(const chk *c, zoo_shape in, zoo_shape out) {
    const zoo_pool2d_desc *d = &c->nd->attr.pool;
    if (d->kind != ZOO_POOL_MAX && d->kind != ZOO_POOL_AVG) return bad(c, "unknown pool kind");
    if (d->global) {
        if (out.h != 1 || out.w != 1) return bad(c, "global pool output must be 1x1");
        return 0;
    }
    if (d->adaptive_h > 0 || d->adaptive_w > 0) {
        if (out.h != d->adaptive_h || out.w != d->adaptive_w)
            return bad(c, "adaptive output %dx%d, desc says %dx%d", out.h, out.w, d->adaptive_h,
                       d->adaptive_w);
        return 0;
    }
    int sh = one_if_zero(d->stride_h), sw = one_if_zero(d->stride_w);
    if (d->kernel_h <= 0 || d->kernel_w <= 0 || sh <= 0 || sw <= 0 || d->pad_top < 0 ||
        d->pad_bottom < 0 || d->pad_left < 0 || d->pad_right < 0)
        return bad(c, "invalid kernel/stride/padding");
    int64_t oh = pool_out(in.h, d->kernel_h, sh, d->pad_top, d->pad_bottom, d->ceil_mode);
    int64_t ow = pool_out(in.w, d->kernel_w, sw, d->pad_left, d->pad_right, d->ceil_mode);
    if (oh <= 0 || ow <= 0) return bad(c, "kernel larger than the padded input");
    if (oh != out.h || ow != out.w)
        return bad(c, "output %dx%d, expected %lldx%lld", out.h, out.w, (long long)oh,
                   (long long)ow);
    return 0;
}

static int check_broadcast(const chk *c, zoo_shape a, zoo_shape b, zoo_shape out) {
    int da[3] = {a.c, a.h, a.w}, db[3] = {b.c, b.h, b.w}, dout[3] = {out.c, out.h, out.w};
    for (int k = 0; k < 3; k++) {
        if (da[k] != db[k] && da[k] != 1 && db[k] != 1)
            return bad(c, "shapes %dx%dx%d and %dx%dx%d do not broadcast", a.c, a.h, a.w, b.c,
                       b.h, b.w);
        int m = da[k] > db[k] ? da[k] : db[k];
        if (dout[k] != m) return bad(c, "output shape does not match the broadcast");
    }
    return 0;
}

static int check_node(const chk *c) {
    const zoo_graph *g = c->g;
    const zoo_node *nd = c->nd;
    static const int n_in[ZOO_OP__COUNT] = {
        [ZOO_OP_INPUT] = 0,   [ZOO_OP_CONV2D] = 1,          [ZOO_OP_BATCHNORM] = 1,
        [ZOO_OP_LINEAR] = 1,  [ZOO_OP_ACT] = 1,             [ZOO_OP_POOL2D] = 1,
        [ZOO_OP_CONCAT] = -1, [ZOO_OP_SLICE] = 1,           [ZOO_OP_ADD] = 2,
        [ZOO_OP_MUL] = 2,     [ZOO_OP_CHANNEL_SHUFFLE] = 1, [ZOO_OP_SCALE] = 1,
        [ZOO_OP_RESHAPE] = 1, [ZOO_OP_SOFTMAX] = 1,
    };
    if ((int)nd->op < 0 || nd->op >= ZOO_OP__COUNT) return bad(c, "unknown op %d", (int)nd->op);
    if (n_in[nd->op] >= 0 ? nd->n_inputs != n_in[nd->op] : nd->n_inputs < 1)
        return bad(c, "wrong number of inputs (%d)", nd->n_inputs);
    for (int k = 0; k < nd->n_inputs; k++)
        if (nd->inputs[k] < 0 || nd->inputs[k] >= g->n_values ||
            g->values[nd->inputs[k]].producer >= (int)(nd - g->nodes))
            return bad(c, "input %d is not an earlier value", k);
    if (nd->output < 0 || nd->output >= g->n_values) return bad(c, "bad output value");
    zoo_shape out = g->values[nd->output].shape;
    if (out.c <= 0 || out.h <= 0 || out.w <= 0) return bad(c, "empty output shape");
    if ((int64_t)out.c * out.h * out.w > ((int64_t)1 << 31) - 1)
        return bad(c, "output too large (%lld elements per image)",
                   (long long)zoo_shape_numel(out));
    zoo_shape in = nd->n_inputs > 0 ? g->values[nd->inputs[0]].shape : out;
    switch (nd->op) {
    case ZOO_OP_INPUT: return 0;
    case ZOO_OP_CONV2D: return check_conv(c, in, out);
    case ZOO_OP_BATCHNORM:
        if (!same_shape(in, out)) return bad(c, "output shape differs from input");
        for (int k = 0; k < 4; k++) {
            int rc = need_param(c, k, in.c, false);
            if (rc) return rc;
        }
        if (!(nd->attr.bn.eps >= 0.0f)) return bad(c, "invalid epsilon");
        return 0;
    case ZOO_OP_LINEAR: {
        int64_t k = zoo_shape_numel(in);
        if (out.c != nd->attr.linear.out_features || out.h != 1 || out.w != 1)
            return bad(c, "output must be [%d, 1, 1]", nd->attr.linear.out_features);
        int rc = need_param(c, 0, k * out.c, false);
        if (!rc) rc = need_param(c, 1, out.c, true);
        return rc;
    }
    case ZOO_OP_ACT:
        if (!same_shape(in, out)) return bad(c, "output shape differs from input");
        if ((int)nd->attr.act.kind < 0 || nd->attr.act.kind >= ZOO_ACT__COUNT)
            return bad(c, "unknown activation %d", (int)nd->attr.act.kind);
        return 0;
    case ZOO_OP_POOL2D:
        if (out.c != in.c) return bad(c, "pooling changes the channel count");
        return check_pool(c, in, out);
    case ZOO_OP_CONCAT: {
        int axis = nd->attr.concat.axis;
        if (axis < 1 || axis > 3) return bad(c, "axis %d not in 1..3", axis);
        int64_t sum = 0;
        for (int k = 0; k < nd->n_inputs; k++) {
            zoo_shape s = g->values[nd->inputs[k]].shape;
            for (int a = 1; a <= 3; a++)
                if (a != axis && dim_of(s, a) != dim_of(out, a))
                    return bad(c, "input %d does not match along axis %d", k, a);
            sum += dim_of(s, axis);
        }
        if (sum != dim_of(out, axis)) return bad(c, "output size along the axis is not the sum");
        return 0;
    }
    case ZOO_OP_SLICE: {
        int axis = nd->attr.slice.axis, st = nd->attr.slice.start, en = nd->attr.slice.end;
        if (axis < 1 || axis > 3) return bad(c, "axis %d not in 1..3", axis);
        if (st < 0 || en > dim_of(in, axis) || st >= en)
            return bad(c, "range [%d, %d) invalid for size %d", st, en, dim_of(in, axis));
        for (int a = 1; a <= 3; a++)
            if (dim_of(out, a) != (a == axis ? en - st : dim_of(in, a)))
                return bad(c, "output shape does not match the slice");
        return 0;
    }
    case ZOO_OP_ADD:
    case ZOO_OP_MUL: return check_broadcast(c, in, g->values[nd->inputs[1]].shape, out);
    case ZOO_OP_CHANNEL_SHUFFLE:
        if (!same_shape(in, out)) return bad(c, "output shape differs from input");
        if (nd->attr.shuffle.groups <= 0 || in.c % nd->attr.shuffle.groups)
            return bad(c, "%d channels not divisible by %d groups", in.c, nd->attr.shuffle.groups);
        return 0;
    case ZOO_OP_SCALE:
        if (!same_shape(in, out)) return bad(c, "output shape differs from input");
        return 0;
    case ZOO_OP_RESHAPE:
        if (zoo_shape_numel(in) != zoo_shape_numel(out)) return bad(c, "element count changes");
        return 0;
    case ZOO_OP_SOFTMAX:
        if (!same_shape(in, out)) return bad(c, "output shape differs from input");
        if (nd->attr.softmax.axis < 1 || nd->attr.softmax.axis > 3)
            return bad(c, "axis %d not in 1..3", nd->attr.softmax.axis);
        return 0;
    default: return bad(c, "op not supported");
    }
}

int cpu_check_graph(const zoo_graph *g, const char *backend, zoo_error *err) {
    if (!g || !g->finalized || g->n_nodes < 1)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s backend: graph is not finalized", backend);
    if (g->output < 0 || g->output >= g->n_values || g->input < 0 || g->input >= g->n_values ||
        g->nodes[0].op != ZOO_OP_INPUT || g->nodes[0].output != g->input)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s backend: graph '%s' has no valid input/output",
                             backend, g->model_name ? g->model_name : "?");
    for (int i = 0; i < g->n_nodes; i++) {
        chk c = {g, backend, &g->nodes[i], err};
        if (i > 0 && g->nodes[i].op == ZOO_OP_INPUT) return bad(&c, "a second input node");
        if (g->nodes[i].output >= 0 && g->nodes[i].output < g->n_values &&
            g->values[g->nodes[i].output].producer != i)
            return bad(&c, "value/producer tables disagree");
        int rc = check_node(&c);
        if (rc) return rc;
    }
    return 0;
}
