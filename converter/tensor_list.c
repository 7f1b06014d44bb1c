/* converter/tensor_list.c - the named-tensor list every source reader fills
 * (contract in tensor_list.h).
 *
 * Tensors keep the order they were added in; names are unique (a hash index
 * makes add/find O(1)); a tensor either borrows its bytes (from an mmap'ed
 * region the list adopted, or from memory the caller keeps alive) or owns a
 * malloc'ed buffer that the list frees. Every entry is validated on entry:
 * rank <= ZOO_MAX_DIMS, non-negative dims, numel * element size == nbytes
 * without overflow.
 */
#include "converter/tensor_list.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void zoo_tensor_list_init(zoo_tensor_list *l) {
    memset(l, 0, sizeof *l);
}

void zoo_tensor_list_free(zoo_tensor_list *l) {
    if (!l) return;
    for (int i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].owned);
    }
    free(l->items);
    for (int i = 0; i < l->n_names; i++) {
        free(l->names[i].key);
        free(l->names[i].value);
    }
    free(l->names);
    free(l->format);
    for (int i = 0; i < l->n_maps; i++) munmap(l->maps[i].base, l->maps[i].len);
    free(l->maps);
    for (int i = 0; i < l->n_owners; i++) l->owners[i].release(l->owners[i].obj);
    free(l->owners);
    free(l->index);
    zoo_tensor_list_init(l);
}

static uint64_t name_hash(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int zoo_tensor_list_find(const zoo_tensor_list *l, const char *name) {
    if (!l || !name || !l->index) return -1;
    size_t mask = (size_t)l->index_cap - 1;
    for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
        int k = l->index[i];
        if (k < 0) return -1;
        if (strcmp(l->items[k].name, name) == 0) return k;
    }
}

/* Inserts item k into the index (which has room). */
static void index_put(zoo_tensor_list *l, int k) {
    size_t mask = (size_t)l->index_cap - 1;
    size_t i = name_hash(l->items[k].name) & mask;
    while (l->index[i] >= 0) i = (i + 1) & mask;
    l->index[i] = k;
}

/* Keeps the load factor <= 1/2 for n + 1 items. */
static int index_reserve(zoo_tensor_list *l) {
    if (l->index && (l->n + 1) * 2 <= l->index_cap) return 0;
    int cap = l->index_cap ? l->index_cap : 16;
    while ((l->n + 1) * 2 > cap) {
        if (cap > (1 << 29)) return -1;
        cap *= 2;
    }
    int *idx = malloc((size_t)cap * sizeof *idx);
    if (!idx) return -1;
    for (int i = 0; i < cap; i++) idx[i] = -1;
    free(l->index);
    l->index = idx;
    l->index_cap = cap;
    for (int k = 0; k < l->n; k++) index_put(l, k);
    return 0;
}

int zoo_tensor_list_add(zoo_tensor_list *l, const char *origin, const char *name, zoo_dtype dtype,
                        int ndim, const int64_t *dims, const void *data, size_t nbytes,
                        void *owned, zoo_error *err) {
    if (!origin) origin = "tensor list";
    if (!name) {
        free(owned);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor without a name", origin);
    }
    if ((int)dtype < 0 || dtype >= ZOO_DT__COUNT) {
        free(owned);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor %s has an unknown dtype", origin,
                             name);
    }
    if (ndim < 0 || ndim > ZOO_MAX_DIMS || (ndim > 0 && !dims)) {
        free(owned);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor %s has %d dimensions (at most %d)",
                             origin, name, ndim, ZOO_MAX_DIMS);
    }
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (dims[i] < 0 || (dims[i] > 0 && numel > INT64_MAX / dims[i])) {
            free(owned);
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor %s has an invalid shape", origin,
                                 name);
        }
        numel *= dims[i];
    }
    size_t es = zoo_dtype_size(dtype);
    if ((uint64_t)numel > SIZE_MAX / es || (size_t)numel * es != nbytes) {
        free(owned);
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: tensor %s: %zu bytes of data for %lld elements of %s", origin,
                             name, nbytes, (long long)numel, zoo_dtype_name(dtype));
    }
    if (nbytes > 0 && !data) {
        free(owned);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor %s has no data", origin, name);
    }
    if (zoo_tensor_list_find(l, name) >= 0) {
        free(owned);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: duplicate tensor name %s", origin, name);
    }
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        zoo_src_tensor *it = realloc(l->items, (size_t)cap * sizeof *it);
        if (!it) {
            free(owned);
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", origin);
        }
        l->items = it;
        l->cap = cap;
    }
    char *nm = strdup(name);
    if (!nm || index_reserve(l) != 0) {
        free(nm);
        free(owned);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", origin);
    }
    zoo_src_tensor *t = &l->items[l->n];
    memset(t, 0, sizeof *t);
    t->name = nm;
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->dims[i] = dims[i];
    t->numel = numel;
    t->data = data;
    t->nbytes = nbytes;
    t->owned = owned;
    l->n++;
    index_put(l, l->n - 1);
    return ZOO_OK;
}

int zoo_tensor_list_add_name(zoo_tensor_list *l, const char *key, const char *value,
                             zoo_error *err) {
    if (!key || !value)
        return zoo_error_set(err, ZOO_ERR_INPUT, "name table: entry without key or value");
    if (l->n_names == l->cap_names) {
        int cap = l->cap_names ? l->cap_names * 2 : 64;
        zoo_name_pair *p = realloc(l->names, (size_t)cap * sizeof *p);
        if (!p) return zoo_error_set(err, ZOO_ERR_RUNTIME, "name table: out of memory");
        l->names = p;
        l->cap_names = cap;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "name table: out of memory");
    }
    l->names[l->n_names].key = k;
    l->names[l->n_names].value = v;
    l->n_names++;
    return ZOO_OK;
}

int zoo_tensor_list_adopt_mapping(zoo_tensor_list *l, void *base, size_t len, zoo_error *err) {
    if (!base) return ZOO_OK;
    if (l->n_maps == l->cap_maps) {
        int cap = l->cap_maps ? l->cap_maps * 2 : 4;
        struct zoo_src_mapping *m = realloc(l->maps, (size_t)cap * sizeof *m);
        if (!m) {
            munmap(base, len);
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "tensor list: out of memory");
        }
        l->maps = m;
        l->cap_maps = cap;
    }
    l->maps[l->n_maps].base = base;
    l->maps[l->n_maps].len = len;
    l->n_maps++;
    return ZOO_OK;
}

int zoo_tensor_list_adopt(zoo_tensor_list *l, void *obj, void (*release)(void *obj),
                          zoo_error *err) {
    if (!obj || !release) return ZOO_OK;
    if (l->n_owners == l->cap_owners) {
        int cap = l->cap_owners ? l->cap_owners * 2 : 4;
        struct zoo_src_owner *o = realloc(l->owners, (size_t)cap * sizeof *o);
        if (!o) {
            release(obj);
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "tensor list: out of memory");
        }
        l->owners = o;
        l->cap_owners = cap;
    }
    l->owners[l->n_owners].obj = obj;
    l->owners[l->n_owners].release = release;
    l->n_owners++;
    return ZOO_OK;
}

int zoo_tensor_list_map_file(zoo_tensor_list *l, const char *path, const void **data,
                             size_t *len_out, zoo_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME,
                             "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a regular file", path);
    }
    if (st.st_size == 0) {
        close(fd);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: empty file", path);
    }
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    int saved = errno;
    close(fd);
    if (map == MAP_FAILED)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: mmap failed: %s", path, strerror(saved));
    int rc = zoo_tensor_list_adopt_mapping(l, map, len, err);
    if (rc) return rc;
    *data = map;
    *len_out = len;
    return ZOO_OK;
}
