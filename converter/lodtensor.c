/* converter/lodtensor.c - parse one Paddle LoDTensor record in place
 * (lodtensor.h; byte layout in formats.md 2.3) and map files read-only.
 *
 * Contract: both version words must be 0; LoD levels are skipped, each length
 * checked against the bytes left (and required to be whole u64 offsets); the
 * TensorDesc must carry a data type zoo can hold and at most ZOO_MAX_DIMS
 * non-negative dims whose product times the element size neither overflows
 * nor exceeds the bytes left. Any violation is ZOO_ERR_INPUT with a one-line
 * message "<origin>: <problem> at byte <n>". Nothing is copied or allocated.
 */
#include "converter/lodtensor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "converter/protobuf.h"

int zoo_paddle_dtype(int code, zoo_dtype *out, const char **why) {
    static const char *const complex_why = "complex tensors are not supported";
    zoo_dtype t;
    switch (code) {
    case ZOO_PD_BOOL: t = ZOO_DT_BOOL; break;
    case ZOO_PD_INT16: t = ZOO_DT_I16; break;
    case ZOO_PD_INT32: t = ZOO_DT_I32; break;
    case ZOO_PD_INT64: t = ZOO_DT_I64; break;
    case ZOO_PD_FP16: t = ZOO_DT_F16; break;
    case ZOO_PD_FP32: t = ZOO_DT_F32; break;
    case ZOO_PD_FP64: t = ZOO_DT_F64; break;
    case ZOO_PD_SIZE_T: t = ZOO_DT_U64; break; /* size_t of a 64-bit little-endian writer */
    case ZOO_PD_UINT8: t = ZOO_DT_U8; break;
    case ZOO_PD_INT8: t = ZOO_DT_I8; break;
    case ZOO_PD_BF16: t = ZOO_DT_BF16; break;
    case ZOO_PD_COMPLEX64:
    case ZOO_PD_COMPLEX128:
        if (why) *why = complex_why;
        return -1;
    default:
        if (why) *why = "not a tensor data type";
        return -1;
    }
    *out = t;
    return 0;
}

const char *zoo_paddle_dtype_name(int code, char *buf, size_t size) {
    static const struct { int code; const char *name; } names[] = {
        {ZOO_PD_BOOL, "BOOL"},   {ZOO_PD_INT16, "INT16"},         {ZOO_PD_INT32, "INT32"},
        {ZOO_PD_INT64, "INT64"}, {ZOO_PD_FP16, "FP16"},           {ZOO_PD_FP32, "FP32"},
        {ZOO_PD_FP64, "FP64"},   {ZOO_PD_SIZE_T, "SIZE_T"},       {ZOO_PD_UINT8, "UINT8"},
        {ZOO_PD_INT8, "INT8"},   {ZOO_PD_BF16, "BF16"},           {ZOO_PD_COMPLEX64, "COMPLEX64"},
        {ZOO_PD_COMPLEX128, "COMPLEX128"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code) return names[i].name;
    snprintf(buf, size, "type %d", code);
    return buf;
}

const char *zoo_format_dims(char *buf, size_t size, int ndim, const int64_t *dims) {
    size_t k = 0;
    if (size == 0) return buf;
    buf[0] = 0;
    for (int i = -1; i <= ndim && k + 1 < size; i++) {
        int n;
        if (i < 0) n = snprintf(buf + k, size - k, "[");
        else if (i == ndim) n = snprintf(buf + k, size - k, "]");
        else n = snprintf(buf + k, size - k, "%s%lld", i ? ", " : "", (long long)dims[i]);
        if (n < 0) break;
        k += (size_t)n;
    }
    return buf;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p) {
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

typedef struct dims_ctx {
    zoo_lodtensor *t;
    int too_many;
} dims_ctx;

static int add_dim(void *ctx, uint64_t raw) {
    dims_ctx *c = ctx;
    if (c->t->ndim >= ZOO_MAX_DIMS) {
        c->too_many = 1;
        return 1;
    }
    c->t->dims[c->t->ndim++] = (int64_t)raw;
    return 0;
}

/* TensorDesc: 1 data_type (varint, required), 2 dims (repeated int64). */
static int parse_desc(const char *origin, const uint8_t *desc, size_t n, size_t at,
                      zoo_lodtensor *t, zoo_error *err) {
    zoo_pb r;
    zoo_pb_init(&r, desc, n);
    zoo_pb_field f;
    int have_type = 0, rc;
    dims_ctx dc = {t, 0};
    while ((rc = zoo_pb_next(&r, &f)) == 1) {
        if (f.num == 1) {
            if (zoo_pb_expect(&r, &f, ZOO_PB_VARINT) != 0) {
                rc = -1;
                break;
            }
            if (f.v > 1000) {
                rc = -1;
                r.why = "absurd data type code";
                r.where = f.offset;
                break;
            }
            t->paddle_dtype = (int)f.v;
            have_type = 1;
        } else if (f.num == 2) {
            int s = zoo_pb_scalars(&r, &f, ZOO_PB_K_VARINT, add_dim, &dc);
            if (s == 1 && dc.too_many)
                return zoo_error_set(err, ZOO_ERR_INPUT,
                                     "%s: tensor has more than %d dims at byte %zu", origin,
                                     ZOO_MAX_DIMS, at + f.offset);
            if (s != 0) {
                rc = -1;
                break;
            }
        }
    }
    if (rc < 0)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: malformed TensorDesc: %s at byte %zu",
                             origin, r.why ? r.why : "bad field", at + r.where);
    if (!have_type)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: TensorDesc has no data type at byte %zu",
                             origin, at);
    return 0;
}

int zoo_lodtensor_parse(const char *origin, const void *buf, size_t len, size_t base,
                        zoo_lodtensor *out, zoo_error *err) {
    const uint8_t *p = buf, *start = buf;
    size_t left = len;
    memset(out, 0, sizeof *out);
#define AT ((size_t)(p - start) + base)
    if (left < 4 + 8)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: truncated LoDTensor header at byte %zu (%zu bytes left)", origin,
                             AT, left);
    uint32_t lod_version = le32(p);
    if (lod_version != 0)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: unsupported LoDTensor version %u (expected 0) at byte %zu",
                             origin, lod_version, AT);
    p += 4;
    uint64_t lod_level = le64(p);
    p += 8;
    left -= 12;
    /* each level needs at least its 8-byte length */
    if (lod_level > left / 8)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: LoD level count %llu exceeds the %zu bytes left at byte %zu",
                             origin, (unsigned long long)lod_level, left, AT - 8);
    for (uint64_t i = 0; i < lod_level; i++) {
        if (left < 8)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: truncated LoD level %llu length at byte %zu", origin,
                                 (unsigned long long)i, AT);
        uint64_t nb = le64(p);
        p += 8;
        left -= 8;
        if (nb > left || nb % 8 != 0)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: LoD level %llu claims %llu bytes (%zu left, must be whole "
                                 "u64 offsets) at byte %zu",
                                 origin, (unsigned long long)i, (unsigned long long)nb, left,
                                 AT - 8);
        p += nb;
        left -= (size_t)nb;
    }
    if (left < 8)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: truncated tensor header at byte %zu (%zu bytes left)", origin,
                             AT, left);
    uint32_t tversion = le32(p);
    if (tversion != 0)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: unsupported tensor version %u (expected 0) at byte %zu", origin,
                             tversion, AT);
    p += 4;
    int32_t desc_size = (int32_t)le32(p);
    p += 4;
    left -= 8;
    if (desc_size < 0 || (size_t)desc_size > left)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: TensorDesc size %d exceeds the %zu bytes left at byte %zu",
                             origin, (int)desc_size, left, AT - 4);
    int rc = parse_desc(origin, p, (size_t)desc_size, AT, out, err);
    if (rc) return rc;
    size_t desc_at = AT;
    p += desc_size;
    left -= (size_t)desc_size;

    char tn[32];
    const char *why = NULL;
    if (zoo_paddle_dtype(out->paddle_dtype, &out->dtype, &why) != 0)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: unsupported data type %s (%s) at byte %zu",
                             origin, zoo_paddle_dtype_name(out->paddle_dtype, tn, sizeof tn),
                             why, desc_at);
    size_t esize = zoo_dtype_size(out->dtype);
    uint64_t numel = 1;
    for (int i = 0; i < out->ndim; i++) {
        int64_t d = out->dims[i];
        if (d < 0)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: negative dimension %lld in TensorDesc at byte %zu", origin,
                                 (long long)d, desc_at);
        if (d != 0 && numel > (uint64_t)INT64_MAX / (uint64_t)d)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: tensor element count overflows (dims too large) at byte %zu",
                                 origin, desc_at);
        numel *= (uint64_t)d;
    }
    if (numel > left / esize)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: truncated tensor data at byte %zu (need %llu x %zu bytes, %zu "
                             "left)",
                             origin, AT, (unsigned long long)numel, esize, left);
    out->numel = (int64_t)numel;
    out->nbytes = (size_t)numel * esize;
    out->data = p;
    p += out->nbytes;
    out->record_size = (size_t)(p - start);
    return 0;
#undef AT
}

int zoo_map_file(const char *path, zoo_mapped_file *m, zoo_error *err) {
    m->data = NULL;
    m->size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME,
                             "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a regular file", path);
    }
    if (st.st_size == 0) {
        close(fd);
        return 0;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot map: %s", path, strerror(e));
    m->data = p;
    m->size = (size_t)st.st_size;
    return 0;
}

void zoo_unmap_file(zoo_mapped_file *m) {
    if (m->data) munmap((void *)m->data, m->size);
    m->data = NULL;
    m->size = 0;
}
