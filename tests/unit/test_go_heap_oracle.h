/* test_go_heap_oracle.h - shared by test_go_heap.c and test_go_heap_live.c: the heap test
 * program's own report (the HEAPSCOPE-MEMSTATS line: runtime.ReadMemStats taken last, nothing
 * allocated after it) and the checks of the heap walker and the memstats reader against it. */
#ifndef HS_TEST_GO_HEAP_ORACLE_H
#define HS_TEST_GO_HEAP_ORACLE_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/go_heap.h"
#include "go/go_memstats.h"
#include "image/elf_image.h"
#include "target/target.h"

enum { ORACLE_MAX_CLASSES = 80 };

typedef struct ms_oracle {
    uint64_t v[GO_MS_COUNT];
    uint64_t by_size[ORACLE_MAX_CLASSES][3]; /* size, mallocs, frees; index = size class */
    size_t nby;
} ms_oracle;

/* Numbers are parsed as integers (LastGC does not fit a double exactly). */
static inline int oracle_number(const char *json, const char *key, uint64_t *v)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p)
        return -1;
    char *end;
    *v = strtoull(p + strlen(pat), &end, 10);
    return end == p + strlen(pat) ? -1 : 0;
}

/* Parses the HEAPSCOPE-MEMSTATS line found anywhere in text. */
static inline int oracle_parse(const char *text, ms_oracle *o)
{
    memset(o, 0, sizeof *o);
    const char *j = strstr(text, "HEAPSCOPE-MEMSTATS {");
    if (!j)
        return -1;
    for (int i = 0; i < GO_MS_COUNT; i++)
        if (oracle_number(j, go_memstat_name((enum go_memstat)i), &o->v[i]) < 0)
            return -1;
    const char *p = strstr(j, "\"BySize\":[");
    if (!p)
        return -1;
    p += strlen("\"BySize\":[");
    while (*p == '[' && o->nby < ORACLE_MAX_CLASSES) {
        char *end = (char *)p + 1;
        for (int k = 0; k < 3; k++) {
            o->by_size[o->nby][k] = strtoull(end, &end, 10);
            if (*end != (k < 2 ? ',' : ']'))
                return -1;
            end++;
        }
        o->nby++;
        p = end + (*end == ',');
    }
    return o->nby >= 61 ? 0 : -1;
}

/* The walk against the runtime: live objects and bytes in total and per size class. */
static inline void oracle_check_heap(const go_heap *h, const ms_oracle *o, const char *label)
{
    uint64_t objects = 0, bytes = 0, live[ORACLE_MAX_CLASSES] = {0}, size[ORACLE_MAX_CLASSES] = {0};
    for (size_t i = 0; i < go_heap_nspans(h); i++) {
        const go_span *s = go_heap_span(h, i);
        objects += s->nalloc;
        bytes += (uint64_t)s->nalloc * s->elemsize;
        if (s->sizeclass < ORACLE_MAX_CLASSES) {
            live[s->sizeclass] += s->nalloc;
            size[s->sizeclass] = s->elemsize;
        }
    }
    uint64_t o2, b2;
    go_heap_totals(h, &o2, &b2);
    if (o2 != objects || b2 != bytes)
        fail_msg("%s: go_heap_totals %" PRIu64 "/%" PRIu64 " differ from the spans' sums", label, o2, b2);
    if (bytes != o->v[GO_MS_HEAP_ALLOC] || objects != o->v[GO_MS_HEAP_OBJECTS])
        fail_msg("%s: walk found %" PRIu64 " objects, %" PRIu64 " bytes; runtime says HeapObjects "
                 "%" PRIu64 ", HeapAlloc %" PRIu64 "\nwarnings:\n%s", label, objects, bytes,
                 o->v[GO_MS_HEAP_OBJECTS], o->v[GO_MS_HEAP_ALLOC], go_heap_warnings(h));
    for (size_t c = 1; c < o->nby; c++) {
        uint64_t want = o->by_size[c][1] - o->by_size[c][2];
        if (live[c] != want)
            fail_msg("%s: size class %zu (%" PRIu64 " B): walk %" PRIu64 " live, BySize %" PRIu64,
                     label, c, o->by_size[c][0], live[c], want);
        if (live[c] && size[c] != o->by_size[c][0])
            fail_msg("%s: size class %zu spans hold %" PRIu64 "-byte slots, BySize says %" PRIu64,
                     label, c, size[c], o->by_size[c][0]);
    }
}

/* Every statistic go_memstats claims against the runtime's; `must` lists the ones that have to
 * be present (all of them for these test programs). */
static inline void oracle_check_memstats(const go_memstats *m, const ms_oracle *o, const char *label,
                                         const int *skip)
{
    for (int i = 0; i < GO_MS_COUNT; i++) {
        if (!m->have[i])
            fail_msg("%s: %s missing (%s)", label, go_memstat_name((enum go_memstat)i), m->why);
        if (skip && skip[i])
            continue;
        if (m->v[i] != o->v[i])
            fail_msg("%s: %s is %" PRIu64 ", the runtime said %" PRIu64, label,
                     go_memstat_name((enum go_memstat)i), m->v[i], o->v[i]);
    }
}

static inline uint64_t oracle_global(hs_image *exe, uint64_t bias, const char *name)
{
    hs_symbol sym;
    if (hs_image_symbol(exe, name, &sym) < 0)
        fail_msg("no symbol %s", name);
    return sym.value + bias;
}

static inline uint64_t oracle_rd64(hs_target *t, uint64_t addr)
{
    uint64_t v;
    hs_err err;
    if (hs_read_u64(t, addr, &v, &err) < 0)
        fail_msg("%s", err.msg);
    return v;
}

/* The span holding the object the program points at; checks that p is where the object (after
 * its header, if any) starts, that the slot is allocated and that an interior pointer finds the
 * same slot. */
static inline const go_span *oracle_object_at(const go_heap *h, uint64_t p, uint64_t elemsize,
                                              int header, const char *what, const char *label)
{
    uint32_t slot = UINT32_MAX, again = UINT32_MAX;
    long i = go_heap_find(h, p, &slot);
    if (i < 0)
        fail_msg("%s: %s at 0x%" PRIx64 ": not in any in-use span", label, what, p);
    const go_span *s = go_heap_span(h, (size_t)i);
    if (s->elemsize != elemsize || s->header != header)
        fail_msg("%s: %s at 0x%" PRIx64 ": span of %" PRIu64 "-byte slots (header %d), expected "
                 "%" PRIu64 " (header %d)", label, what, p, s->elemsize, s->header, elemsize, header);
    if (s->base + slot * s->elemsize + (header ? 8 : 0) != p || !go_heap_allocated(h, (size_t)i, slot) ||
        go_heap_find(h, p + 5, &again) != i || again != slot)
        fail_msg("%s: %s at 0x%" PRIx64 ": slot %u of span 0x%" PRIx64 " does not fit", label,
                 what, p, slot, s->base);
    return s;
}

/* The heap test program's globals: main.smalls ([]*Small: 32 B, pointerful), main.bigs ([]*Big:
 * 616 B, class 640, with an allocation header when `headers`), main.larges ([3][]*Small of 5000:
 * 40000 B, one large scan object each, span.largeType set when `headers`) and main.rawLarge
 * ([2][]byte of 100000: large noscan objects whose limit is the object's end). */
static inline void oracle_check_pointers(const go_heap *h, hs_target *t, hs_image *exe,
                                         uint64_t bias, int headers, const char *label)
{
    uint64_t smalls = oracle_global(exe, bias, "main.smalls"), bigs = oracle_global(exe, bias, "main.bigs");
    if (oracle_rd64(t, smalls + 8) != 1000 || oracle_rd64(t, bigs + 8) != 300)
        fail_msg("%s: main.smalls or main.bigs has an unexpected length", label);
    for (uint64_t i = 0; i < 1000; i++) {
        const go_span *s = oracle_object_at(h, oracle_rd64(t, oracle_rd64(t, smalls) + 8 * i), 32, 0,
                                            "main.Small", label);
        if (s->sizeclass != 4 || s->noscan)
            fail_msg("%s: main.Small in class %u, noscan %u", label, s->sizeclass, s->noscan);
    }
    for (uint64_t i = 0; i < 300; i++)
        oracle_object_at(h, oracle_rd64(t, oracle_rd64(t, bigs) + 8 * i), 640, headers, "main.Big", label);
    uint64_t larges = oracle_global(exe, bias, "main.larges"), raw = oracle_global(exe, bias, "main.rawLarge");
    for (uint64_t i = 0; i < 3; i++) {
        const go_span *s = oracle_object_at(h, oracle_rd64(t, larges + 24 * i), 40960, 0, "[]*main.Small", label);
        if (s->sizeclass != 0 || s->noscan || s->nelems != 1 || s->npages != 5 ||
            (headers ? s->large_type == 0 : s->large_type != 0))
            fail_msg("%s: large []*main.Small span: class %u noscan %u nelems %u npages %" PRIu64
                     " largeType 0x%" PRIx64, label, s->sizeclass, s->noscan, s->nelems, s->npages,
                     s->large_type);
    }
    for (uint64_t i = 0; i < 2; i++) {
        const go_span *s = oracle_object_at(h, oracle_rd64(t, raw + 24 * i), 106496, 0, "[]uint8", label);
        if (s->sizeclass != 0 || !s->noscan || s->large_type != 0 || s->limit != s->base + 100000)
            fail_msg("%s: large []uint8 span: class %u noscan %u largeType 0x%" PRIx64, label,
                     s->sizeclass, s->noscan, s->large_type);
    }
    if (go_heap_find(h, smalls, NULL) != -1 || go_heap_find(h, 0, NULL) != -1)
        fail_msg("%s: an address off the heap was found in a span", label);
}

#endif
