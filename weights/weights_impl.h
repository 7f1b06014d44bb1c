/* weights/weights_impl.h - internals shared by the reader, the writer and the
 * digest of the native weight format (docs/format.md). Not a public header.
 */
#ifndef ZOO_WEIGHTS_IMPL_H
#define ZOO_WEIGHTS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "zoo/weights.h"

/* safetensors' own limit on the JSON header */
#define ZOO_WEIGHTS_MAX_HEADER 100000000ull

/* name prefix of the alignment padding tensors */
#define ZOO_WEIGHTS_PAD_PREFIX "__zoo_pad."

#define ZOO_META_FORMAT "zoo.format"
#define ZOO_META_FORMAT_VERSION "zoo.format_version"
#define ZOO_META_DIGEST "zoo.digest"

/* One entry of the tensor index, as the digest sees it. */
typedef struct zoo_index_entry {
    const char *name;
    zoo_dtype dtype;
    int ndim;
    const int64_t *dims;
    uint64_t begin, end; /* offsets inside the data buffer, end exclusive */
} zoo_index_entry;

typedef struct zoo_meta_entry {
    const char *key;
    const char *value;
} zoo_meta_entry;

/* Streaming SHA-256 of a native file's canonical form (digest.c).
 * begin() hashes the canonical index of `meta` (the entry "zoo.digest" is
 * skipped) and `index` (every tensor, padding included); then the caller feeds
 * the whole data buffer, in order, through update(); end() writes 64 lowercase
 * hex digits and a NUL to hex. begin() and end() return 0, or -1 with err set
 * (out of memory, OpenSSL failure); end() and abort() free the state. */
typedef struct zoo_digest zoo_digest;
zoo_digest *zoo_digest_begin(const zoo_meta_entry *meta, int n_meta, const zoo_index_entry *index,
                             int n_index, zoo_error *err);
int zoo_digest_update(zoo_digest *d, const void *data, size_t len, zoo_error *err);
int zoo_digest_end(zoo_digest *d, char hex[65], zoo_error *err);
void zoo_digest_abort(zoo_digest *d);

/* Whether `name` is an alignment padding tensor name. */
int zoo_weights_is_pad_name(const char *name);

#endif
