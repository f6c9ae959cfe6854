/* go_heap_span.c - the layout of runtime.mspan in one release, decoding one copy of it, and the
 * checks an in-use span's members must pass before the walker trusts them (see go_heap_span.h). */
#include "go_heap_span.h"

#include <stddef.h>
#include <string.h>

#include "go_heap_globals.h"

#define MAX_SMALL_SPAN_PAGES 16      /* class_to_allocnpages tops out at 10 in 1.19-1.27 */
#define MAX_SPAN_PAGES (1ull << 32)  /* 32 TiB in one object: more means a corrupt span */

typedef struct member {
    size_t slot; /* offsetof(go_span_layout, ...) */
    const char *type, *path;
    int required;
    int width; /* bytes decoded from the member; 0: the size of freeindex/nelems */
} member;

#define M(f, type, path, req, w) {offsetof(go_span_layout, f), type, path, req, w}

static const member members[] = {
    M(start_addr, "runtime.mspan", "startAddr", 1, 8), M(npages, "runtime.mspan", "npages", 1, 8),
    M(freeindex, "runtime.mspan", "freeindex", 1, 0), M(nelems, "runtime.mspan", "nelems", 1, 0),
    M(alloc_bits, "runtime.mspan", "allocBits", 1, 8), M(sweepgen, "runtime.mspan", "sweepgen", 1, 4),
    M(alloc_count, "runtime.mspan", "allocCount", 1, 2),
    M(alloc_count_before_cache, "runtime.mspan", "allocCountBeforeCache", 0, 2),
    M(spanclass, "runtime.mspan", "spanclass", 1, 1), M(state, "runtime.mspan", "state", 1, 1),
    M(elemsize, "runtime.mspan", "elemsize", 1, 8), M(limit, "runtime.mspan", "limit", 1, 8),
    M(large_type, "runtime.mspan", "largeType", 0, 8),
    M(specials, "runtime.mspan", "specials", 0, 8),
    M(mheap_sweepgen, "runtime.mheap", "sweepgen", 1, 0),
    M(mheap_allspans, "runtime.mheap", "allspans", 1, 0),
};
#define NMEMBERS (sizeof members / sizeof members[0])

/* freeindex and nelems are adjacent in every release and always share a type: uintptr through
 * 1.21, uint16 from 1.22 (then followed by freeIndexForScan, also uint16). The distance between
 * them is therefore their size; anything else means a layout this code does not know. */
static int index_size(const go_rt *rt, go_span_layout *l, hs_err *err)
{
    int64_t gap = l->nelems - l->freeindex, fifs;
    l->idx_size = (int)gap;
    if (gap == 2 && go_layout_off(&rt->src, "runtime.mspan", "freeIndexForScan", &fifs) == 0 &&
        fifs != l->nelems + 2)
        l->idx_size = 0;
    if (l->idx_size != 2 && l->idx_size != 8)
        return hs_errf(err, "unexpected layout of runtime.mspan in go1.%d: freeindex at %lld, "
                       "nelems at %lld", rt->ver.minor, (long long)l->freeindex, (long long)l->nelems);
    return 0;
}

/* Every mspan member must lie inside the struct, so decoding one copy never reads past it. */
static int check_bounds(const go_span_layout *l, hs_err *err)
{
    for (size_t i = 0; i < NMEMBERS; i++) {
        int64_t off = *(const int64_t *)((const char *)l + members[i].slot);
        int w = members[i].width ? members[i].width : l->idx_size;
        if (strcmp(members[i].type, "runtime.mspan") == 0 && off >= 0 && off + w > l->size)
            return hs_errf(err, "runtime.mspan.%s at offset %lld lies outside the struct (%lld "
                           "bytes)", members[i].path, (long long)off, (long long)l->size);
    }
    return 0;
}

int go_span_layout_resolve(const go_rt *rt, go_span_layout *l, hs_err *err)
{
    memset(l, 0, sizeof *l);
    for (size_t i = 0; i < NMEMBERS; i++) {
        int64_t *slot = (int64_t *)((char *)l + members[i].slot);
        if (go_layout_off(&rt->src, members[i].type, members[i].path, slot) < 0) {
            if (members[i].required)
                return hs_errf(err, "the Go runtime in this binary has no %s.%s (unexpected "
                               "layout for go1.%d)", members[i].type, members[i].path, rt->ver.minor);
            *slot = -1;
        }
    }
    if (go_layout_size(&rt->src, "runtime.mspan", &l->size) < 0 || l->size <= 0 || l->size > 4096)
        return hs_errf(err, "the size of runtime.mspan is unknown for go1.%d", rt->ver.minor);
    l->in_use = go_layout_const_or(rt, "runtime.mSpanInUse", 1);
    return index_size(rt, l, err) < 0 ? -1 : check_bounds(l, err);
}

static uint64_t rd(const uint8_t *b, int64_t off, int size)
{
    if (off < 0)
        return 0;
    uint64_t v = 0;
    memcpy(&v, b + off, (size_t)size); /* little-endian target and host */
    return v;
}

void go_span_decode(const go_span_layout *l, const uint8_t *b, go_span_raw *r)
{
    r->base = rd(b, l->start_addr, 8);
    r->npages = rd(b, l->npages, 8);
    r->nelems = rd(b, l->nelems, l->idx_size);
    r->freeindex = rd(b, l->freeindex, l->idx_size);
    r->elemsize = rd(b, l->elemsize, 8);
    r->limit = rd(b, l->limit, 8);
    r->alloc_bits = rd(b, l->alloc_bits, 8);
    r->large_type = rd(b, l->large_type, 8);
    r->specials = rd(b, l->specials, 8);
    r->sweepgen = (uint32_t)rd(b, l->sweepgen, 4);
    r->alloc_count = (uint16_t)rd(b, l->alloc_count, 2);
    r->alloc_count_before_cache = (uint16_t)rd(b, l->alloc_count_before_cache, 2);
    r->spanclass = (uint8_t)rd(b, l->spanclass, 1);
    r->state = (uint8_t)rd(b, l->state, 1);
}

static const char *class_problem(const go_span_raw *r, const uint32_t *class_size)
{
    unsigned sc = go_span_sizeclass(r);
    if (sc >= GO_NUM_SIZE_CLASSES)
        return "span class out of range";
    if (sc == 0)
        return r->nelems == 1 && r->elemsize == r->npages * GO_PAGE_SIZE
                   ? NULL : "large-object span without one object filling it";
    if (r->npages > MAX_SMALL_SPAN_PAGES)
        return "too many pages for a small-object span";
    return r->elemsize == class_size[sc] ? NULL : "elemsize differs from its size class";
}

const char *go_span_problem(const go_span_raw *r, const uint32_t *class_size)
{
    if (r->npages == 0 || r->npages > MAX_SPAN_PAGES)
        return "implausible npages";
    if (r->base == 0 || r->base % GO_PAGE_SIZE != 0)
        return "start address not page-aligned";
    uint64_t bytes = r->npages * GO_PAGE_SIZE;
    if (r->base + bytes < r->base)
        return "span wraps around the address space";
    if (r->elemsize == 0 || r->elemsize > bytes || r->nelems == 0 || r->nelems > bytes / r->elemsize)
        return "slots do not fit in the span";
    if (r->freeindex > r->nelems || r->alloc_count > r->nelems)
        return "freeindex or allocCount beyond nelems";
    if (r->alloc_bits == 0)
        return "no allocation bits";
    return class_problem(r, class_size);
}
