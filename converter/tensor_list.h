/* converter/tensor_list.h - the common currency of every source reader.
 *
 * Each reader (pdparams pickle, pdiparams, legacy LoDTensor directory, PyTorch,
 * safetensors) produces a zoo_tensor_list: named tensors with their dtype,
 * shape and bytes, in the order the source stores them, plus an optional
 * name table (Paddle's "StructuredToParameterName@@" or .pdiparams.info:
 * structured key -> Paddle parameter name). convert.c then maps names onto a
 * model graph's canonical parameter names and writes a native file.
 */
#ifndef ZOO_CONVERTER_TENSOR_LIST_H
#define ZOO_CONVERTER_TENSOR_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"
#include "zoo/weights.h"

typedef struct zoo_src_tensor {
    char *name;
    zoo_dtype dtype;
    int ndim;
    int64_t dims[ZOO_MAX_DIMS];
    int64_t numel;
    const void *data; /* little-endian, row-major */
    size_t nbytes;
    void *owned;      /* malloc'ed buffer behind data, freed with the list; NULL if borrowed */
} zoo_src_tensor;

typedef struct zoo_name_pair {
    char *key;   /* structured name */
    char *value; /* parameter name */
} zoo_name_pair;

typedef struct zoo_tensor_list {
    zoo_src_tensor *items;
    int n, cap;
    zoo_name_pair *names; /* optional name table */
    int n_names, cap_names;
    char *format;         /* "pdparams-p4", "pdiparams", "legacy-dir", "pth-zip", ... */
    /* mmap'ed source regions that borrowed tensors point into (munmap'ed by free) */
    struct zoo_src_mapping { void *base; size_t len; } *maps;
    int n_maps, cap_maps;
    int *index; int index_cap; /* name hash index, private to tensor_list.c */
    /* other objects tensors borrow from (an open zoo_weights), released by free */
    struct zoo_src_owner { void *obj; void (*release)(void *obj); } *owners;
    int n_owners, cap_owners;
} zoo_tensor_list;

void zoo_tensor_list_init(zoo_tensor_list *l);
void zoo_tensor_list_free(zoo_tensor_list *l);
/* Appends a tensor. If `owned` is non-NULL the list takes ownership of it
 * (even on failure). Duplicate names are an error naming `origin`. */
int zoo_tensor_list_add(zoo_tensor_list *l, const char *origin, const char *name, zoo_dtype dtype,
                        int ndim, const int64_t *dims, const void *data, size_t nbytes,
                        void *owned, zoo_error *err);
int zoo_tensor_list_add_name(zoo_tensor_list *l, const char *key, const char *value,
                             zoo_error *err);
/* Opens `path` (a non-empty regular file), maps it read-only and hands the
 * mapping to the list (unmapped when the list is freed). On success *data and
 * *len describe the mapping. One-line errors name the file. */
int zoo_tensor_list_map_file(zoo_tensor_list *l, const char *path, const void **data, size_t *len,
                             zoo_error *err);
int zoo_tensor_list_find(const zoo_tensor_list *l, const char *name); /* index or -1 */
/* Hands an mmap'ed region to the list, which munmaps it when freed (also when
 * this call fails), so tensors may borrow bytes from a mapped file. */
int zoo_tensor_list_adopt_mapping(zoo_tensor_list *l, void *base, size_t len, zoo_error *err);
/* Hands any object to the list, which calls release(obj) when it is freed
 * (also when this call fails), so tensors may borrow from it (safetensors
 * sources borrow from an open zoo_weights). */
int zoo_tensor_list_adopt(zoo_tensor_list *l, void *obj, void (*release)(void *obj),
                          zoo_error *err);

#endif
