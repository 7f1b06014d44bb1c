/* core/graph_stats.c - parameter and FLOP counts of a graph (zoo_graph_stats_compute).
 *
 * Two views:
 *  - plain: all parameter elements, trainable ones (BN running statistics
 *    excluded) and multiply-accumulates of conv and linear nodes at batch 1;
 *  - "stat": the rules of Paddle's fluid.contrib.model_stat.summary, which
 *    produced PaddleClas' published FLOPs/Params columns (docs/formats.md
 *    section 8), quirks included:
 *      conv:    flops 2*Ho*Wo*Co*(kh*kw*Cin_filter/groups + has_bias), where
 *               Cin_filter is already Cin/groups (grouped convs divided twice);
 *               params Co*(kh*kw*Cin_filter/groups + has_bias)
 *      linear:  only when the node's name contains "fc" (model_stat matched the
 *               output variable name): flops k_in*k_out, params k_in*k_out + 1
 *      batchnorm: flops 2*C*H*W, params 2*C
 *      relu / sigmoid: flops = elements; other activations 0
 *      pool:    flops Ho*Wo*C*kh*kw (global: the input plane as kernel)
 *      everything else 0.
 */
#include <string.h>

#include "core/graph_impl.h"

void zoo_graph_stats_compute(const zoo_graph *g, zoo_graph_stats *out) {
    memset(out, 0, sizeof *out);
    if (!g) return;
    for (int i = 0; i < g->n_params; i++) {
        out->params += g->params[i].numel;
        if (g->params[i].trainable) out->params_trainable += g->params[i].numel;
    }
    double sflops = 0, sparams = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        const zoo_node *nd = &g->nodes[i];
        zoo_node_info info;
        zoo_graph_node(g, i, &info);
        out->macs += info.macs;
        zoo_shape o = g->values[nd->output].shape;
        double onum = (double)o.c * o.h * o.w;
        switch (nd->op) {
        case ZOO_OP_CONV2D: {
            const zoo_conv2d_desc *c = &nd->attr.conv;
            zoo_shape in = g->values[nd->inputs[0]].shape;
            double cin_filter = (double)(in.c / c->groups);
            double kernel_ops = (double)c->kernel_h * c->kernel_w * (cin_filter / c->groups);
            double bias_ops = nd->params[1] >= 0 ? 1.0 : 0.0;
            sflops += 2.0 * onum * (kernel_ops + bias_ops);
            sparams += (double)o.c * (kernel_ops + bias_ops);
            break;
        }
        case ZOO_OP_LINEAR:
            if (strstr(nd->name, "fc")) {
                zoo_shape in = g->values[nd->inputs[0]].shape;
                double kin = (double)in.c * in.h * in.w, kout = nd->attr.linear.out_features;
                sflops += kin * kout;
                sparams += kin * kout + 1.0;
            }
            break;
        case ZOO_OP_BATCHNORM:
            sflops += 2.0 * onum;
            sparams += 2.0 * o.c;
            break;
        case ZOO_OP_ACT:
            if (nd->attr.act.kind == ZOO_ACT_RELU || nd->attr.act.kind == ZOO_ACT_SIGMOID)
                sflops += onum;
            break;
        case ZOO_OP_POOL2D: {
            const zoo_pool2d_desc *p = &nd->attr.pool;
            zoo_shape in = g->values[nd->inputs[0]].shape;
            double k;
            if (p->global)
                k = (double)in.h * in.w;
            else if (p->adaptive_h > 0)
                k = (double)((in.h + p->adaptive_h - 1) / p->adaptive_h) *
                    ((in.w + p->adaptive_w - 1) / p->adaptive_w);
            else
                k = (double)p->kernel_h * p->kernel_w;
            sflops += onum * k;
            break;
        }
        default:
            break;
        }
    }
    out->stat_flops = (int64_t)(sflops + 0.5);
    out->stat_params = (int64_t)(sparams + 0.5);
}
