/* fuzz_heap.c - libFuzzer target: the heap readers over corrupted runtime memory. The stored
 * Go 1.26 and Go 1.19 "heap" cores ($HS_TEST_DATA/go1.*\/heap) are opened once; each input picks
 * one (first byte, bit 0) and is a list of patch records (rt_world.c) laid over runtime.mheap_, its
 * allspans array, the spans (and their allocation bitmaps), runtime.memstats, the heap-profile
 * buckets and the type data, besides the goroutine anchors; then go_heap_open (every span, every
 * bitmap, lookups), go_memstats_read, go_types_open with the roots and the type of every large
 * span, and go_mprof_read with its sites run. Reads are budgeted per input. */
#include <stdio.h>
#include <stdlib.h>

#include "go/go_heap.h"
#include "go/go_memstats.h"
#include "go/go_mprof.h"
#include "go/go_types.h"
#include "rt_world.h"

static rt_world *worlds[2];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define rd w_read
#define sym w_sym

/* Anchors on the heap metadata, at the offsets the model itself resolves (from DWARF). */
static void heap_anchors(rt_world *w)
{
    int64_t allspans = 0, bits = -1;
    uint64_t mheap = sym(w, "runtime.mheap_");
    go_layout_off(&w->rt->src, "runtime.mheap", "allspans", &allspans);
    go_layout_off(&w->rt->src, "runtime.mspan", "allocBits", &bits);
    w_anchor(w, "mheap", mheap);
    uint64_t arr = rd(w, mheap + (uint64_t)allspans), n = rd(w, mheap + (uint64_t)allspans + 8);
    w_anchor(w, "allspans array", arr);
    for (uint64_t i = 0; i < n && i < W_MAX_ANCHORS; i++)
        w_anchor(w, "span", rd(w, arr + 8 * i));
    for (uint64_t i = 0; bits >= 0 && i < n && i < W_MAX_ANCHORS; i++)
        w_anchor(w, "alloc bits", rd(w, rd(w, arr + 8 * i) + (uint64_t)bits));
    w_anchor(w, "memstats", sym(w, "runtime.memstats"));
    uint64_t b = rd(w, sym(w, "runtime.mbuckets"));
    for (int i = 0; b && i < 64; i++, b = rd(w, b)) /* bucket.next is the first word */
        w_anchor(w, "mprof bucket", b);
    w_anchor(w, "types", w->rt->md.types + w->rt->bias);
    w_anchor(w, "gcphase", sym(w, "runtime.gcphase"));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    worlds[0] = w_open("go1.26.10/heap");
    worlds[1] = w_open("go1.19.8/heap");
    if (!worlds[0] && !worlds[1]) {
        fprintf(stderr, "fuzz_heap: no stored heap cores under %s\n", fz_test_data());
        exit(1);
    }
    for (int i = 0; i < 2; i++)
        if (worlds[i])
            heap_anchors(worlds[i]);
    /* one unpatched round per core first: libdwarf and the model fill their caches, so later
     * inputs free what they allocate and libFuzzer's per-input leak check stays cheap */
    for (uint8_t i = 0; i < 8; i++)
        LLVMFuzzerTestOneInput(&i, 1);
    return 0;
}

static unsigned heap(go_rt *rt, go_types *ts)
{
    go_heap *h = NULL;
    unsigned sum = 0;
    if (go_heap_open(&h, rt, NULL) < 0)
        return 0;
    uint64_t objs, bytes;
    go_heap_totals(h, &objs, &bytes);
    sum += (unsigned)objs + (unsigned)go_heap_nslots(h) + (unsigned)go_heap_gcphase(h);
    uint32_t slot;
    for (size_t i = 0; i < go_heap_nspans(h); i++) {
        const go_span *s = go_heap_span(h, i);
        const uint8_t *b = go_heap_alloc_bits(h, i);
        sum += b && s->nelems ? b[(s->nelems - 1) / 8] : 0;
        long k = go_heap_find(h, s->base + s->elemsize / 2, &slot);
        if (k >= 0)
            sum += (unsigned)go_heap_allocated(h, (size_t)k, slot);
        if (ts && s->large_type) {
            const go_type *t = go_types_get(ts, s->large_type);
            sum += t ? (unsigned)t->size + t->nfields : 0;
        }
    }
    sum += (unsigned)go_heap_find(h, 0, &slot) + (unsigned)go_heap_find(h, UINT64_MAX, &slot);
    sum += go_heap_warnings(h)[0];
    go_heap_close(h);
    return sum;
}

/* The type roots (from DWARF) and the profile's sites (symbolization) are slow: only when the
 * input's first byte asks for them (bits 1 and 2). */
static unsigned types_and_profile(go_rt *rt, go_types **tsp, uint8_t what)
{
    unsigned sum = 0;
    go_memstats ms;
    if (go_memstats_read(rt, &ms, NULL) == 0)
        sum += (unsigned)ms.v[GO_MS_HEAP_ALLOC] + ms.have[GO_MS_NUM_GC];
    const go_root *roots;
    size_t n;
    if (go_types_open(tsp, rt, NULL) == 0 && (what & 2) && go_types_roots(*tsp, &roots, &n, NULL) == 0)
        for (size_t i = 0; i < n && i < 64; i++) {
            const go_type *t = go_types_get(*tsp, roots[i].type);
            sum += t ? t->kind : 0;
        }
    go_mprof *p = NULL;
    const hs_alloc_sites *sites;
    if ((what & 4) && go_mprof_read(rt, &p, NULL) == 0) {
        sum += (unsigned)go_mprof_count(p) + go_mprof_warnings(p)[0];
        if (go_mprof_sites(p, &sites, NULL) == 0)
            sum += 1;
        go_mprof_close(p);
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    rt_world *w = worlds[data[0] & 1] ? worlds[data[0] & 1] : worlds[!(data[0] & 1)];
    fz_cursor c = {data + 1, size - 1};
    w_apply(w, &c);
    w->ov.max_reads = 400000;
    go_types *ts = NULL;
    volatile unsigned sink = types_and_profile(w->rt, &ts, data[0]);
    sink += heap(w->rt, ts);
    (void)sink;
    go_types_close(ts);
    return 0;
}
