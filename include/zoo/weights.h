/* zoo/weights.h - the native weight format (docs/format.md).
 *
 * A native file is a valid safetensors file:
 *     u64 header_len (LE) | JSON header | data buffer
 * with these extra rules, all checked on load:
 *   - the data buffer starts at a file offset that is a multiple of 64 and
 *     every tensor starts at a multiple of 64 inside it; gaps are filled by
 *     padding tensors named "__zoo_pad.<k>" (dtype U8) so the file stays a
 *     gap-free safetensors file that any safetensors reader accepts;
 *   - "__metadata__" carries "zoo.format" = "zoo-weights", "zoo.format_version",
 *     "zoo.model", "zoo.source_url", "zoo.source_sha256", "zoo.converter_version",
 *     and "zoo.digest" = hex SHA-256 over the canonical tensor index (every
 *     tensor's name, dtype, shape and offsets, and every other metadata entry)
 *     followed by the whole data buffer;
 *   - the digest is verified on every open unless ZOO_WEIGHTS_NO_VERIFY.
 *
 * The reader also opens foreign safetensors files (no zoo metadata: nothing
 * to verify, alignment not required) for the converters.
 * The file is mmap'ed read-only; tensor views point into the mapping and stay
 * valid until zoo_weights_close().
 */
#ifndef ZOO_WEIGHTS_H
#define ZOO_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum zoo_dtype {
    ZOO_DT_F32 = 0,
    ZOO_DT_F16,
    ZOO_DT_BF16,
    ZOO_DT_F64,
    ZOO_DT_I64,
    ZOO_DT_I32,
    ZOO_DT_I16,
    ZOO_DT_I8,
    ZOO_DT_U8,
    ZOO_DT_BOOL,
    ZOO_DT_U16,
    ZOO_DT_U32,
    ZOO_DT_U64,
    ZOO_DT__COUNT
} zoo_dtype;

size_t zoo_dtype_size(zoo_dtype t);                /* bytes per element */
const char *zoo_dtype_name(zoo_dtype t);           /* safetensors spelling: "F32", ... */
int zoo_dtype_from_name(const char *s, zoo_dtype *out); /* 0 or -1 */

#define ZOO_MAX_DIMS 8

typedef struct zoo_tensor_view {
    const char *name;
    zoo_dtype dtype;
    int ndim;
    int64_t dims[ZOO_MAX_DIMS];
    int64_t numel;
    const void *data; /* little-endian, row-major */
    size_t nbytes;
} zoo_tensor_view;

#define ZOO_WEIGHTS_FORMAT_NAME "zoo-weights"
#define ZOO_WEIGHTS_FORMAT_VERSION "1"
#define ZOO_WEIGHTS_ALIGN 64

/* ---- reading ------------------------------------------------------------ */

typedef struct zoo_weights zoo_weights;

#define ZOO_WEIGHTS_NO_VERIFY 1u    /* skip the digest check (zoo verify still checks) */
#define ZOO_WEIGHTS_REQUIRE_ZOO 2u  /* refuse files without zoo metadata */

zoo_weights *zoo_weights_open(const char *path, unsigned flags, zoo_error *err);
void zoo_weights_close(zoo_weights *w);

int zoo_weights_count(const zoo_weights *w);  /* tensors, padding tensors excluded */
int zoo_weights_get(const zoo_weights *w, int i, zoo_tensor_view *out);            /* 0 / -1 */
int zoo_weights_find(const zoo_weights *w, const char *name, zoo_tensor_view *out); /* 0 / -1 */
const char *zoo_weights_meta(const zoo_weights *w, const char *key); /* NULL if absent */
int zoo_weights_meta_count(const zoo_weights *w);
int zoo_weights_meta_get(const zoo_weights *w, int i, const char **key, const char **value);
int zoo_weights_is_native(const zoo_weights *w); /* carries zoo metadata */
const char *zoo_weights_path(const zoo_weights *w);

/* Recomputes the digest of an open native file: ZOO_OK or ZOO_ERR_INTEGRITY. */
int zoo_weights_verify(const zoo_weights *w, zoo_error *err);

/* ---- writing ------------------------------------------------------------ */

typedef struct zoo_weights_writer zoo_weights_writer;

/* Output goes to "<path>.tmp.<pid>" and is renamed onto `path` by finish();
 * abort() (or a failed finish) removes it: nothing half-written is left. */
zoo_weights_writer *zoo_weights_writer_new(const char *path, zoo_error *err);
int zoo_weights_writer_meta(zoo_weights_writer *w, const char *key, const char *value,
                            zoo_error *err);
/* `data` must stay valid until finish(); the writer does not copy it. */
int zoo_weights_writer_add(zoo_weights_writer *w, const char *name, zoo_dtype dtype, int ndim,
                           const int64_t *dims, const void *data, zoo_error *err);
int zoo_weights_writer_finish(zoo_weights_writer *w, zoo_error *err); /* frees w */
void zoo_weights_writer_abort(zoo_weights_writer *w);                  /* frees w */

/* IEEE half conversion, round-to-nearest-even (used for --dtype f16). */
uint16_t zoo_f32_to_f16(float f);
float zoo_f16_to_f32(uint16_t h);
float zoo_bf16_to_f32(uint16_t h);

#ifdef __cplusplus
}
#endif
#endif
