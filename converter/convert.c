/* converter/convert.c - zoo_convert() (include/zoo/convert.h): source weights
 * -> a native zoo weight file.
 *
 * Steps: detect the source (detect.c); unpack archives into a private
 * temporary directory (under the output's directory, else $TMPDIR, removed
 * afterwards); read it into a zoo_tensor_list (readers.h); with a model, map
 * every source tensor onto the model graph's canonical parameters; write the
 * native file with zoo_weights_writer_* (which writes "<out>.tmp.<pid>" and
 * renames it at the end, so a failure leaves nothing behind).
 *
 * Name mapping (model mode), first hit wins, for each source tensor S:
 *   1. S's own name, then S without a leading "base_model." (inference export
 *      prefix), looked up with zoo_graph_find_param (canonical names and
 *      aliases);
 *   2. through the source's name table (StructuredToParameterName@@ or the
 *      .pdiparams.info): the structured key whose parameter name is S, and the
 *      parameter name S's structured key maps to (each also without
 *      "base_model.").
 * S that maps nowhere is dropped if the graph declares it ignorable
 * (zoo_graph_is_ignored_source on any of its names) or if it is a PyTorch
 * BatchNorm step counter ("*.num_batches_tracked", an integer scalar), and
 * is "unexpected" otherwise; two sources on one parameter, a parameter without a source (unless
 * ZOO_PARAM_OPTIONAL), a shape that differs from the graph's, or a non-float
 * dtype are problems too. A source found under an alias flagged
 * ZOO_ALIAS_TRANSPOSED (PyTorch / timm names of Linear weights) holds the 2-D
 * parameter [a, b] as [b, a] (or [b, a, 1, 1], a 1x1-conv classifier) and is
 * transposed when written; a non-square one already in [a, b] is taken as is.
 * A parameter that has such an alias also accepts, under any of its names,
 * a non-square source whose shape is exactly its transpose (a PyTorch key
 * that coincides with the canonical name, e.g. EfficientNet-Lite's _fc.weight). All problems are reported in one ZOO_ERR_INPUT
 * message. Model-mode tensors are written in graph order under canonical
 * names as F32 (or F16 with opts->dtype); raw mode (model == NULL) writes
 * every tensor under its source name and dtype (float tensors become F16
 * when asked).
 *
 * Provenance metadata: zoo.model, zoo.source_url, zoo.source_sha256 (of the
 * source file; of the .pdiparams for an inference model; for a parameter
 * directory: SHA-256 over its files in path order, each as path, NUL, u64 LE
 * size, bytes), zoo.converter_version, zoo.source_format.
 */
#include "zoo/convert.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "converter/convert_impl.h"
#include "converter/detect.h"
#include "converter/readers.h"

#define EXPORT_PREFIX "base_model."
#define CONVERTER_VERSION ZOO_VERSION_STRING

/* ---- SHA-256 --------------------------------------------------------------- */

static void hex32(const unsigned char *md, char hex[65]) {
    static const char H[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = H[md[i] >> 4];
        hex[2 * i + 1] = H[md[i] & 15];
    }
    hex[64] = '\0';
}

static int hash_fd(EVP_MD_CTX *c, int fd, const char *path, unsigned char *buf, size_t bufsize,
                   zoo_error *err) {
    for (;;) {
        ssize_t r = read(fd, buf, bufsize);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: read error: %s", path, strerror(errno));
        if (r == 0) return 0;
        if (EVP_DigestUpdate(c, buf, (size_t)r) != 1)
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 failed", path);
    }
}

#define HASH_BUF (1u << 20)

static int sha256_file(const char *path, char hex[65], zoo_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot open: %s", path, strerror(errno));
    unsigned char *buf = malloc(HASH_BUF);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int rc = 0;
    if (!buf || !c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 setup failed", path);
    if (!rc) rc = hash_fd(c, fd, path, buf, HASH_BUF, err);
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!rc && EVP_DigestFinal_ex(c, md, &mdlen) != 1)
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 failed", path);
    if (!rc) hex32(md, hex);
    EVP_MD_CTX_free(c);
    free(buf);
    close(fd);
    return rc;
}

typedef struct path_list {
    char **p;
    int n, cap;
} path_list;

static int collect_files(const char *root, const char *rel, int depth, path_list *pl, zoo_error *err) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel);
    if (depth > 32) return zoo_error_set(err, ZOO_ERR_INPUT, "%s: directories nested too deeply", dir);
    DIR *d = opendir(dir);
    if (!d) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot read directory: %s", dir, strerror(errno));
    struct dirent *e;
    int rc = 0;
    while (!rc && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char r2[PATH_MAX], full[PATH_MAX];
        if (snprintf(r2, sizeof r2, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >= (int)sizeof r2) {
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: path too long", dir);
            break;
        }
        if (snprintf(full, sizeof full, "%s/%s", root, r2) >= (int)sizeof full) {
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: path too long", dir);
            break;
        }
        struct stat st;
        if (lstat(full, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) rc = collect_files(root, r2, depth + 1, pl, err);
        else if (S_ISREG(st.st_mode)) {
            if (pl->n == pl->cap) {
                int cap = pl->cap ? pl->cap * 2 : 64;
                char **np = realloc(pl->p, (size_t)cap * sizeof *np);
                if (!np) {
                    rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
                    break;
                }
                pl->p = np;
                pl->cap = cap;
            }
            if (!(pl->p[pl->n] = strdup(r2))) rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
            else pl->n++;
        }
    }
    closedir(d);
    return rc;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* SHA-256 over a directory's regular files in path order: path NUL u64le(size) bytes. */
static int sha256_dir(const char *root, char hex[65], zoo_error *err) {
    path_list pl = {0};
    int rc = collect_files(root, "", 0, &pl, err);
    unsigned char *buf = malloc(HASH_BUF);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!rc && (!buf || !c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1))
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 setup failed", root);
    if (!rc) qsort(pl.p, (size_t)pl.n, sizeof *pl.p, cmp_str);
    for (int i = 0; !rc && i < pl.n; i++) {
        char full[PATH_MAX];
        if (snprintf(full, sizeof full, "%s/%s", root, pl.p[i]) >= (int)sizeof full) {
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: path too long", root);
            break;
        }
        int fd = open(full, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot open: %s", full, strerror(errno));
            if (fd >= 0) close(fd);
            break;
        }
        unsigned char sz[8];
        for (int k = 0; k < 8; k++) sz[k] = (unsigned char)((uint64_t)st.st_size >> (8 * k));
        if (EVP_DigestUpdate(c, pl.p[i], strlen(pl.p[i]) + 1) != 1 || EVP_DigestUpdate(c, sz, 8) != 1)
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 failed", full);
        if (!rc) rc = hash_fd(c, fd, full, buf, HASH_BUF, err);
        close(fd);
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (!rc && EVP_DigestFinal_ex(c, md, &mdlen) != 1)
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 failed", root);
    if (!rc) hex32(md, hex);
    EVP_MD_CTX_free(c);
    free(buf);
    for (int i = 0; i < pl.n; i++) free(pl.p[i]);
    free(pl.p);
    return rc;
}

/* ---- temporary directory ------------------------------------------------- */

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)st;
    (void)f;
    if (flag == FTW_DP) rmdir(p);
    else unlink(p);
    return 0;
}

static void rmtree(const char *dir) {
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdtemp next to the output (same file system, private), else in $TMPDIR. */
static int make_tmpdir(const char *out_path, char *buf, size_t size, zoo_error *err) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", out_path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        if (slash == dir) slash[1] = '\0';
        else *slash = '\0';
    } else snprintf(dir, sizeof dir, ".");
    if (snprintf(buf, size, "%s/.zoo-convert-XXXXXX", dir) < (int)size && mkdtemp(buf)) return 0;
    const char *t = getenv("TMPDIR");
    if (snprintf(buf, size, "%s/zoo-convert-XXXXXX", t && *t ? t : "/tmp") < (int)size && mkdtemp(buf))
        return 0;
    return zoo_error_set(err, ZOO_ERR_RUNTIME, "cannot create a temporary directory: %s",
                         strerror(errno));
}

/* ---- reading ------------------------------------------------------------- */

static int read_source(const zoo_src_info *si, const char *shown, zoo_tensor_list *l, zoo_error *err) {
    switch (si->kind) {
    case ZOO_SRC_PICKLE: return zoo_read_pdparams(si->path, l, err);
    case ZOO_SRC_INFERENCE:
        return zoo_read_pdiparams(si->model_path, si->params_path,
                                  si->info_path[0] ? si->info_path : NULL, l, err);
    case ZOO_SRC_LEGACY_DIR: return zoo_read_legacy_dir(si->path, l, err);
    case ZOO_SRC_ZIP:
    case ZOO_SRC_PTH_LEGACY: return zoo_read_pth(si->path, l, err);
    case ZOO_SRC_SAFETENSORS: return zoo_read_safetensors(si->path, l, err);
    default:
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: cannot read a %s source", shown,
                             zoo_src_kind_name(si->kind));
    }
}

static bool is_archive(zoo_src_kind k) {
    return k == ZOO_SRC_TAR || k == ZOO_SRC_GZIP || k == ZOO_SRC_BZIP2 || k == ZOO_SRC_XZ;
}

/* ---- a string -> index map (open addressing) ------------------------------ */

typedef struct strmap {
    const char **keys;
    int *vals;
    size_t cap;
} strmap;

static uint64_t str_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int strmap_init(strmap *m, int n) {
    m->cap = 16;
    while (m->cap < (size_t)n * 2 + 2) m->cap *= 2;
    m->keys = calloc(m->cap, sizeof *m->keys);
    m->vals = calloc(m->cap, sizeof *m->vals);
    return m->keys && m->vals ? 0 : -1;
}

static void strmap_free(strmap *m) {
    free(m->keys);
    free(m->vals);
}

/* Keeps the first value for a key; -2 marks a key given more than once. */
static void strmap_put(strmap *m, const char *k, int v) {
    size_t i = str_hash(k) & (m->cap - 1);
    while (m->keys[i]) {
        if (!strcmp(m->keys[i], k)) {
            if (m->vals[i] != v) m->vals[i] = -2;
            return;
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = k;
    m->vals[i] = v;
}

static int strmap_get(const strmap *m, const char *k) {
    size_t i = str_hash(k) & (m->cap - 1);
    while (m->keys[i]) {
        if (!strcmp(m->keys[i], k)) return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

/* ---- problem report -------------------------------------------------------- */

typedef struct report {
    char **items[3]; /* malloc'ed lines per category */
    int count[3], cap[3];
    bool oom;
} report;

enum { R_MISSING = 0, R_UNEXPECTED = 1, R_MISFIT = 2 };

static void report_add(report *r, int cat, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report_add(report *r, int cat, const char *fmt, ...) {
    char item[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(item, sizeof item, fmt, ap);
    va_end(ap);
    if (r->count[cat] == r->cap[cat]) {
        int cap = r->cap[cat] ? 2 * r->cap[cat] : 16;
        char **n = realloc(r->items[cat], (size_t)cap * sizeof *n);
        if (!n) {
            r->oom = true;
            return;
        }
        r->items[cat] = n;
        r->cap[cat] = cap;
    }
    if (!(r->items[cat][r->count[cat]] = strdup(item))) {
        r->oom = true;
        return;
    }
    r->count[cat]++;
}

static void report_free(report *r) {
    for (int c = 0; c < 3; c++) {
        for (int i = 0; i < r->count[c]; i++) free(r->items[c][i]);
        free(r->items[c]);
    }
}

/* One line: every category with its count and as many names as its share of
 * the message allows, then "+N more". */
static int report_emit(const report *r, const char *source, const char *model, zoo_error *err) {
    static const char *const WHAT[3] = {"missing", "unexpected", "mis-shaped"};
    if (r->oom) return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    char msg[ZOO_ERROR_MSG_MAX];
    size_t o = (size_t)snprintf(msg, sizeof msg, "%s does not fit %s:", source, model);
    if (o >= sizeof msg) o = sizeof msg - 1;
    int cats = 0;
    for (int c = 0; c < 3; c++) cats += r->count[c] > 0;
    size_t share = cats && o + 40 * (size_t)cats < sizeof msg ? (sizeof msg - 1 - o) / (size_t)cats : 0;
    bool first = true;
    for (int c = 0; c < 3; c++) {
        if (!r->count[c]) continue;
        char part[ZOO_ERROR_MSG_MAX];
        size_t po = (size_t)snprintf(part, sizeof part, "%s %d %s (", first ? "" : ";", r->count[c], WHAT[c]);
        int shown = 0;
        for (int i = 0; i < r->count[c]; i++) {
            size_t len = strlen(r->items[c][i]) + 2;
            if (po + len + 16 > share) break; /* room for "+N more)" */
            po += (size_t)snprintf(part + po, sizeof part - po, "%s%s", shown ? ", " : "", r->items[c][i]);
            shown++;
        }
        if (shown < r->count[c])
            po += (size_t)snprintf(part + po, sizeof part - po, "%s+%d more", shown ? ", " : "",
                                   r->count[c] - shown);
        snprintf(part + po, sizeof part - po, ")");
        o += (size_t)snprintf(msg + o, sizeof msg - o, "%s", part);
        if (o >= sizeof msg) o = sizeof msg - 1;
        first = false;
    }
    return zoo_error_set(err, ZOO_ERR_INPUT, "%s", msg);
}

/* ---- mapping --------------------------------------------------------------- */

static const char *strip_prefix(const char *s) {
    return strncmp(s, EXPORT_PREFIX, sizeof EXPORT_PREFIX - 1) == 0 ? s + sizeof EXPORT_PREFIX - 1 : s;
}

static bool is_float(zoo_dtype t) {
    return t == ZOO_DT_F32 || t == ZOO_DT_F16 || t == ZOO_DT_F64 || t == ZOO_DT_BF16;
}

static void dims_str(char *b, size_t size, int ndim, const int64_t *d) {
    size_t o = (size_t)snprintf(b, size, "[");
    for (int i = 0; i < ndim && o < size; i++)
        o += (size_t)snprintf(b + o, size - o, "%s%lld", i ? "," : "", (long long)d[i]);
    if (o < size) snprintf(b + o, size - o, "]");
}

#define SRC_TRANSPOSED (1 << 30) /* in src_of[]: the source is written transposed */
#define SRC_INDEX(x) ((x) & ~SRC_TRANSPOSED)

static bool is_step_counter(const zoo_src_tensor *t) {
    static const char SFX[] = ".num_batches_tracked";
    size_t n = strlen(t->name), k = sizeof SFX - 1;
    return n > k && !strcmp(t->name + n - k, SFX) && t->numel <= 1 && !is_float(t->dtype);
}

/* Fills src_of[p] = source index for every graph parameter p (or -1), with
 * SRC_TRANSPOSED set when the source is stored transposed. */
static int map_names(const zoo_graph *g, const zoo_tensor_list *l, const char *source,
                     const char *model, int *src_of, zoo_error *err) {
    int np = zoo_graph_param_count(g);
    for (int p = 0; p < np; p++) src_of[p] = -1;
    strmap by_key = {0}, by_val = {0}; /* name table: structured key -> entry, parameter name -> entry */
    if (strmap_init(&by_key, l->n_names) || strmap_init(&by_val, l->n_names)) {
        strmap_free(&by_key);
        strmap_free(&by_val);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    }
    for (int i = 0; i < l->n_names; i++) {
        strmap_put(&by_key, l->names[i].key, i);
        strmap_put(&by_val, l->names[i].value, i);
    }
    /* graph names and aliases -> parameter (the graph keeps them distinct) */
    int n_alias = 0;
    for (int p = 0; p < np; p++) {
        zoo_param_info pi;
        zoo_graph_param(g, p, &pi);
        n_alias += 1 + pi.n_aliases;
    }
    strmap params = {0};
    if (strmap_init(&params, n_alias)) {
        strmap_free(&params);
        strmap_free(&by_key);
        strmap_free(&by_val);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    }
    for (int p = 0; p < np; p++) { /* value: 2 p + 1 for a transposed alias */
        zoo_param_info pi;
        zoo_graph_param(g, p, &pi);
        strmap_put(&params, pi.name, 2 * p);
        for (int k = 0; k < pi.n_aliases; k++)
            strmap_put(&params, pi.aliases[k],
                       2 * p + (pi.alias_flags && (pi.alias_flags[k] & ZOO_ALIAS_TRANSPOSED) ? 1 : 0));
    }
    report *rep = calloc(1, sizeof *rep);
    if (!rep) {
        strmap_free(&params);
        strmap_free(&by_key);
        strmap_free(&by_val);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    }
    for (int s = 0; s < l->n; s++) {
        const char *nm = l->items[s].name;
        const char *cand[6];
        int nc = 0;
        cand[nc++] = nm;
        cand[nc++] = strip_prefix(nm);
        int e = strmap_get(&by_val, nm); /* nm is a parameter name: its structured key */
        if (e >= 0) {
            cand[nc++] = l->names[e].key;
            cand[nc++] = strip_prefix(l->names[e].key);
        }
        e = strmap_get(&by_key, nm); /* nm is a structured key: its parameter name */
        if (e < 0) e = strmap_get(&by_key, strip_prefix(nm));
        if (e >= 0) {
            cand[nc++] = l->names[e].value;
            cand[nc++] = strip_prefix(l->names[e].value);
        }
        int p = -1;
        for (int c = 0; c < nc && p < 0; c++) p = strmap_get(&params, cand[c]);
        bool tr = p >= 0 && (p & 1);
        if (p >= 0) p /= 2;
        if (p < 0) {
            bool ignored = is_step_counter(&l->items[s]);
            for (int c = 0; c < nc && !ignored; c++) ignored = zoo_graph_is_ignored_source(g, cand[c]);
            if (!ignored) report_add(rep, R_UNEXPECTED, "%s", nm);
            continue;
        }
        zoo_param_info pi;
        zoo_graph_param(g, p, &pi);
        if (src_of[p] >= 0) {
            report_add(rep, R_UNEXPECTED, "%s (a second source for %s, after %s)", nm, pi.name,
                       l->items[SRC_INDEX(src_of[p])].name);
            continue;
        }
        src_of[p] = s;
        const zoo_src_tensor *t = &l->items[s];
        bool shape_ok = t->ndim == pi.ndim;
        for (int d = 0; shape_ok && d < pi.ndim; d++) shape_ok = t->dims[d] == pi.dims[d];
        bool any_tr = false; /* the parameter has a transposed alias */
        for (int k = 0; k < pi.n_aliases && pi.alias_flags; k++)
            any_tr |= (pi.alias_flags[k] & ZOO_ALIAS_TRANSPOSED) != 0;
        if (!tr && any_tr && !shape_ok && pi.ndim == 2 && pi.dims[0] != pi.dims[1]) tr = true;
        if (tr && pi.ndim == 2 && (!shape_ok || pi.dims[0] == pi.dims[1])) {
            /* PyTorch layout: [b, a] or [b, a, 1, 1] for the graph's [a, b] */
            shape_ok = (t->ndim == 2 || (t->ndim == 4 && t->dims[2] == 1 && t->dims[3] == 1)) &&
                       t->dims[0] == pi.dims[1] && t->dims[1] == pi.dims[0];
            if (shape_ok) src_of[p] = s | SRC_TRANSPOSED;
        }
        if (!shape_ok || !is_float(t->dtype)) {
            char a[128], b[128];
            dims_str(a, sizeof a, t->ndim, t->dims);
            dims_str(b, sizeof b, pi.ndim, pi.dims);
            if (!shape_ok)
                report_add(rep, R_MISFIT, "%s is %s%s%s, model wants %s", pi.name, a,
                           strcmp(pi.name, t->name) ? " in " : "", strcmp(pi.name, t->name) ? t->name : "", b);
            else
                report_add(rep, R_MISFIT, "%s is %s, model wants a float tensor", pi.name,
                           zoo_dtype_name(t->dtype));
        }
    }
    for (int p = 0; p < np; p++) {
        if (src_of[p] >= 0) continue;
        zoo_param_info pi;
        zoo_graph_param(g, p, &pi);
        if (!(pi.flags & ZOO_PARAM_OPTIONAL)) report_add(rep, R_MISSING, "%s", pi.name);
    }
    int rc = 0;
    if (rep->oom || rep->count[0] || rep->count[1] || rep->count[2]) rc = report_emit(rep, source, model, err);
    report_free(rep);
    free(rep);
    strmap_free(&params);
    strmap_free(&by_key);
    strmap_free(&by_val);
    return rc;
}

/* ---- writing --------------------------------------------------------------- */

static float load_float(const zoo_src_tensor *t, int64_t i) {
    const unsigned char *p = (const unsigned char *)t->data;
    switch (t->dtype) {
    case ZOO_DT_F32: {
        float f;
        memcpy(&f, p + 4 * i, 4);
        return f;
    }
    case ZOO_DT_F64: {
        double d;
        memcpy(&d, p + 8 * i, 8);
        return (float)d;
    }
    case ZOO_DT_F16: {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        return zoo_f16_to_f32(h);
    }
    case ZOO_DT_BF16: {
        uint16_t h;
        memcpy(&h, p + 2 * i, 2);
        return zoo_bf16_to_f32(h);
    }
    default: return 0.0f;
    }
}

/* The bytes to write for tensor t as `want`: t's own bytes or a new buffer
 * (pushed on *bufs so it lives until finish). With `tr_rows` > 0, t holds a
 * [tr_rows, numel / tr_rows] matrix written transposed. */
static const void *converted(const zoo_src_tensor *t, zoo_dtype want, int64_t tr_rows,
                             void ***bufs, int *nbufs, zoo_error *err) {
    if (t->numel == 0) return ""; /* an empty tensor: no bytes, but not a failure */
    if (t->dtype == want && tr_rows <= 0) return t->data;
    size_t es = zoo_dtype_size(want);
    void *b = malloc((size_t)t->numel * es);
    void **nb = realloc(*bufs, (size_t)(*nbufs + 1) * sizeof *nb);
    if (!b || !nb) {
        free(b);
        if (nb) *bufs = nb;
        zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory converting %s", t->name);
        return NULL;
    }
    *bufs = nb;
    (*bufs)[(*nbufs)++] = b;
    int64_t rows = tr_rows > 0 ? tr_rows : 1, cols = t->numel / rows;
    for (int64_t i = 0; i < t->numel; i++) {
        /* output element i of the [cols, rows] result comes from source (i % rows, i / rows) */
        int64_t src = tr_rows > 0 ? (i % rows) * cols + i / rows : i;
        if (want == ZOO_DT_F32) ((float *)b)[i] = load_float(t, src);
        else ((uint16_t *)b)[i] = zoo_f32_to_f16(load_float(t, src)); /* F16 */
    }
    return b;
}

static int write_native(const zoo_graph *g, const int *src_of, const zoo_tensor_list *l,
                        const char *out_path, const char *model, const zoo_convert_opts *o,
                        const char *sha, zoo_error *err) {
    zoo_weights_writer *w = zoo_weights_writer_new(out_path, err);
    if (!w) return err ? err->code : ZOO_ERR_RUNTIME;
    void **bufs = NULL;
    int nbufs = 0, rc = 0;
    const char *meta[][2] = {{"zoo.model", model ? model : ""},
                             {"zoo.source_url", o->source_url ? o->source_url : ""},
                             {"zoo.source_sha256", sha},
                             {"zoo.converter_version", CONVERTER_VERSION},
                             {"zoo.source_format", l->format ? l->format : "unknown"}};
    for (size_t i = 0; !rc && i < sizeof meta / sizeof meta[0]; i++)
        rc = zoo_weights_writer_meta(w, meta[i][0], meta[i][1], err);
    if (g) {
        int np = zoo_graph_param_count(g);
        for (int p = 0; !rc && p < np; p++) {
            if (src_of[p] < 0) continue; /* optional, absent */
            zoo_param_info pi;
            zoo_graph_param(g, p, &pi);
            const zoo_src_tensor *t = &l->items[SRC_INDEX(src_of[p])];
            bool tr = (src_of[p] & SRC_TRANSPOSED) != 0;
            const void *data = converted(t, o->dtype, tr ? t->dims[0] : 0, &bufs, &nbufs, err);
            if (!data) rc = err ? err->code : ZOO_ERR_RUNTIME;
            else if (tr) rc = zoo_weights_writer_add(w, pi.name, o->dtype, pi.ndim, pi.dims, data, err);
            else rc = zoo_weights_writer_add(w, pi.name, o->dtype, t->ndim, t->dims, data, err);
        }
    } else {
        for (int i = 0; !rc && i < l->n; i++) {
            const zoo_src_tensor *t = &l->items[i];
            zoo_dtype want = (o->dtype == ZOO_DT_F16 && is_float(t->dtype)) ? ZOO_DT_F16 : t->dtype;
            const void *data = converted(t, want, 0, &bufs, &nbufs, err);
            if (!data) rc = err ? err->code : ZOO_ERR_RUNTIME;
            else rc = zoo_weights_writer_add(w, t->name, want, t->ndim, t->dims, data, err);
        }
    }
    if (rc) zoo_weights_writer_abort(w);
    else rc = zoo_weights_writer_finish(w, err);
    for (int i = 0; i < nbufs; i++) free(bufs[i]);
    free(bufs);
    return rc;
}

/* ---- entry point ------------------------------------------------------------ */

int zoo_convert_graph(const zoo_graph *g, const char *source, const char *out_path,
                      const zoo_convert_opts *opts, zoo_error *err) {
    zoo_convert_opts o = {.dtype = ZOO_DT_F32, .source_url = "", .source_sha256 = NULL};
    if (opts) o = *opts;
    if (!source || !*source) return zoo_error_set(err, ZOO_ERR_INPUT, "convert: no source given");
    if (!out_path || !*out_path) return zoo_error_set(err, ZOO_ERR_INPUT, "convert: no output path given");
    if (o.dtype != ZOO_DT_F32 && o.dtype != ZOO_DT_F16)
        return zoo_error_set(err, ZOO_ERR_INPUT, "convert: output dtype must be F32 or F16, not %s",
                             zoo_dtype_name(o.dtype));
    const char *model = g ? zoo_graph_model_name(g) : NULL;

    zoo_src_info *si = calloc(1, sizeof *si);
    int *src_of = NULL;
    char tmpdir[PATH_MAX] = "";
    char sha[65] = "";
    zoo_tensor_list l;
    zoo_tensor_list_init(&l);
    int rc = si ? zoo_detect_source(source, si, err) : zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    if (!rc && o.source_sha256) snprintf(sha, sizeof sha, "%s", o.source_sha256);
    else if (!rc && is_archive(si->kind)) rc = sha256_file(source, sha, err);

    if (!rc && is_archive(si->kind)) {
        rc = make_tmpdir(out_path, tmpdir, sizeof tmpdir, err);
        if (!rc) rc = zoo_extract_archive(source, tmpdir, err);
        if (!rc) {
            rc = zoo_detect_source(tmpdir, si, err);
            if (!rc && si->kind != ZOO_SRC_INFERENCE && si->kind != ZOO_SRC_LEGACY_DIR)
                rc = zoo_error_set(err, ZOO_ERR_INPUT,
                                   "%s: the archive holds no inference model or parameter directory",
                                   source);
        }
    }
    if (!rc && !sha[0]) {
        if (si->kind == ZOO_SRC_INFERENCE) rc = sha256_file(si->params_path, sha, err);
        else if (si->kind == ZOO_SRC_LEGACY_DIR) rc = sha256_dir(si->path, sha, err);
        else rc = sha256_file(si->path, sha, err);
    }
    if (!rc) {
        rc = read_source(si, source, &l, err);
        if (rc && tmpdir[0]) zoo_error_prefix(err, "%s (unpacked)", source);
    }
    if (!rc && g) {
        src_of = malloc(sizeof *src_of * (size_t)(zoo_graph_param_count(g) + 1));
        if (!src_of) rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
        else rc = map_names(g, &l, source, model, src_of, err);
    }
    if (!rc) rc = write_native(g, src_of, &l, out_path, model, &o, sha, err);

    zoo_tensor_list_free(&l);
    if (tmpdir[0]) rmtree(tmpdir);
    free(src_of);
    free(si);
    return rc;
}

int zoo_convert(zoo_ctx *ctx, const char *model, const char *source, const char *out_path,
                const zoo_convert_opts *opts, zoo_error *err) {
    if (model && !ctx) return zoo_error_set(err, ZOO_ERR_INPUT, "convert: a model needs a context");
    zoo_graph *g = NULL;
    if (model && !(g = zoo_model_build(ctx, model, 0, 0, err))) return err ? err->code : ZOO_ERR_NOTFOUND;
    int rc = zoo_convert_graph(g, source, out_path, opts, err);
    zoo_graph_free(g);
    return rc;
}
