/* converter/legacy_dir.c - legacy static-graph parameter directory ->
 * zoo_tensor_list (zoo_read_legacy_dir in readers.h; formats.md 3).
 *
 * Contract:
 *   - the directory is walked recursively (at most 64 levels, 1,000,000
 *     entries); every regular file is one parameter, named by its path
 *     relative to `dir` with '/' separators, and must hold exactly one
 *     LoDTensor record (lodtensor.h) and nothing else;
 *   - skipped: `__model__` at the top (the ProgramDesc, used below) and
 *     hidden entries (names starting with '.', e.g. macOS "._x" files);
 *   - refused with a clear message: `__params__` (a combined-params model,
 *     read it with zoo_read_pdiparams), files of the other Paddle formats
 *     (*.pdmodel, *.pdiparams, *.pdiparams.info, *.pdparams, *.pdopt),
 *     symbolic links, and any other file type (devices, FIFOs, sockets);
 *   - when `__model__` is present, every tensor that the program declares as
 *     a persistable variable must have the declared dtype and dims; tensors the
 *     program does not mention (optimizer state etc.) are kept unchecked;
 *   - tensors appear in strcmp order of their names and borrow their bytes
 *     from the mapped files, which the list adopts.
 * Every failure leaves `out` empty and sets one line naming the file.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "converter/lodtensor.h"
#include "converter/programdesc.h"
#include "converter/readers.h"

#define MAX_DEPTH 64
#define MAX_ENTRIES 1000000

typedef struct walk {
    const char *root;
    char **rel; /* relative paths of regular files */
    size_t n, cap;
    size_t seen;
    int has_model;
    zoo_error *err;
} walk;

static int push(walk *w, const char *rel) {
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 128;
        char **r = realloc(w->rel, cap * sizeof *r);
        if (!r) return zoo_error_set(w->err, ZOO_ERR_RUNTIME, "%s: out of memory", w->root);
        w->rel = r;
        w->cap = cap;
    }
    if (!(w->rel[w->n] = strdup(rel)))
        return zoo_error_set(w->err, ZOO_ERR_RUNTIME, "%s: out of memory", w->root);
    w->n++;
    return 0;
}

/* Files of the other Paddle formats: a clearer refusal than "not a tensor". */
static int inference_file(const char *nm) {
    static const char *const ext[] = {".pdmodel", ".pdiparams", ".pdiparams.info", ".pdparams",
                                      ".pdopt"};
    size_t n = strlen(nm);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t k = strlen(ext[i]);
        if (n >= k && strcmp(nm + n - k, ext[i]) == 0) return 1;
    }
    return 0;
}

static int walk_dir(walk *w, const char *rel, int depth) {
    char path[4096];
    int pn = rel[0] ? snprintf(path, sizeof path, "%s/%s", w->root, rel)
                    : snprintf(path, sizeof path, "%s", w->root);
    if (pn < 0 || (size_t)pn >= sizeof path)
        return zoo_error_set(w->err, ZOO_ERR_INPUT, "%s/%s: path too long", w->root, rel);
    if (depth > MAX_DEPTH)
        return zoo_error_set(w->err, ZOO_ERR_INPUT, "%s: directories nested too deeply", path);
    DIR *d = opendir(path);
    if (!d)
        return zoo_error_set(w->err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_INPUT,
                             "%s: cannot open directory: %s", path, strerror(errno));
    int rc = 0;
    struct dirent *e;
    while (!rc && (errno = 0, e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (nm[0] == '.') continue; /* ".", "..", hidden files */
        if (++w->seen > MAX_ENTRIES) {
            rc = zoo_error_set(w->err, ZOO_ERR_INPUT, "%s: more than %d entries", w->root,
                               MAX_ENTRIES);
            break;
        }
        char child[4096], full[4096];
        int cn = rel[0] ? snprintf(child, sizeof child, "%s/%s", rel, nm)
                        : snprintf(child, sizeof child, "%s", nm);
        int fn = snprintf(full, sizeof full, "%s/%s", path, nm);
        if (cn < 0 || (size_t)cn >= sizeof child || fn < 0 || (size_t)fn >= sizeof full) {
            rc = zoo_error_set(w->err, ZOO_ERR_INPUT, "%s/%s: path too long", path, nm);
            break;
        }
        struct stat st;
        if (lstat(full, &st) != 0) {
            rc = zoo_error_set(w->err, ZOO_ERR_RUNTIME, "%s: cannot stat: %s", full,
                               strerror(errno));
        } else if (S_ISDIR(st.st_mode)) {
            rc = walk_dir(w, child, depth + 1);
        } else if (S_ISLNK(st.st_mode)) {
            rc = zoo_error_set(w->err, ZOO_ERR_INPUT,
                               "%s: symbolic link (a parameter directory must hold regular "
                               "files only)",
                               full);
        } else if (!S_ISREG(st.st_mode)) {
            rc = zoo_error_set(w->err, ZOO_ERR_INPUT,
                               "%s: not a regular file (device, FIFO or socket)", full);
        } else if (depth == 0 && strcmp(nm, "__model__") == 0) {
            w->has_model = 1;
        } else if (depth == 0 && strcmp(nm, "__params__") == 0) {
            rc = zoo_error_set(w->err, ZOO_ERR_INPUT,
                               "%s: combined parameter file: this is an inference model "
                               "(__model__ + __params__), not a directory of one file per "
                               "parameter",
                               full);
        } else if (inference_file(nm)) {
            rc = zoo_error_set(w->err, ZOO_ERR_INPUT,
                               "%s: a Paddle model file, not a one-tensor parameter file (read "
                               "this directory as an inference model or .pdparams instead)",
                               full);
        } else {
            rc = push(w, child);
        }
    }
    if (!rc && errno != 0)
        rc = zoo_error_set(w->err, ZOO_ERR_RUNTIME, "%s: cannot read directory: %s", path,
                           strerror(errno));
    closedir(d);
    return rc;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_against_program(const zoo_program *prog, const char *file, const char *name,
                                 const zoo_lodtensor *t, zoo_error *err) {
    const zoo_pd_var *v = zoo_program_find_var(prog, name);
    if (!v || !v->persistable || !v->has_tensor) return 0;
    char a[32], b[32];
    if (v->dtype != t->paddle_dtype)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: data type %s but __model__ declares %s",
                             file, zoo_paddle_dtype_name(t->paddle_dtype, a, sizeof a),
                             zoo_paddle_dtype_name(v->dtype, b, sizeof b));
    int ok = v->ndim == t->ndim;
    for (int i = 0; ok && i < t->ndim; i++)
        if (v->dims[i] >= 0 && v->dims[i] != t->dims[i]) ok = 0;
    char da[200], db[200];
    if (!ok)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: shape %s but __model__ declares %s", file,
                             zoo_format_dims(da, sizeof da, t->ndim, t->dims),
                             zoo_format_dims(db, sizeof db, v->ndim, v->dims));
    return 0;
}

static int read_one(const char *dir, const char *rel, const zoo_program *prog,
                    zoo_tensor_list *out, zoo_error *err) {
    char path[4096];
    int pn = snprintf(path, sizeof path, "%s/%s", dir, rel);
    if (pn < 0 || (size_t)pn >= sizeof path)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s/%s: path too long", dir, rel);
    zoo_mapped_file m;
    int rc = zoo_map_file(path, &m, err);
    if (rc) return rc;
    if (!m.data) return zoo_error_set(err, ZOO_ERR_INPUT, "%s: empty file (not a tensor)", path);
    if ((rc = zoo_tensor_list_adopt_mapping(out, (void *)m.data, m.size, err)) != 0) return rc;
    zoo_lodtensor t;
    if ((rc = zoo_lodtensor_parse(path, m.data, m.size, 0, &t, err)) != 0) return rc;
    if (t.record_size != m.size)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: %zu unexpected bytes at byte %zu after the tensor record", path,
                             m.size - t.record_size, t.record_size);
    if (prog && (rc = check_against_program(prog, path, rel, &t, err)) != 0) return rc;
    return zoo_tensor_list_add(out, path, rel, t.dtype, t.ndim, t.dims, t.data, t.nbytes, NULL,
                               err);
}

int zoo_read_legacy_dir(const char *dir, zoo_tensor_list *out, zoo_error *err) {
    zoo_tensor_list_init(out);
    struct stat st;
    if (stat(dir, &st) != 0)
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_INPUT,
                             "%s: cannot open: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a directory", dir);
    walk w = {dir, NULL, 0, 0, 0, 0, err};
    int rc = walk_dir(&w, "", 0);
    if (!rc && w.n == 0)
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: no parameter files in the directory", dir);
    zoo_program prog = {0};
    int have_prog = 0;
    if (!rc && w.has_model) {
        char mp[4096];
        int pn = snprintf(mp, sizeof mp, "%s/__model__", dir);
        if (pn < 0 || (size_t)pn >= sizeof mp)
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: path too long", dir);
        else if ((rc = zoo_program_load(mp, &prog, err)) == 0)
            have_prog = 1;
    }
    if (!rc) qsort(w.rel, w.n, sizeof *w.rel, cmp_str);
    for (size_t i = 0; !rc && i < w.n; i++)
        rc = read_one(dir, w.rel[i], have_prog ? &prog : NULL, out, err);
    if (!rc && !(out->format = strdup("legacy-dir")))
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", dir);
    for (size_t i = 0; i < w.n; i++) free(w.rel[i]);
    free(w.rel);
    if (have_prog) zoo_program_free(&prog);
    if (rc) zoo_tensor_list_free(out);
    return rc;
}
