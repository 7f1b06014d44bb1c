/* cli/cmd_eval.c - `zoo eval MODEL DIR --labels FILE [--limit N] [--batch N]
 * [--backend B] [--threads N] [--weights FILE] [--json]`: top-1 / top-5
 * accuracy over a labelled folder.
 *
 * FILE has one "<file name> <class index>" per line (the file name is relative
 * to DIR and may contain spaces: the index is after the last space). A decoder
 * thread reads and preprocesses the images into a small ring of batch slots
 * (producer / consumer queue, RING slots) while the main thread runs the
 * network on the previous batch. A progress bar is drawn on stderr when it is
 * a terminal. Batch: --batch, else 8 at a 224 crop, 8 x 224^2 / S^2 for bigger
 * crops (at least 1). Output: model, count, top-1, top-5, images/s (wall time from the
 * first decode to the last result), or one JSON object with --json. An image
 * that cannot be decoded stops the evaluation with one line naming the file
 * (exit 2; accuracy over a silently shrunken set would mislead).
 * Hidden --random-weights SEED: synthetic weights (tests, timing).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/classify.h"

#define RING 3

typedef struct item {
    char *file;
    int label;
} item;

typedef struct slot {
    float *x;
    int first, n; /* items [first, first + n) */
    int full;
} slot;

typedef struct queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    slot s[RING];
    int stop;           /* consumer -> producer: give up */
    int done;           /* producer finished (all items, or an error) */
    int produced;       /* batches handed over so far */
    zoo_error err;      /* the producer's error, if any */
    /* read-only for the producer */
    const char *dir;
    const item *items;
    int n_items, batch;
    const zoo_preprocess *pp;
    size_t input_floats;
} queue;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *producer(void *arg) {
    queue *q = arg;
    zoo_error e = {0};
    int nb = (q->n_items + q->batch - 1) / q->batch;
    for (int b = 0; b < nb; b++) {
        slot *s = &q->s[b % RING];
        pthread_mutex_lock(&q->mu);
        while (s->full && !q->stop) pthread_cond_wait(&q->cv, &q->mu);
        int stop = q->stop;
        pthread_mutex_unlock(&q->mu);
        if (stop) break;
        s->first = b * q->batch;
        s->n = q->n_items - s->first < q->batch ? q->n_items - s->first : q->batch;
        for (int i = 0; i < s->n && e.code == ZOO_OK; i++) {
            const item *it = &q->items[s->first + i];
            char path[PATH_MAX];
            if (snprintf(path, sizeof path, "%s/%s", q->dir, it->file) >= (int)sizeof path) {
                zoo_error_set(&e, ZOO_ERR_INPUT, "%s/%s: path too long", q->dir, it->file);
                break;
            }
            zoo_image img;
            if (zoo_image_decode_file(path, &img, &e) == ZOO_OK &&
                zoo_image_preprocess(&img, q->pp, s->x + q->input_floats * (size_t)i, &e) != ZOO_OK)
                zoo_error_prefix(&e, "%s", path);
            zoo_image_free(&img);
        }
        pthread_mutex_lock(&q->mu);
        if (e.code != ZOO_OK) {
            q->err = e;
            q->done = 1;
            pthread_cond_broadcast(&q->cv);
            pthread_mutex_unlock(&q->mu);
            return NULL;
        }
        s->full = 1;
        q->produced++;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
    }
    pthread_mutex_lock(&q->mu);
    q->done = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* Parses the labels file; entries point into *text. */
static int read_labels(const char *path, int limit, char **text, item **items, int *n, zoo_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME, "%s: %s", path,
                             strerror(errno));
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size < 0 || size > (256L << 20) || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: unreadable or too large", path);
    }
    char *t = malloc((size_t)size + 1);
    item *it = malloc(sizeof(item) * ((size_t)size / 2 + 1));
    if (!t || !it || fread(t, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(t);
        free(it);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot read", path);
    }
    fclose(f);
    t[size] = '\0';
    int count = 0, lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(t, "\n", &save); line && (limit <= 0 || count < limit);
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) line[--len] = '\0';
        if (!len) continue;
        char *sp = strrchr(line, ' '), *end = NULL;
        long v = sp ? strtol(sp + 1, &end, 10) : -1;
        if (!sp || sp == line || end == sp + 1 || *end || v < 0 || v > INT_MAX) {
            free(t);
            free(it);
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s:%d: expected '<file> <class index>'", path, lineno);
        }
        *sp = '\0';
        it[count].file = line;
        it[count].label = (int)v;
        count++;
    }
    if (count == 0) {
        free(t);
        free(it);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: no entries", path);
    }
    *text = t;
    *items = it;
    *n = count;
    return ZOO_OK;
}

static void progress(int done, int total, double rate) {
    const int width = 30;
    int fill = total ? (int)((long long)done * width / total) : width;
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %d/%d  %.1f images/s ", bar, done, total, rate);
    fflush(stderr);
}

int zoo_cmd_eval(zoo_cli *cli, int argc, char **argv) {
    zoo_classifier_opts o = {.random_seed = -1, .backend = "cpu"};
    const char *dir = NULL, *labels = NULL;
    int limit = 0, batch = 0, json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        char *end = NULL;
        if (!strcmp(a, "--labels") && more) labels = argv[++i];
        else if (!strcmp(a, "--limit") && more) {
            limit = (int)strtol(argv[++i], &end, 10);
            if (*end || limit < 1) return zoo_cli_usage_error("eval", "--limit needs a positive integer");
        } else if (!strcmp(a, "--batch") && more) {
            batch = (int)strtol(argv[++i], &end, 10);
            if (*end || batch < 1 || batch > 1024) return zoo_cli_usage_error("eval", "--batch needs an integer in 1..1024");
        } else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--backend") && more) o.backend = argv[++i];
        else if (!strcmp(a, "--threads") && more) o.threads = atoi(argv[++i]);
        else if (!strcmp(a, "--weights") && more) o.weights = argv[++i];
        else if (!strcmp(a, "--random-weights") && more) o.random_seed = atoll(argv[++i]);
        else if (a[0] == '-' && a[1] != '\0') return zoo_cli_usage_error("eval", "unknown or incomplete option '%s'", a);
        else if (!o.model) o.model = a;
        else if (!dir) dir = a;
        else return zoo_cli_usage_error("eval", "unexpected argument '%s'", a);
    }
    if (!o.model || !dir || !labels) return zoo_cli_usage_error("eval", "needs MODEL DIR --labels FILE");
    zoo_error e = {0};
    char *text = NULL;
    item *items = NULL;
    int n = 0;
    if (read_labels(labels, limit, &text, &items, &n, &e) != ZOO_OK) return zoo_cli_fail(&e);
    o.max_batch = batch;
    o.batch_at_224 = 8;
    o.max_items = n;
    zoo_classifier c;
    if (zoo_classifier_open(cli, &o, &c, &e) != ZOO_OK) {
        free(text);
        free(items);
        return zoo_cli_fail(&e);
    }
    batch = c.batch;
    int rc = ZOO_OK, bar = isatty(2);
    queue q;
    memset(&q, 0, sizeof q);
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.cv, NULL);
    q.dir = dir;
    q.items = items;
    q.n_items = n;
    q.batch = batch;
    q.pp = &c.pp;
    q.input_floats = c.input_floats;
    float *y = malloc(sizeof(float) * (size_t)c.classes * (size_t)batch);
    int ok = y != NULL;
    for (int i = 0; i < RING; i++) ok = ok && (q.s[i].x = malloc(sizeof(float) * c.input_floats * (size_t)batch));
    if (!ok) {
        zoo_error_set(&e, ZOO_ERR_RUNTIME, "out of memory");
        rc = zoo_cli_fail(&e);
        goto done;
    }
    for (int i = 0; i < n; i++)
        if (items[i].label >= c.classes) {
            zoo_error_set(&e, ZOO_ERR_INPUT, "%s: %s has class %d but %s has %d classes", labels, items[i].file,
                          items[i].label, c.desc->name, c.classes);
            rc = zoo_cli_fail(&e);
            goto done;
        }
    double t0 = now_s();
    pthread_t th;
    if (pthread_create(&th, NULL, producer, &q) != 0) {
        zoo_error_set(&e, ZOO_ERR_RUNTIME, "cannot start the decoder thread");
        rc = zoo_cli_fail(&e);
        goto done;
    }
    int top1 = 0, top5 = 0, seen = 0, nb = (n + batch - 1) / batch;
    for (int b = 0; b < nb; b++) {
        slot *s = &q.s[b % RING];
        pthread_mutex_lock(&q.mu);
        while (!s->full && !(q.done && q.produced <= b)) pthread_cond_wait(&q.cv, &q.mu);
        int have = s->full;
        pthread_mutex_unlock(&q.mu);
        if (!have) {
            e = q.err;
            if (!e.code) zoo_error_set(&e, ZOO_ERR_RUNTIME, "decoder thread stopped early");
            break;
        }
        if (zoo_classifier_run(&c, s->x, s->n, y, &e) != ZOO_OK) break;
        for (int i = 0; i < s->n; i++) {
            int idx[5];
            double prob[5];
            int k = c.classes < 5 ? c.classes : 5, label = items[s->first + i].label;
            zoo_topk(y + (size_t)c.classes * i, c.classes, k, idx, prob);
            top1 += idx[0] == label;
            for (int j = 0; j < k; j++) top5 += idx[j] == label;
        }
        seen += s->n;
        pthread_mutex_lock(&q.mu);
        s->full = 0;
        pthread_cond_broadcast(&q.cv);
        pthread_mutex_unlock(&q.mu);
        if (bar) progress(seen, n, seen / (now_s() - t0));
    }
    pthread_mutex_lock(&q.mu);
    q.stop = 1;
    pthread_cond_broadcast(&q.cv);
    pthread_mutex_unlock(&q.mu);
    pthread_join(th, NULL);
    double dt = now_s() - t0;
    if (bar) fputc('\n', stderr);
    if (e.code != ZOO_OK) {
        rc = zoo_cli_fail(&e);
        goto done;
    }
    if (json)
        printf("{\"model\": \"%s\", \"backend\": \"%s\", \"count\": %d, \"top1\": %.6f, \"top5\": %.6f, "
               "\"images_per_s\": %.2f}\n",
               c.desc->name, zoo_runner_backend_name(c.runner), seen, (double)top1 / seen, (double)top5 / seen,
               seen / dt);
    else
        printf("model     %s (%s backend, preprocessing resize_short %d, crop %d)\n"
               "count     %d\n"
               "top-1     %.4f  (%d)\n"
               "top-5     %.4f  (%d)\n"
               "images/s  %.1f  (%.2f s, decoding on its own thread, batch %d)\n",
               c.desc->name, zoo_runner_backend_name(c.runner), c.pp.resize_short, c.pp.crop, seen,
               (double)top1 / seen, top1, (double)top5 / seen, top5, seen / dt, dt, batch);
done:
    free(y);
    for (int i = 0; i < RING; i++) free(q.s[i].x);
    pthread_mutex_destroy(&q.mu);
    pthread_cond_destroy(&q.cv);
    zoo_classifier_close(&c);
    free(text);
    free(items);
    return rc;
}
