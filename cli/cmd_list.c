/* cli/cmd_list.c - `zoo list [--local] [--json]`: every registered model with
 * its family, input size, computed params and FLOPs (2 x MACs), the reported
 * top-1 from its manifest and whether native weights are in the cache. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "zoo/manifest.h"

/* "natural" order: runs of digits compare by value, so DPN68 < DPN92 < DPN107 */
static int natural_cmp(const char *a, const char *b) {
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            char *ea, *eb;
            unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
            if (x != y) return x < y ? -1 : 1;
            a = ea;
            b = eb;
        } else {
            if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

static int cmp_desc(const void *x, const void *y) {
    const zoo_model_desc *a = *(const zoo_model_desc *const *)x, *b = *(const zoo_model_desc *const *)y;
    return natural_cmp(a->name, b->name);
}

int zoo_cmd_list(zoo_cli *cli, int argc, char **argv) {
    int local_only = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--local")) local_only = 1;
        else if (!strcmp(argv[i], "--json")) json = 1;
        else return zoo_cli_usage_error("list", "unknown option '%s'", argv[i]);
    }
    int n = zoo_model_count(cli->ctx);
    if (!json)
        printf("%-26s %-13s %5s %9s %9s %7s  %s\n", "MODEL", "FAMILY", "SIZE", "PARAMS(M)",
               "FLOPS(G)", "TOP1", "WEIGHTS");
    else
        printf("[");
    int shown = 0;
    const zoo_model_desc **order = malloc(sizeof *order * (size_t)(n ? n : 1));
    if (!order) {
        fprintf(stderr, "zoo: out of memory\n");
        return ZOO_ERR_RUNTIME;
    }
    for (int i = 0; i < n; i++) order[i] = zoo_model_at(cli->ctx, i);
    qsort(order, (size_t)n, sizeof *order, cmp_desc);
    for (int i = 0; i < n; i++) {
        const zoo_model_desc *d = order[i];
        char wpath[4096];
        struct stat st;
        int local = zoo_cli_model_weights_path(d->name, wpath, sizeof wpath) == 0 &&
                    stat(wpath, &st) == 0;
        if (local_only && !local) continue;
        zoo_error e = {0};
        zoo_graph *g = zoo_model_build(cli->ctx, d->name, 0, 0, &e);
        zoo_graph_stats s = {0};
        if (g) zoo_graph_stats_compute(g, &s);
        zoo_graph_free(g);
        zoo_manifest m;
        zoo_error me = {0};
        double top1 = -1;
        if (zoo_manifest_find(d->name, cli->manifest_dirs, &m, &me) == ZOO_OK)
            top1 = m.reported.top1;
        double pm = (double)s.params_trainable / 1e6, gf = 2.0 * (double)s.macs / 1e9;
        if (json) {
            printf("%s\n {\"name\": \"%s\", \"family\": \"%s\", \"input_size\": %d, "
                   "\"params_m\": %.4f, \"flops_g\": %.4f, \"top1\": ",
                   shown ? "," : "", d->name, d->family, d->input_size, pm, gf);
            if (top1 >= 0) printf("%.4f", top1);
            else printf("null");
            printf(", \"weights\": %s}", local ? "true" : "false");
        } else {
            char t1[16];
            if (top1 >= 0) snprintf(t1, sizeof t1, "%.2f%%", top1 * (top1 <= 1 ? 100 : 1));
            else snprintf(t1, sizeof t1, "-");
            printf("%-26s %-13s %5d %9.2f %9.3f %7s  %s\n", d->name, d->family, d->input_size, pm,
                   gf, t1, local ? "yes" : "-");
        }
        if (!g) fprintf(stderr, "zoo: warning: %s\n", e.msg);
        shown++;
    }
    free(order);
    if (json) printf("\n]\n");
    else if (n == 0) fprintf(stderr, "zoo: no models registered (no plugins found)\n");
    return 0;
}
