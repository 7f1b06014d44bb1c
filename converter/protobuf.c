/* converter/protobuf.c - minimal protobuf wire-format reader (see protobuf.h).
 *
 * Contract: never reads outside the span given to zoo_pb_init(); every length
 * is checked before use; varints longer than 10 bytes, field number 0, and
 * group / reserved wire types are malformed. Unknown fields are the caller's
 * business (it simply ignores what zoo_pb_next() returns).
 */
#include "converter/protobuf.h"

#include <string.h>

static int fail(zoo_pb *r, const uint8_t *at, const char *why) {
    r->why = why;
    r->where = (size_t)(at - r->base);
    return -1;
}

void zoo_pb_init(zoo_pb *r, const void *buf, size_t len) {
    r->p = (const uint8_t *)buf;
    r->end = r->p + len;
    r->base = r->p;
    r->why = NULL;
    r->where = 0;
}

void zoo_pb_sub(zoo_pb *child, const zoo_pb *parent, const zoo_pb_field *f) {
    child->p = f->data;
    child->end = f->data + f->len;
    child->base = parent->base;
    child->why = NULL;
    child->where = 0;
}

int zoo_pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out) {
    uint64_t v = 0;
    const uint8_t *q = *p;
    for (int i = 0; i < 10; i++) {
        if (q >= end) return -1;
        uint8_t b = *q++;
        if (i == 9 && b > 1) return -1; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *p = q;
            *out = v;
            return 0;
        }
    }
    return -1;
}

int zoo_pb_next(zoo_pb *r, zoo_pb_field *f) {
    if (r->p >= r->end) return 0;
    const uint8_t *start = r->p;
    uint64_t key;
    if (zoo_pb_read_varint(&r->p, r->end, &key) != 0)
        return fail(r, start, "truncated or overlong field tag");
    uint64_t num = key >> 3;
    if (num == 0 || num > 0x1fffffff) return fail(r, start, "invalid field number");
    memset(f, 0, sizeof *f);
    f->num = (uint32_t)num;
    f->wire = (int)(key & 7);
    f->offset = (size_t)(start - r->base);
    size_t left;
    switch (f->wire) {
    case ZOO_PB_VARINT:
        if (zoo_pb_read_varint(&r->p, r->end, &f->v) != 0)
            return fail(r, start, "truncated or overlong varint");
        return 1;
    case ZOO_PB_I64:
        if ((size_t)(r->end - r->p) < 8) return fail(r, start, "truncated 64-bit field");
        for (int i = 7; i >= 0; i--) f->v = (f->v << 8) | r->p[i];
        r->p += 8;
        return 1;
    case ZOO_PB_I32:
        if ((size_t)(r->end - r->p) < 4) return fail(r, start, "truncated 32-bit field");
        for (int i = 3; i >= 0; i--) f->v = (f->v << 8) | r->p[i];
        r->p += 4;
        return 1;
    case ZOO_PB_LEN: {
        uint64_t n;
        if (zoo_pb_read_varint(&r->p, r->end, &n) != 0)
            return fail(r, start, "truncated length prefix");
        left = (size_t)(r->end - r->p);
        if (n > left) return fail(r, start, "length runs past the end of the enclosing message");
        f->data = r->p;
        f->len = (size_t)n;
        r->p += n;
        return 1;
    }
    default:
        return fail(r, start, "unsupported wire type (group or reserved)");
    }
}

int zoo_pb_expect(zoo_pb *r, const zoo_pb_field *f, int wire) {
    if (f->wire == wire) return 0;
    r->why = "unexpected wire type for a known field";
    r->where = f->offset;
    return -1;
}

float zoo_pb_f32(uint64_t raw) {
    uint32_t u = (uint32_t)raw;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

double zoo_pb_f64(uint64_t raw) {
    double x;
    memcpy(&x, &raw, sizeof x);
    return x;
}

static int scalar_wire(int kind) {
    return kind == ZOO_PB_K_F32 ? ZOO_PB_I32 : kind == ZOO_PB_K_F64 ? ZOO_PB_I64 : ZOO_PB_VARINT;
}

int zoo_pb_scalars(zoo_pb *r, const zoo_pb_field *f, int kind,
                   int (*fn)(void *ctx, uint64_t raw), void *ctx) {
    if (f->wire == scalar_wire(kind)) return fn(ctx, f->v);
    if (f->wire != ZOO_PB_LEN) return zoo_pb_expect(r, f, scalar_wire(kind));
    const uint8_t *p = f->data, *end = f->data + f->len;
    while (p < end) {
        uint64_t v = 0;
        if (kind == ZOO_PB_K_VARINT) {
            const uint8_t *at = p;
            if (zoo_pb_read_varint(&p, end, &v) != 0)
                return fail(r, at, "truncated varint in packed repeated field");
        } else {
            size_t w = kind == ZOO_PB_K_F32 ? 4 : 8;
            if ((size_t)(end - p) < w)
                return fail(r, p, "packed repeated field length is not a multiple of its element size");
            for (size_t i = w; i-- > 0;) v = (v << 8) | p[i];
            p += w;
        }
        int rc = fn(ctx, v);
        if (rc) return rc;
    }
    return 0;
}
