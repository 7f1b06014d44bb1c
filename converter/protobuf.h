/* converter/protobuf.h - a minimal, bounds-checked protobuf wire-format reader.
 *
 * Enough of the wire format to read Paddle's ProgramDesc / TensorDesc (proto2):
 * varint (0), 64-bit (1), length-delimited (2) and 32-bit (5) fields; groups
 * (3, 4) and anything else are refused. Every length is checked against the
 * enclosing span; nothing is ever read outside [p, end). Repeated scalars can
 * arrive unpacked (one field per element, proto2's default) or packed (one
 * length-delimited field): zoo_pb_scalars() accepts both.
 *
 * No allocation, no global state. Errors are reported as a static reason
 * string plus the byte offset from the start of the outermost buffer, so the
 * caller can write "<file>: <what>: <reason> at byte <n>".
 */
#ifndef ZOO_CONVERTER_PROTOBUF_H
#define ZOO_CONVERTER_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

enum { ZOO_PB_VARINT = 0, ZOO_PB_I64 = 1, ZOO_PB_LEN = 2, ZOO_PB_I32 = 5 };

typedef struct zoo_pb {
    const uint8_t *p, *end; /* unread part of this message */
    const uint8_t *base;    /* start of the outermost buffer (for offsets) */
    const char *why;        /* reason of the last failure (static string) */
    size_t where;           /* its byte offset from base */
} zoo_pb;

typedef struct zoo_pb_field {
    uint32_t num;        /* field number (>= 1) */
    int wire;            /* ZOO_PB_* */
    uint64_t v;          /* VARINT, I64 and I32 payloads (I32 zero-extended) */
    const uint8_t *data; /* LEN payload */
    size_t len;
    size_t offset;       /* offset of the tag from base */
} zoo_pb_field;

/* A reader over [buf, buf + len). */
void zoo_pb_init(zoo_pb *r, const void *buf, size_t len);
/* A reader over a LEN field's payload (shares the parent's base). */
void zoo_pb_sub(zoo_pb *child, const zoo_pb *parent, const zoo_pb_field *f);

/* Next field: 1 = *f filled, 0 = end of message, -1 = malformed (r->why, r->where). */
int zoo_pb_next(zoo_pb *r, zoo_pb_field *f);

/* Decodes one varint at *p (< end), advancing *p. 0 or -1 (truncated / over 10 bytes). */
int zoo_pb_read_varint(const uint8_t **p, const uint8_t *end, uint64_t *out);

/* Kinds of repeated scalar for zoo_pb_scalars(). */
enum { ZOO_PB_K_VARINT, ZOO_PB_K_F32, ZOO_PB_K_F64 };

/* Calls fn(ctx, raw) for every element of a repeated scalar field `f` whose
 * elements are of `kind`: one element if `f` is unpacked (wire type must
 * match), every element of the payload if it is packed (LEN). For F32 the raw
 * value holds the 32 bits, for F64 the 64 bits. Returns 0, -1 if malformed
 * (r->why/where set), or fn's nonzero return value. */
int zoo_pb_scalars(zoo_pb *r, const zoo_pb_field *f, int kind,
                   int (*fn)(void *ctx, uint64_t raw), void *ctx);

/* Wire-type helpers: f is the expected kind, else -1 with r->why set. */
int zoo_pb_expect(zoo_pb *r, const zoo_pb_field *f, int wire);

float zoo_pb_f32(uint64_t raw);
double zoo_pb_f64(uint64_t raw);

#endif
