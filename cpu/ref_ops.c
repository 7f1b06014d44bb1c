/* cpu/ref_ops.c - the reference ops (see ref_ops.h): each op written
 * directly from its definition in graph.h / docs, with double accumulation.
 * No tiling, no fusion, no cleverness: when the fast path and this file
 * disagree, this file is the one to read. */
#include "cpu/ref_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/geom.h"

static const float *pdata(const zoo_graph *g, const zoo_node *nd, int k) {
    return nd->params[k] >= 0 ? g->params[nd->params[k]].data : NULL;
}

/* y[n][oc][oy][ox] = bias[oc] + sum over the group's input channels ic and taps
 * (ky, kx) of w[oc][ic][ky][kx] * x[n][ic][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw]
 * (terms in the padding are 0). The loops run tap by tap over a double
 * accumulator plane, which adds the terms of every output in the same order
 * (ic, ky, kx) as the formula but is several times faster than recomputing
 * the indices per term, so whole models stay practical on the reference. */
static int ref_conv(const zoo_graph *g, const zoo_node *nd, const float *x, float *y, int batch) {
    cpu_conv_geom q;
    cpu_conv_geom_of(g, nd, &q);
    const float *wt = pdata(g, nd, 0), *bias = pdata(g, nd, 1);
    double *acc = malloc(sizeof(double) * (size_t)q.oh * q.ow);
    if (!acc) return -1;
    for (int n = 0; n < batch; n++)
        for (int oc = 0; oc < q.cout; oc++) {
            int grp = oc / q.cout_g;
            for (size_t i = 0; i < (size_t)q.oh * q.ow; i++) acc[i] = bias ? bias[oc] : 0.0;
            for (int ic = 0; ic < q.cin_g; ic++) {
                const float *plane = x + ((size_t)n * q.cin + (size_t)grp * q.cin_g + ic) * q.h * q.w;
                for (int ky = 0; ky < q.kh; ky++)
                    for (int kx = 0; kx < q.kw; kx++) {
                        double wv = wt[(((size_t)oc * q.cin_g + ic) * q.kh + ky) * q.kw + kx];
                        for (int oy = 0; oy < q.oh; oy++) {
                            int iy = oy * q.sh - q.pt + ky * q.dh;
                            if (iy < 0 || iy >= q.h) continue;
                            for (int ox = 0; ox < q.ow; ox++) {
                                int ix = ox * q.sw - q.pl + kx * q.dw;
                                if (ix < 0 || ix >= q.w) continue;
                                acc[(size_t)oy * q.ow + ox] += wv * plane[(size_t)iy * q.w + ix];
                            }
                        }
                    }
            }
            float *out = y + ((size_t)n * q.cout + oc) * q.oh * q.ow;
            for (size_t i = 0; i < (size_t)q.oh * q.ow; i++) out[i] = (float)acc[i];
        }
    free(acc);
    return 0;
}

static void ref_bn(const zoo_graph *g, const zoo_node *nd, zoo_shape s, const float *x, float *y,
                   int batch) {
    const float *sc = pdata(g, nd, 0), *bi = pdata(g, nd, 1), *mean = pdata(g, nd, 2),
                *var = pdata(g, nd, 3);
    size_t plane = (size_t)s.h * s.w;
    for (int n = 0; n < batch; n++)
        for (int c = 0; c < s.c; c++) {
            double inv = 1.0 / sqrt((double)var[c] + (double)nd->attr.bn.eps);
            size_t base = ((size_t)n * s.c + c) * plane;
            for (size_t i = 0; i < plane; i++)
                y[base + i] = (float)(((double)x[base + i] - mean[c]) * inv * sc[c] + bi[c]);
        }
}

static void ref_linear(const zoo_graph *g, const zoo_node *nd, size_t in_f, const float *x,
                       float *y, int batch) {
    const float *wt = pdata(g, nd, 0), *bias = pdata(g, nd, 1);
    int out_f = nd->attr.linear.out_features;
    for (int n = 0; n < batch; n++)
        for (int o = 0; o < out_f; o++) {
            double s = bias ? bias[o] : 0.0;
            for (size_t k = 0; k < in_f; k++)
                s += (double)x[(size_t)n * in_f + k] * wt[k * (size_t)out_f + o];
            y[(size_t)n * out_f + o] = (float)s;
        }
}

static double act_d(const zoo_act_desc *a, double x) {
    switch (a->kind) {
    case ZOO_ACT_RELU: return x > 0 ? x : 0;
    case ZOO_ACT_RELU6: return x < 0 ? 0 : (x > 6 ? 6 : x);
    case ZOO_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case ZOO_ACT_SWISH: return x / (1.0 + exp(-x));
    case ZOO_ACT_HARD_SIGMOID: {
        double v = (double)a->a * x + (double)a->b;
        return v < 0 ? 0 : (v > 1 ? 1 : v);
    }
    case ZOO_ACT_CLIP: return x < a->a ? a->a : (x > a->b ? a->b : x);
    default: return x;
    }
}

static void ref_pool(const zoo_graph *g, const zoo_node *nd, const float *x, float *y, int batch) {
    cpu_pool_geom p;
    cpu_pool_geom_of(g, nd, &p);
    for (int n = 0; n < batch; n++)
        for (int c = 0; c < p.c; c++) {
            const float *src = x + ((size_t)n * p.c + c) * p.h * p.w;
            float *dst = y + ((size_t)n * p.c + c) * p.oh * p.ow;
            for (int oy = 0; oy < p.oh; oy++)
                for (int ox = 0; ox < p.ow; ox++) {
                    int y0, y1, x0, x1;
                    cpu_pool_window(&p, 0, oy, &y0, &y1);
                    cpu_pool_window(&p, 1, ox, &x0, &x1);
                    int count = (y1 - y0) * (x1 - x0);
                    double acc = p.max ? -INFINITY : 0.0;
                    for (int iy = y0; iy < y1; iy++)
                        for (int ix = x0; ix < x1; ix++) {
                            double v = src[(size_t)iy * p.w + ix];
                            if (p.max)
                                acc = v > acc ? v : acc;
                            else
                                acc += v;
                        }
                    double r;
                    if (p.max) /* a window wholly in the padding (ceil mode): -FLT_MAX */
                        r = count ? acc : (double)CPU_POOL_EMPTY_MAX;
                    else /* empty: 0 / divisor, NaN or a signed 0 as in Paddle */
                        r = acc / cpu_pool_divisor(&p, oy, ox);
                    dst[oy * p.ow + ox] = (float)r;
                }
        }
}

static int dim_of(zoo_shape s, int axis) { return axis == 1 ? s.c : axis == 2 ? s.h : s.w; }

/* index of element (c, h, w) of an image of shape s */
static size_t at(zoo_shape s, int c, int h, int w) {
    return ((size_t)c * s.h + h) * s.w + w;
}

static void ref_concat(const zoo_graph *g, const zoo_node *nd, const float *const *in, float *y,
                       int batch) {
    zoo_shape os = g->values[nd->output].shape;
    int axis = nd->attr.concat.axis;
    for (int n = 0; n < batch; n++) {
        int off = 0;
        for (int k = 0; k < nd->n_inputs; k++) {
            zoo_shape s = g->values[nd->inputs[k]].shape;
            const float *src = in[k] + (size_t)n * zoo_shape_numel(s);
            float *dst = y + (size_t)n * zoo_shape_numel(os);
            for (int c = 0; c < s.c; c++)
                for (int h = 0; h < s.h; h++)
                    for (int w = 0; w < s.w; w++)
                        dst[at(os, c + (axis == 1 ? off : 0), h + (axis == 2 ? off : 0),
                               w + (axis == 3 ? off : 0))] = src[at(s, c, h, w)];
            off += dim_of(s, axis);
        }
    }
}

static void ref_slice(const zoo_graph *g, const zoo_node *nd, const float *x, float *y,
                      int batch) {
    zoo_shape is = g->values[nd->inputs[0]].shape, os = g->values[nd->output].shape;
    int axis = nd->attr.slice.axis, st = nd->attr.slice.start;
    for (int n = 0; n < batch; n++) {
        const float *src = x + (size_t)n * zoo_shape_numel(is);
        float *dst = y + (size_t)n * zoo_shape_numel(os);
        for (int c = 0; c < os.c; c++)
            for (int h = 0; h < os.h; h++)
                for (int w = 0; w < os.w; w++)
                    dst[at(os, c, h, w)] = src[at(is, c + (axis == 1 ? st : 0),
                                                  h + (axis == 2 ? st : 0),
                                                  w + (axis == 3 ? st : 0))];
    }
}

static void ref_binary(const zoo_graph *g, const zoo_node *nd, const float *a, const float *b,
                       float *y, int batch) {
    zoo_shape as = g->values[nd->inputs[0]].shape, bs = g->values[nd->inputs[1]].shape,
              os = g->values[nd->output].shape;
    bool mul = nd->op == ZOO_OP_MUL;
    for (int n = 0; n < batch; n++) {
        const float *pa = a + (size_t)n * zoo_shape_numel(as);
        const float *pb = b + (size_t)n * zoo_shape_numel(bs);
        float *py = y + (size_t)n * zoo_shape_numel(os);
        for (int c = 0; c < os.c; c++)
            for (int h = 0; h < os.h; h++)
                for (int w = 0; w < os.w; w++) {
                    /* numpy broadcast: a size-1 dim is read at index 0 */
                    float va = pa[at(as, as.c == 1 ? 0 : c, as.h == 1 ? 0 : h, as.w == 1 ? 0 : w)];
                    float vb = pb[at(bs, bs.c == 1 ? 0 : c, bs.h == 1 ? 0 : h, bs.w == 1 ? 0 : w)];
                    py[at(os, c, h, w)] = mul ? va * vb : va + vb;
                }
    }
}

static void ref_shuffle(const zoo_graph *g, const zoo_node *nd, const float *x, float *y,
                        int batch) {
    zoo_shape s = g->values[nd->output].shape;
    int groups = nd->attr.shuffle.groups, per = s.c / groups;
    size_t plane = (size_t)s.h * s.w;
    for (int n = 0; n < batch; n++)
        for (int i = 0; i < groups; i++)
            for (int j = 0; j < per; j++) /* out[c = j*g + i] = in[i*k + j] */
                memcpy(y + ((size_t)n * s.c + (size_t)j * groups + i) * plane,
                       x + ((size_t)n * s.c + (size_t)i * per + j) * plane, plane * sizeof(float));
}

static void ref_softmax(const zoo_graph *g, const zoo_node *nd, const float *x, float *y,
                        int batch) {
    zoo_shape s = g->values[nd->output].shape;
    int axis = nd->attr.softmax.axis;
    int len = dim_of(s, axis);
    for (int n = 0; n < batch; n++) {
        const float *src = x + (size_t)n * zoo_shape_numel(s);
        float *dst = y + (size_t)n * zoo_shape_numel(s);
        /* every (c, h, w) with index 0 along the axis starts one softmax row */
        for (int c = 0; c < (axis == 1 ? 1 : s.c); c++)
            for (int h = 0; h < (axis == 2 ? 1 : s.h); h++)
                for (int w = 0; w < (axis == 3 ? 1 : s.w); w++) {
                    double mx = -INFINITY, sum = 0.0;
                    for (int t = 0; t < len; t++) {
                        double v = src[at(s, c + (axis == 1) * t, h + (axis == 2) * t,
                                          w + (axis == 3) * t)];
                        mx = v > mx ? v : mx;
                    }
                    for (int t = 0; t < len; t++)
                        sum += exp(src[at(s, c + (axis == 1) * t, h + (axis == 2) * t,
                                          w + (axis == 3) * t)] - mx);
                    for (int t = 0; t < len; t++) {
                        size_t i = at(s, c + (axis == 1) * t, h + (axis == 2) * t,
                                      w + (axis == 3) * t);
                        dst[i] = (float)(exp(src[i] - mx) / sum);
                    }
                }
    }
}

int cpu_ref_node(const zoo_graph *g, int i, const float *const *in, float *out, int batch) {
    const zoo_node *nd = &g->nodes[i];
    zoo_shape os = g->values[nd->output].shape;
    size_t total = (size_t)batch * zoo_shape_numel(os);
    switch (nd->op) {
    case ZOO_OP_INPUT: break; /* the backend fills the input value itself */
    case ZOO_OP_CONV2D: return ref_conv(g, nd, in[0], out, batch);
    case ZOO_OP_BATCHNORM: ref_bn(g, nd, os, in[0], out, batch); break;
    case ZOO_OP_LINEAR:
        ref_linear(g, nd, (size_t)zoo_shape_numel(g->values[nd->inputs[0]].shape), in[0], out,
                   batch);
        break;
    case ZOO_OP_ACT:
        for (size_t k = 0; k < total; k++) out[k] = (float)act_d(&nd->attr.act, in[0][k]);
        break;
    case ZOO_OP_POOL2D: ref_pool(g, nd, in[0], out, batch); break;
    case ZOO_OP_CONCAT: ref_concat(g, nd, in, out, batch); break;
    case ZOO_OP_SLICE: ref_slice(g, nd, in[0], out, batch); break;
    case ZOO_OP_ADD:
    case ZOO_OP_MUL: ref_binary(g, nd, in[0], in[1], out, batch); break;
    case ZOO_OP_CHANNEL_SHUFFLE: ref_shuffle(g, nd, in[0], out, batch); break;
    case ZOO_OP_SCALE:
        for (size_t k = 0; k < total; k++)
            out[k] = (float)((double)in[0][k] * nd->attr.scale.scale + nd->attr.scale.bias);
        break;
    case ZOO_OP_RESHAPE: memcpy(out, in[0], total * sizeof(float)); break;
    case ZOO_OP_SOFTMAX: ref_softmax(g, nd, in[0], out, batch); break;
    default: break; /* refused by cpu_check_graph */
    }
    return 0;
}
