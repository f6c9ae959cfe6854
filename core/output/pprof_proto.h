/* pprof_proto.h - the few protobuf wire-format primitives profile.proto needs (varints,
 * length-delimited fields, packed repeated integers), written into a growable byte buffer.
 * Encoding only; field numbers are the callers' business (pprof.c). */
#ifndef HS_PPROF_PROTO_H
#define HS_PPROF_PROTO_H

#include <stddef.h>
#include <stdint.h>

typedef struct pb_buf {
    uint8_t *b;
    size_t len, cap;
    int oom; /* set once an append failed; later appends are ignored */
} pb_buf;

void pb_free(pb_buf *p);
void pb_reset(pb_buf *p);

void pb_varint(pb_buf *p, uint64_t v);
/* Varint fields; proto3 defaults (0, false) are omitted, as the Go runtime's writer does. */
void pb_u64(pb_buf *p, uint32_t field, uint64_t v);
void pb_i64(pb_buf *p, uint32_t field, int64_t v);
void pb_bool(pb_buf *p, uint32_t field, int v);
/* A length-delimited field (bytes, string, or an embedded message); always written. */
void pb_bytes(pb_buf *p, uint32_t field, const void *data, size_t n);
void pb_msg(pb_buf *p, uint32_t field, const pb_buf *msg);
/* Appends bytes that are already encoded fields (a buffer of whole messages). */
void pb_raw(pb_buf *p, const pb_buf *encoded);
/* Packed repeated integers; nothing is written for n == 0. */
void pb_packed_u64(pb_buf *p, uint32_t field, const uint64_t *v, size_t n);
void pb_packed_i64(pb_buf *p, uint32_t field, const int64_t *v, size_t n);

#endif
