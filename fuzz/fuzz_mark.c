/* fuzz_mark.c - libFuzzer target: the object graph and the mark over corrupted runtime memory.
 * The stored Go 1.26 and Go 1.19 "reach" cores ($HS_TEST_DATA/go1.*\/reach: every kind of root,
 * arena bitmaps in 1.19, allocation headers and in-span bitmaps in 1.26) are opened once; each
 * input picks one (first byte, bit 0) and is a list of patch records (rt_world.c) laid over the
 * spans and their objects, the heap arenas' metadata, the module data and its pointer masks,
 * span specials, queued finalizers, the Ps' caches and every goroutine and stack; then
 * go_heap_open, go_heapgraph_build (pointer maps, every root, the mark) with or without edge
 * tags (bit 1), a second mark leaving out every other root group, (bit 2) type inference over
 * the graph, and (bit 3) the shortest-path forest and the dominator tree over the root units: the
 * forest reaches exactly what the mark reached, and what the units keep alive alone adds up to
 * no more than that. Reads are budgeted per input. */
#include <stdio.h>
#include <stdlib.h>

#include "graph/dominators.h"
#include "graph/paths.h"
#include "go/go_heap.h"
#include "go/go_heapgraph.h"
#include "go/go_typeinfer.h"
#include "rt_world.h"
#include "views/holders.h"

static rt_world *worlds[2];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define rd w_read
#define sym w_sym

/* Anchors on what the mark reads, at the offsets the model itself resolves (from DWARF). */
static void mark_anchors(rt_world *w)
{
    int64_t allspans = 0, arenas = -1, specials = -1, mcache = -1;
    uint64_t mheap = sym(w, "runtime.mheap_");
    go_layout_off(&w->rt->src, "runtime.mheap", "allspans", &allspans);
    go_layout_off(&w->rt->src, "runtime.mheap", "arenas", &arenas);
    go_layout_off(&w->rt->src, "runtime.mspan", "specials", &specials);
    go_layout_off(&w->rt->src, "runtime.p", "mcache", &mcache);
    uint64_t arr = rd(w, mheap + (uint64_t)allspans), n = rd(w, mheap + (uint64_t)allspans + 8);
    for (uint64_t i = 0; i < n && i < W_MAX_ANCHORS; i++)
        w_anchor(w, "span", rd(w, arr + 8 * i));
    for (uint64_t i = 0; i < n && i < W_MAX_ANCHORS; i++) /* startAddr is the span's 4th word */
        w_anchor(w, "span memory", rd(w, rd(w, arr + 8 * i) + 24));
    for (uint64_t i = 0; specials >= 0 && i < n && i < W_MAX_ANCHORS; i++)
        w_anchor(w, "specials", rd(w, rd(w, arr + 8 * i) + (uint64_t)specials));
    if (arenas >= 0) { /* the arenas with the heap's pointer bitmaps (1.19-1.21) */
        uint64_t l2 = rd(w, mheap + (uint64_t)arenas);
        for (uint64_t i = 0; i < 4 && l2; i++)
            w_anchor(w, "heap arena", rd(w, l2 + 8 * ((0xc000000000ull >> 26) + 0x20000 + i)));
    }
    uint64_t md = w->rt->md.addr + w->rt->bias;
    w_anchor(w, "moduledata", md);
    w_anchor(w, "data", rd(w, md + 208));
    w_anchor(w, "bss", rd(w, md + 224));
    w_anchor(w, "allfin", rd(w, sym(w, "runtime.allfin")));
    uint64_t allp = rd(w, sym(w, "runtime.allp"));
    for (int i = 0; i < 4 && allp; i++)
        w_anchor(w, "mcache", rd(w, rd(w, allp + 8 * (uint64_t)i) + (uint64_t)mcache));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    worlds[0] = w_open("go1.26.10/reach");
    worlds[1] = w_open("go1.19.8/reach");
    if (!worlds[0] && !worlds[1]) {
        fprintf(stderr, "fuzz_mark: no stored reach cores under %s\n", fz_test_data());
        exit(1);
    }
    for (int i = 0; i < 2; i++)
        if (worlds[i])
            mark_anchors(worlds[i]);
    for (uint8_t i = 0; i < 8; i++) /* warm the caches (see fuzz_heap.c) */
        LLVMFuzzerTestOneInput(&i, 1);
    return 0;
}

static int odd_group(void *ctx, uint32_t r)
{
    const hs_root *root = hs_graph_root(ctx, r);
    return root && root->group % 2 == 1;
}

/* Who holds what over the marked graph; aborts when the forest or the tree disagree with the mark. */
static unsigned holders(const go_heapgraph *hg)
{
    hs_units u;
    hs_paths *p = NULL;
    hs_dom *d = NULL;
    hs_err err;
    unsigned sum = 0;
    if (hs_units_build(hg->g, &u, &err) < 0)
        return 0;
    const uint8_t *live = hs_mark_bits(hg->live);
    if (hs_paths_build(&p, hg->g, live, u.unit_of, u.n, NULL, NULL, NULL, &err) == 0) {
        size_t n;
        hs_paths_order(p, &n);
        if (n != hg->live_objects)
            abort();
        sum += (unsigned)n;
    }
    if (hs_dom_build(&d, hg->g, live, u.unit_of, u.n, NULL, NULL, NULL, &err) == 0) {
        uint64_t all = 0, objs, bytes;
        for (uint32_t k = 0; k < u.n; k++) {
            hs_dom_retained_unit(d, k, &objs, &bytes);
            all += objs;
        }
        if (all > hg->live_objects)
            abort();
        sum += (unsigned)all;
    }
    hs_paths_free(p);
    hs_dom_free(d);
    hs_units_free(&u);
    return sum;
}

static unsigned graph(go_rt *rt, uint8_t what)
{
    go_heap *h = NULL;
    unsigned sum = 0;
    if (go_heap_open(&h, rt, NULL) < 0)
        return 0;
    go_heapgraph hg;
    if (go_heapgraph_build(rt, h, what & 2, &hg, NULL) == 0) {
        sum += (unsigned)hg.live_objects + (unsigned)hs_graph_nroots(hg.g) + hg.warnings.len;
        hs_mark *m = hs_mark_new(hg.g);
        if (m) {
            hs_mark_roots(m, odd_group, hg.g);
            if (hs_mark_run(m, 0, NULL, NULL, NULL) == 0) {
                uint64_t objs, bytes;
                hs_mark_totals(m, &objs, &bytes);
                sum += (unsigned)objs;
            }
            hs_mark_free(m);
        }
        if (what & 8)
            sum += holders(&hg);
        go_types *ts = NULL;
        go_typeinfer_stats st;
        if ((what & 4) && go_types_open(&ts, rt, NULL) == 0 && go_typeinfer_run(rt, h, ts, &hg, &st, NULL) == 0)
            sum += (unsigned)st.typed_objects;
        go_types_close(ts);
        go_heapgraph_free(&hg);
    }
    go_heap_close(h);
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
    volatile unsigned sink = graph(w->rt, data[0]);
    (void)sink;
    return 0;
}
