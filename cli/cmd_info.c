/* cli/cmd_info.c - `zoo info MODEL [--size N] [--no-layers]`: what `zoo list`
 * shows, the manifest's preprocessing and sources, computed parameters and
 * FLOPs next to PaddleClas' published figures (both counting rules), and the
 * layer summary (one line per node). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "zoo/manifest.h"

static void print_shape(char *buf, size_t n, zoo_shape s) {
    snprintf(buf, n, "%dx%dx%d", s.c, s.h, s.w);
}

static void ratio(char *buf, size_t n, double a, double b) {
    if (b > 0) snprintf(buf, n, "(%+.2f%%)", (a / b - 1.0) * 100.0);
    else snprintf(buf, n, "(table: -)");
}

int zoo_cmd_info(zoo_cli *cli, int argc, char **argv) {
    const char *name = NULL;
    int size = 0, layers = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-layers")) layers = 0;
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) size = atoi(argv[++i]);
        else if (argv[i][0] == '-') return zoo_cli_usage_error("info", "unknown option '%s'", argv[i]);
        else if (!name) name = argv[i];
        else return zoo_cli_usage_error("info", "one model at a time");
    }
    if (!name) return zoo_cli_usage_error("info", "missing MODEL");
    const zoo_model_desc *d = zoo_cli_find_model(cli, name);
    if (!d) return ZOO_ERR_NOTFOUND;
    zoo_error e = {0};
    zoo_graph *g = zoo_model_build(cli->ctx, d->name, size, size, &e);
    if (!g) return zoo_cli_fail(&e);
    zoo_graph_stats s;
    zoo_graph_stats_compute(g, &s);
    zoo_manifest m;
    zoo_error me = {0};
    int have_m = zoo_manifest_find(d->name, cli->manifest_dirs, &m, &me) == ZOO_OK;
    if (!have_m && me.code != ZOO_ERR_NOTFOUND) fprintf(stderr, "zoo: warning: %s\n", me.msg);
    char wpath[4096];
    struct stat st;
    int local = zoo_cli_model_weights_path(d->name, wpath, sizeof wpath) == 0 &&
                stat(wpath, &st) == 0;
    zoo_shape in = zoo_graph_input_shape(g), out = zoo_graph_output_shape(g);
    printf("model        %s\n", d->name);
    printf("family       %s\n", d->family);
    if (d->summary && *d->summary) printf("summary      %s\n", d->summary);
    printf("input        %dx%dx%d (default %d, resize_short %d)\n", in.c, in.h, in.w, d->input_size,
           d->resize_short);
    printf("output       %d classes\n", out.c);
    printf("weights      %s\n", local ? wpath : "not in the cache (zoo fetch MODEL)");
    if (have_m) {
        printf("manifest     %s\n", m.path);
        printf("license      %s\n", m.license[0] ? m.license : "-");
        printf("preprocess   resize_short %d, crop %d, %s, scale %.8g, mean %.3f/%.3f/%.3f, std "
               "%.3f/%.3f/%.3f, %s\n",
               m.preprocess.resize_short, m.preprocess.crop, m.preprocess.interpolation,
               m.preprocess.scale, m.preprocess.mean[0], m.preprocess.mean[1],
               m.preprocess.mean[2], m.preprocess.std[0], m.preprocess.std[1],
               m.preprocess.std[2], m.preprocess.channel_order);
        for (int i = 0; i < m.n_sources; i++)
            printf("source       %-22s %s%s%s\n", m.sources[i].kind, m.sources[i].url,
                   m.sources[i].sha256[0] ? " sha256:" : "", m.sources[i].sha256);
        if (m.reported.top1 >= 0) {
            char t5[32] = "-";
            if (m.reported.top5 >= 0) snprintf(t5, sizeof t5, "%.4f", m.reported.top5);
            printf("reported     top-1 %.4f, top-5 %s (%s)\n", m.reported.top1, t5, m.reported.source);
        }
    }
    double tp = have_m ? m.reported.params_m : -1, tf = have_m ? m.reported.flops_g : -1;
    char r1[32], r2[32], r3[32], r4[32], tps[32] = "-", tfs[32] = "-";
    if (tp >= 0) snprintf(tps, sizeof tps, "%.2f", tp);
    if (tf >= 0) snprintf(tfs, sizeof tfs, "%.3f", tf);
    ratio(r1, sizeof r1, s.params_trainable / 1e6, tp);
    ratio(r2, sizeof r2, s.stat_params / 1e6, tp);
    ratio(r3, sizeof r3, 2.0 * s.macs / 1e9, tf);
    ratio(r4, sizeof r4, s.stat_flops / 1e9, tf);
    printf("params       %.3f M trainable %s, %.3f M all (incl. BN statistics), "
           "%.3f M by model_stat rules %s; table %s M\n",
           s.params_trainable / 1e6, r1, s.params / 1e6, s.stat_params / 1e6, r2, tps);
    printf("flops        %.3f G (2 x %.3f G MACs) %s, %.3f G by model_stat rules %s; table %s G\n",
           2.0 * s.macs / 1e9, s.macs / 1e9, r3, s.stat_flops / 1e9, r4, tfs);
    printf("nodes        %d, parameters %d tensors\n", zoo_graph_node_count(g),
           zoo_graph_param_count(g));
    if (layers) {
        printf("\n%-5s %-56s %-16s %-14s %12s %14s\n", "#", "NODE", "OP", "OUTPUT", "PARAMS",
               "MACS");
        for (int i = 0; i < zoo_graph_node_count(g); i++) {
            zoo_node_info ni;
            zoo_graph_node(g, i, &ni);
            char sh[48];
            print_shape(sh, sizeof sh, ni.out_shape);
            printf("%-5d %-56s %-16s %-14s %12lld %14lld\n", i, ni.name, ni.op_name, sh,
                   (long long)ni.params, (long long)ni.macs);
        }
    }
    zoo_graph_free(g);
    return 0;
}
