/* fetch/progress.c - the one-line progress bar of a download, drawn with '\r'
 * on a terminal (the caller passes NULL when stdout is not one, or --quiet):
 *     EfficientNetB7_pretrained.pdparams  42% [########..........] 110.2 MB/265.3 MB  85.1 MB/s  ETA 0:02
 * Without a known total: bytes and rate only. The rate is smoothed
 * (exponential moving average of 0.25 s samples); at most 10 redraws a second. */
#include <stdio.h>
#include <string.h>

#include "fetch/fetch_impl.h"

void zoo_format_bytes(double b, char *buf, size_t size) {
    if (b < 1e3) snprintf(buf, size, "%.0f B", b);
    else if (b < 1e6) snprintf(buf, size, "%.1f kB", b / 1e3);
    else if (b < 1e9) snprintf(buf, size, "%.1f MB", b / 1e6);
    else snprintf(buf, size, "%.2f GB", b / 1e9);
}

void zoo_progress_init(zoo_progress *p, FILE *out, const char *label) {
    memset(p, 0, sizeof *p);
    p->out = out;
    size_t n = strlen(label ? label : "");
    if (n < sizeof p->label) snprintf(p->label, sizeof p->label, "%s", label ? label : "");
    else snprintf(p->label, sizeof p->label, "...%s", label + n - (sizeof p->label - 4));
    p->t0 = p->rate_t = p->last_draw = zoo_now();
    p->rate_bytes = -1;
}

static void fmt_eta(double s, char *buf, size_t size) {
    if (s < 0 || s > 359999) {
        snprintf(buf, size, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

void zoo_progress_update(zoo_progress *p, long long now, long long total, int force) {
    if (!p->out) return;
    double t = zoo_now();
    if (p->rate_bytes < 0) { /* first sample: the bytes already there do not count */
        p->rate_bytes = now;
        p->rate_t = t;
    } else if (t - p->rate_t >= 0.25) {
        double inst = (double)(now - p->rate_bytes) / (t - p->rate_t);
        p->rate = p->rate > 0 ? 0.7 * p->rate + 0.3 * inst : inst;
        p->rate_bytes = now;
        p->rate_t = t;
    }
    if (!force && t - p->last_draw < 0.1) return;
    p->last_draw = t;
    char have[32], all[32], rate[32], eta[32];
    zoo_format_bytes((double)now, have, sizeof have);
    if (p->rate > 0) zoo_format_bytes(p->rate, rate, sizeof rate);
    else zoo_str_copy(rate, sizeof rate, "-- B");
    char line[400];
    if (total > 0) {
        int pct = (int)(100.0 * (double)now / (double)total);
        if (pct > 100) pct = 100;
        char bar[21];
        int fill = pct / 5;
        for (int i = 0; i < 20; i++) bar[i] = i < fill ? '#' : '.';
        bar[20] = '\0';
        zoo_format_bytes((double)total, all, sizeof all);
        fmt_eta(p->rate > 0 ? (double)(total - now) / p->rate : -1, eta, sizeof eta);
        snprintf(line, sizeof line, "%s %3d%% [%s] %s/%s  %s/s  ETA %s", p->label, pct, bar, have,
                 all, rate, eta);
    } else {
        snprintf(line, sizeof line, "%s  %s  %s/s", p->label, have, rate);
    }
    fprintf(p->out, "\r%-79s", line);
    fflush(p->out);
    p->drawn = 1;
}

void zoo_progress_end(zoo_progress *p) {
    if (!p->out || !p->drawn) return;
    fprintf(p->out, "\r%79s\r", "");
    fflush(p->out);
    p->drawn = 0;
}
