/* go_stackmap.c - decoding funcdata stack maps and stack object records (see go_stackmap.h). */
#include "go_stackmap.h"

#include "go_window.h"

#define MAX_MAP_WORDS (1u << 24) /* 128 MiB of frame: more means a corrupt map */
#define MAX_STACK_OBJECTS 65536
#define REC_SIZE 16

int go_stackmap_entry(const uint8_t *p, size_t avail, int32_t idx, go_bitvec *out)
{
    out->n = 0;
    out->bits = NULL;
    if (!p || avail < 8)
        return GO_STACKMAP_BAD;
    int32_t n = (int32_t)go_le32(p), nbit = (int32_t)go_le32(p + 4);
    if (n <= 0 || nbit < 0 || (uint32_t)nbit > MAX_MAP_WORDS)
        return GO_STACKMAP_BAD;
    if (nbit == 0)
        return GO_STACKMAP_EMPTY;
    if (idx < 0 || idx >= n)
        return GO_STACKMAP_BAD;
    uint64_t per = ((uint64_t)nbit + 7) / 8, at = 8 + (uint64_t)idx * per;
    if (at + per > avail)
        return GO_STACKMAP_BAD;
    out->n = (uint32_t)nbit;
    out->bits = p + at;
    return GO_STACKMAP_OK;
}

long go_stackobj_count(const uint8_t *p, size_t avail)
{
    if (!p || avail < 8)
        return -1;
    uint64_t n = go_le64(p);
    if (n > MAX_STACK_OBJECTS || 8 + n * REC_SIZE > avail)
        return -1;
    return (long)n;
}

void go_stackobj_at(const uint8_t *p, long i, go_stackobj_rec *r)
{
    const uint8_t *q = p + 8 + (size_t)i * REC_SIZE;
    r->off = (int32_t)go_le32(q);
    r->size = (int32_t)go_le32(q + 4);
    r->ptrdata = (int32_t)go_le32(q + 8);
    r->gcdataoff = go_le32(q + 12);
}
