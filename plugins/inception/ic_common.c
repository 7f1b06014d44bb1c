/* plugins/inception/ic_common.c - the shared builder helpers of the inception
 * plugin (see ic.h): name formatting, parameter metadata, conv / BN / linear
 * declarations with their alias sets, pools, concat. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ic.h"

const char *ic_fmt(ic_b *b, char *buf, size_t size, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        b->h->fail(b->g, "%s: parameter name too long (%.40s...)", b->model, buf);
        buf[0] = '\0';
    }
    return buf;
}

static int failed(const ic_b *b) {
    return b->h->graph_error(b->g) != NULL;
}

void ic_alias(ic_b *b, const char *name, const char *alias) {
    if (failed(b) || !alias || !*alias || !strcmp(name, alias)) return;
    if (b->h->param_alias(b->g, name, alias) != 0 && !failed(b))
        b->h->fail(b->g, "%s: cannot alias parameter '%s' as '%s'", b->model, name, alias);
}

void ic_frozen(ic_b *b, const char *name) {
    if (failed(b)) return;
    if (b->h->param_trainable(b->g, name, 0) != 0 && !failed(b))
        b->h->fail(b->g, "%s: cannot mark parameter '%s' non-trainable", b->model, name);
}

void ic_optional(ic_b *b, const char *name) {
    if (failed(b)) return;
    if (b->h->param_flags(b->g, name, ZOO_PARAM_OPTIONAL) != 0 && !failed(b))
        b->h->fail(b->g, "%s: cannot mark parameter '%s' optional", b->model, name);
}

void ic_ignore(ic_b *b, const char *source) {
    if (failed(b)) return;
    if (b->h->ignore_source(b->g, source) != 0 && !failed(b))
        b->h->fail(b->g, "%s: cannot declare ignored source '%s'", b->model, source);
}

/* node name for a parameterised op: the key without its last ".weight" */
static const char *node_name(ic_b *b, char *buf, const char *weight) {
    size_t n = strlen(weight);
    if (n > 7 && n - 7 < IC_NAME && !strcmp(weight + n - 7, ".weight")) {
        memcpy(buf, weight, n - 7);
        buf[n - 7] = '\0';
        return buf;
    }
    return ic_fmt(b, buf, IC_NAME, "%s", weight);
}

zoo_value ic_conv(ic_b *b, zoo_value x, const ic_conv_p *p, const char *weight,
                  const char *const *aliases) {
    zoo_conv2d_desc d = {.out_channels = p->cout,
                         .kernel_h = p->kh,
                         .kernel_w = p->kw,
                         .stride_h = p->stride,
                         .stride_w = p->stride,
                         .dilation_h = p->dilation,
                         .dilation_w = p->dilation,
                         .pad_top = p->ph,
                         .pad_bottom = p->ph,
                         .pad_left = p->pw,
                         .pad_right = p->pw,
                         .groups = p->groups};
    char node[IC_NAME];
    b->conv_n++;
    zoo_value y = b->h->conv2d(b->g, node_name(b, node, weight), x, &d, weight, NULL);
    for (int i = 0; aliases && aliases[i]; i++) ic_alias(b, weight, aliases[i]);
    return y;
}

zoo_value ic_bn(ic_b *b, zoo_value x, float eps, const char *key_prefix, const ic_bn_alias *aliases,
                int n_aliases) {
    static const char *const suffix[4][4] = {
        [IC_BN_KEY] = {".weight", ".bias", "._mean", "._variance"},
        [IC_BN_PADDLE] = {"_scale", "_offset", "_mean", "_variance"},
        [IC_BN_AUTO] = {".w_0", ".b_0", ".w_1", ".w_2"},
        [IC_BN_TF] = {"/gamma", "/beta", "/moving_mean", "/moving_variance"},
    };
    char k[4][IC_NAME], a[IC_NAME];
    for (int i = 0; i < 4; i++) ic_fmt(b, k[i], IC_NAME, "%s%s", key_prefix, suffix[IC_BN_KEY][i]);
    b->bn_n++;
    zoo_value y = b->h->batchnorm(b->g, key_prefix, x, eps, k[0], k[1], k[2], k[3]);
    for (int j = 0; j < n_aliases; j++)
        for (int i = 0; i < 4; i++)
            ic_alias(b, k[i],
                     ic_fmt(b, a, sizeof a, "%s%s", aliases[j].prefix, suffix[aliases[j].style][i]));
    ic_frozen(b, k[2]);
    ic_frozen(b, k[3]);
    return y;
}

zoo_value ic_linear(ic_b *b, zoo_value x, int out, const char *node, const char *key_prefix,
                    const char *weight_alias, const char *bias_alias) {
    char w[IC_NAME], bias[IC_NAME];
    ic_fmt(b, w, sizeof w, "%s.weight", key_prefix);
    ic_fmt(b, bias, sizeof bias, "%s.bias", key_prefix);
    b->linear_n++;
    zoo_value y = b->h->linear(b->g, node, x, out, w, bias);
    ic_alias(b, w, weight_alias);
    ic_alias(b, bias, bias_alias);
    return y;
}

zoo_value ic_relu(ic_b *b, zoo_value x) {
    return b->h->act(b->g, NULL, x, (zoo_act_desc){.kind = ZOO_ACT_RELU});
}

static zoo_value pool(ic_b *b, zoo_value x, zoo_pool_kind kind, int k, int stride, int pad,
                      int exclusive) {
    zoo_pool2d_desc p = {.kind = kind,
                         .kernel_h = k,
                         .kernel_w = k,
                         .stride_h = stride,
                         .stride_w = stride,
                         .pad_top = pad,
                         .pad_bottom = pad,
                         .pad_left = pad,
                         .pad_right = pad,
                         .exclusive = exclusive != 0};
    return b->h->pool2d(b->g, NULL, x, &p);
}

zoo_value ic_max_pool(ic_b *b, zoo_value x, int k, int stride, int pad) {
    return pool(b, x, ZOO_POOL_MAX, k, stride, pad, 0);
}

zoo_value ic_avg_pool(ic_b *b, zoo_value x, int k, int stride, int pad, int exclusive) {
    return pool(b, x, ZOO_POOL_AVG, k, stride, pad, exclusive);
}

zoo_value ic_gap(ic_b *b, zoo_value x) {
    zoo_pool2d_desc p = {.kind = ZOO_POOL_AVG, .global = true, .exclusive = true};
    return b->h->pool2d(b->g, NULL, x, &p);
}

zoo_value ic_concat(ic_b *b, const zoo_value *xs, int n) {
    return b->h->concat(b->g, NULL, xs, n, 1);
}
