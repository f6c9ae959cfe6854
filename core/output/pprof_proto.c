/* pprof_proto.c - protobuf wire-format encoding into a growable buffer (see pprof_proto.h).
 * Written by hand: profile.proto needs only varints and length-delimited fields, and the
 * decoder that matters (`go tool pprof`) checks the result in the tests. */
#include "pprof_proto.h"

#include <stdlib.h>
#include <string.h>

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

void pb_free(pb_buf *p)
{
    free(p->b);
    memset(p, 0, sizeof *p);
}

void pb_reset(pb_buf *p) { p->len = 0; }

static int reserve(pb_buf *p, size_t more)
{
    if (p->oom)
        return -1;
    if (p->len + more <= p->cap)
        return 0;
    size_t cap = p->cap ? p->cap : 256;
    while (cap < p->len + more) {
        if (cap > SIZE_MAX / 2) {
            p->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    uint8_t *b = realloc(p->b, cap);
    if (!b) {
        p->oom = 1;
        return -1;
    }
    p->b = b;
    p->cap = cap;
    return 0;
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

void pb_varint(pb_buf *p, uint64_t v)
{
    if (reserve(p, 10) < 0)
        return;
    while (v >= 0x80) {
        p->b[p->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p->b[p->len++] = (uint8_t)v;
}

static void key(pb_buf *p, uint32_t field, unsigned wire) { pb_varint(p, ((uint64_t)field << 3) | wire); }

void pb_u64(pb_buf *p, uint32_t field, uint64_t v)
{
    if (v == 0)
        return;
    key(p, field, WIRE_VARINT);
    pb_varint(p, v);
}

void pb_i64(pb_buf *p, uint32_t field, int64_t v) { pb_u64(p, field, (uint64_t)v); }

void pb_bool(pb_buf *p, uint32_t field, int v) { pb_u64(p, field, v ? 1 : 0); }

void pb_bytes(pb_buf *p, uint32_t field, const void *data, size_t n)
{
    key(p, field, WIRE_LEN);
    pb_varint(p, n);
    if (n == 0 || reserve(p, n) < 0)
        return;
    memcpy(p->b + p->len, data, n);
    p->len += n;
}

void pb_msg(pb_buf *p, uint32_t field, const pb_buf *msg)
{
    if (msg->oom) {
        p->oom = 1;
        return;
    }
    pb_bytes(p, field, msg->b, msg->len);
}

void pb_raw(pb_buf *p, const pb_buf *encoded)
{
    if (encoded->oom) {
        p->oom = 1;
        return;
    }
    if (encoded->len == 0 || reserve(p, encoded->len) < 0)
        return;
    memcpy(p->b + p->len, encoded->b, encoded->len);
    p->len += encoded->len;
}

void pb_packed_u64(pb_buf *p, uint32_t field, const uint64_t *v, size_t n)
{
    if (n == 0)
        return;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += varint_len(v[i]);
    key(p, field, WIRE_LEN);
    pb_varint(p, total);
    for (size_t i = 0; i < n; i++)
        pb_varint(p, v[i]);
}

void pb_packed_i64(pb_buf *p, uint32_t field, const int64_t *v, size_t n)
{
    if (n == 0)
        return;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += varint_len((uint64_t)v[i]);
    key(p, field, WIRE_LEN);
    pb_varint(p, total);
    for (size_t i = 0; i < n; i++)
        pb_varint(p, (uint64_t)v[i]);
}
