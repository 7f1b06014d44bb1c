/* weights/bind.c - attaching parameter data to a graph (zoo_graph_bind,
 * zoo_graph_bind_arrays, zoo_graph_param_data; contract in zoo/zoo.h).
 *
 * Binding is by canonical parameter name and all-or-nothing: every parameter
 * is looked up first, every missing, unexpected, mis-shaped or wrongly typed
 * tensor is collected into one ZOO_ERR_INPUT message
 *   "<file>: does not fit model <model>: 2 missing (a, b), 1 unexpected (c),
 *    1 mis-shaped (d: file 3x3, model 4x3)"
 * (at most a few names per category, then "and N more"), and only when there
 * is no problem do the parameters switch to the new data, releasing buffers
 * owned from an earlier binding. F32 tensors are referenced in place (copied
 * only if the file leaves them misaligned for float access); F16 and BF16 are
 * widened into graph-owned buffers; absent ZOO_PARAM_OPTIONAL parameters get
 * graph-owned zeros. Tensors the model declares as ignored sources are not
 * "unexpected". */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph_impl.h"

/* F32 tensors are used in place and F16/BF16 decoded as little-endian */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "zoo assumes a little-endian host");

/* ---- a small growable string ------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    if (b->oom) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 128;
        while (nc < b->len + (size_t)n + 1) nc *= 2;
        char *p = realloc(b->s, nc);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = nc;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* One category of problems: a count and the first few descriptions. */
#define LIST_CHARS 200 /* stop listing names once a category's text is this long */

typedef struct problem_list {
    int count, shown;
    sbuf text;
} problem_list;

static void list_add(problem_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void list_add(problem_list *l, const char *fmt, ...) {
    l->count++;
    if (l->text.len >= LIST_CHARS) return;
    char item[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(item, sizeof item, fmt, ap);
    va_end(ap);
    sb_printf(&l->text, "%s%s", l->shown ? ", " : "", item);
    l->shown++;
}

static void list_emit(sbuf *msg, const problem_list *l, const char *what, int *first) {
    if (!l->count) return;
    sb_printf(msg, "%s%d %s (%s", *first ? "" : ", ", l->count, what,
              l->text.s ? l->text.s : "");
    if (l->count > l->shown) sb_printf(msg, ", and %d more", l->count - l->shown);
    sb_printf(msg, ")");
    *first = 0;
}

static void shape_str(char *buf, size_t size, int ndim, const int64_t *dims) {
    if (ndim == 0) {
        snprintf(buf, size, "scalar");
        return;
    }
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && at < size; i++)
        at += (size_t)snprintf(buf + at, size - at, "%s%" PRId64, i ? "x" : "", dims[i]);
}

/* ---- binding from a weight file ----------------------------------------- */

static int cmp_str_ptr(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_ignored(const zoo_graph *g, const char *name) {
    for (int i = 0; i < g->n_ignored; i++)
        if (!strcmp(g->ignored[i], name)) return 1;
    return 0;
}

/* fp32 copy of a tensor, or NULL (out of memory); caller checked dtype */
static float *widen(const zoo_tensor_view *v) {
    size_t n = (size_t)v->numel;
    float *out = malloc(n ? n * sizeof(float) : 1);
    if (!out) return NULL;
    const unsigned char *src = v->data;
    for (size_t i = 0; i < n; i++) {
        if (v->dtype == ZOO_DT_F32) {
            memcpy(&out[i], src + 4 * i, 4);
        } else {
            uint16_t h = (uint16_t)(src[2 * i] | (src[2 * i + 1] << 8)); /* little-endian */
            out[i] = v->dtype == ZOO_DT_F16 ? zoo_f16_to_f32(h) : zoo_bf16_to_f32(h);
        }
    }
    return out;
}

static float *zeros(int64_t numel) {
    return calloc(numel > 0 ? (size_t)numel : 1, sizeof(float));
}

static int same_shape(const zoo_param *p, const zoo_tensor_view *v) {
    if (p->ndim != v->ndim) return 0;
    for (int k = 0; k < p->ndim; k++)
        if (p->dims[k] != v->dims[k]) return 0;
    return 1;
}

/* Switches every parameter to its new data, freeing what earlier bindings owned. */
static void commit(zoo_graph *g, const float **data, float **owned) {
    for (int i = 0; i < g->n_params; i++) {
        zoo_param *p = &g->params[i];
        free(p->owned);
        p->owned = owned[i];
        p->data = data[i];
    }
}

static void release(float **owned, int n) {
    for (int i = 0; i < n; i++) free(owned[i]);
}

int zoo_graph_bind(zoo_graph *g, const zoo_weights *w, zoo_error *err) {
    if (!g || !w) return zoo_error_set(err, ZOO_ERR_INPUT, "zoo_graph_bind: no graph or weights");
    const char *path = zoo_weights_path(w);
    int n = g->n_params;
    const float **data = calloc((size_t)(n ? n : 1), sizeof *data);
    float **owned = calloc((size_t)(n ? n : 1), sizeof *owned);
    const char **names = calloc((size_t)(n ? n : 1), sizeof *names);
    problem_list missing = {0}, unexpected = {0}, misshaped = {0}, badtype = {0};
    sbuf msg = {0};
    int rc = 0;
    if (!data || !owned || !names) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
        goto out;
    }

    for (int i = 0; i < n && !rc; i++) {
        const zoo_param *p = &g->params[i];
        names[i] = p->name;
        zoo_tensor_view v;
        if (zoo_weights_find(w, p->name, &v) != 0) {
            if (p->flags & ZOO_PARAM_OPTIONAL) {
                if (!(owned[i] = zeros(p->numel)))
                    rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
                data[i] = owned[i];
            } else {
                list_add(&missing, "%s", p->name);
            }
            continue;
        }
        if (!same_shape(p, &v)) {
            char fs[128], ms[128];
            shape_str(fs, sizeof fs, v.ndim, v.dims);
            shape_str(ms, sizeof ms, p->ndim, p->dims);
            list_add(&misshaped, "%s: file %s, model %s", p->name, fs, ms);
            continue;
        }
        if (v.dtype != ZOO_DT_F32 && v.dtype != ZOO_DT_F16 && v.dtype != ZOO_DT_BF16) {
            list_add(&badtype, "%s: %s", p->name, zoo_dtype_name(v.dtype));
            continue;
        }
        if (v.dtype == ZOO_DT_F32 && (uintptr_t)v.data % _Alignof(float) == 0) {
            data[i] = v.data;
        } else {
            if (!(owned[i] = widen(&v)))
                rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
            data[i] = owned[i];
        }
    }
    if (rc) goto out;

    /* tensors the model has no parameter for */
    qsort(names, (size_t)n, sizeof *names, cmp_str_ptr);
    int nt = zoo_weights_count(w);
    for (int j = 0; j < nt; j++) {
        zoo_tensor_view v;
        if (zoo_weights_get(w, j, &v)) continue;
        if (n && bsearch(&v.name, names, (size_t)n, sizeof *names, cmp_str_ptr)) continue;
        if (is_ignored(g, v.name)) continue;
        list_add(&unexpected, "%s", v.name);
    }

    if (missing.count || unexpected.count || misshaped.count || badtype.count) {
        int first = 1;
        sb_printf(&msg, "%s: does not fit model %s: ", path, g->model_name);
        list_emit(&msg, &missing, "missing", &first);
        list_emit(&msg, &unexpected, "unexpected", &first);
        list_emit(&msg, &misshaped, "mis-shaped", &first);
        list_emit(&msg, &badtype, "with a non-float dtype", &first);
        if (msg.oom || missing.text.oom || unexpected.text.oom || misshaped.text.oom ||
            badtype.text.oom) {
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: does not fit model %s", path,
                               g->model_name);
        } else {
            /* keep within one error message: cut at a separator and say so */
            if (msg.len >= ZOO_ERROR_MSG_MAX - 8) {
                size_t cut = ZOO_ERROR_MSG_MAX - 8;
                while (cut > 0 && msg.s[cut] != ',') cut--;
                memcpy(msg.s + cut, ", ...", 6);
            }
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s", msg.s);
        }
        goto out;
    }

    commit(g, data, owned);
    memset(owned, 0, sizeof *owned * (size_t)n); /* now the graph's */
out:
    if (owned) release(owned, n);
    free(owned);
    free(data);
    free(names);
    free(missing.text.s);
    free(unexpected.text.s);
    free(misshaped.text.s);
    free(badtype.text.s);
    free(msg.s);
    return rc;
}

/* ---- binding from arrays ---------------------------------------------- */

int zoo_graph_bind_arrays(zoo_graph *g, const float *const *arrays, zoo_error *err) {
    if (!g || !arrays)
        return zoo_error_set(err, ZOO_ERR_INPUT, "zoo_graph_bind_arrays: no graph or data");
    int n = g->n_params;
    const float **data = calloc((size_t)(n ? n : 1), sizeof *data);
    float **owned = calloc((size_t)(n ? n : 1), sizeof *owned);
    problem_list missing = {0};
    int rc = 0;
    if (!data || !owned) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", g->model_name);
        goto out;
    }
    for (int i = 0; i < n && !rc; i++) {
        const zoo_param *p = &g->params[i];
        if (arrays[i]) {
            data[i] = arrays[i];
        } else if (p->flags & ZOO_PARAM_OPTIONAL) {
            if (!(owned[i] = zeros(p->numel)))
                rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", g->model_name);
            data[i] = owned[i];
        } else {
            list_add(&missing, "%s", p->name);
        }
    }
    if (!rc && missing.count) {
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: bind_arrays: %d missing (%s%s)",
                           g->model_name, missing.count, missing.text.s ? missing.text.s : "",
                           missing.count > missing.shown ? ", ..." : "");
    }
    if (!rc) {
        commit(g, data, owned);
        memset(owned, 0, sizeof *owned * (size_t)n);
    }
out:
    if (owned) release(owned, n);
    free(owned);
    free(data);
    free(missing.text.s);
    return rc;
}

const float *zoo_graph_param_data(const zoo_graph *g, int i) {
    if (!g || i < 0 || i >= g->n_params) return NULL;
    return g->params[i].data;
}
