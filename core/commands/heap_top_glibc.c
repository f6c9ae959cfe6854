/* heap_top_glibc.c - heap-top on a C/C++ program's glibc malloc heap: every in-use chunk and
 * mmapped chunk (glibc_heap.h) by class (the vtable its first word points to) or by chunk size,
 * with the statistics mallinfo2() would return, in the report Go's heap-top fills. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../glibc/glibc_graph.h"
#include "../glibc/glibc_heap.h"
#include "../glibc/vtable_names.h"
#include "../util/human.h"
#include "../views/graph_rows.h"
#include "../views/type_rows.h"
#include "heap_top.h"
#include "heap_top_glibc.h"

typedef struct tally {
    UT_hash_handle hh;
    uint64_t key[2]; /* {kind, value}: a class name's address, or a chunk size */
    uint64_t objects, bytes;
} tally;

enum { K_CLASS, K_SIZE, K_MMAP };

typedef struct collect {
    vtable_names *vt;
    int by_size;
    tally *t;
    int oom;
} collect;

static int on_block(void *ctx, uint64_t chunk, uint64_t size, uint64_t word0, int mmapped)
{
    (void)chunk;
    collect *c = ctx;
    const char *cls = c->by_size || !c->vt ? NULL : vtable_names_lookup(c->vt, word0);
    uint64_t key[2] = {cls ? K_CLASS : mmapped ? K_MMAP : K_SIZE, cls ? (uint64_t)(uintptr_t)cls : size};
    tally *e;
    HASH_FIND(hh, c->t, key, sizeof key, e);
    if (!e) {
        if (!(e = calloc(1, sizeof *e)))
            return c->oom = 1;
        memcpy(e->key, key, sizeof key);
        HASH_ADD(hh, c->t, key, sizeof e->key, e);
    }
    e->objects++;
    e->bytes += size;
    return 0;
}

static void row_name(const collect *c, const tally *e, char *buf, size_t cap)
{
    if (e->key[0] == K_CLASS)
        snprintf(buf, cap, "%s", (const char *)(uintptr_t)e->key[1]);
    else if (c->by_size)
        snprintf(buf, cap, "%llu B%s", (unsigned long long)e->key[1], e->key[0] == K_MMAP ? " mmapped" : "");
    else
        snprintf(buf, cap, "<malloc %llu B%s>", (unsigned long long)e->key[1],
                 e->key[0] == K_MMAP ? " mmapped" : "");
}

/* The tallies (and the arena headers mallinfo counts as in use) as sorted rows. */
static int make_rows(collect *c, const glibc_heap *h, heap_top_result *res, hs_err *err)
{
    hs_type_rows *rows = hs_type_rows_new();
    int bad = !rows;
    tally *e, *tmp;
    HASH_ITER(hh, c->t, e, tmp) {
        char name[512];
        row_name(c, e, name, sizeof name);
        bad |= rows && hs_type_rows_add(rows, name, e->key[0] == K_CLASS, e->objects, e->bytes) < 0;
        HASH_DEL(c->t, e);
        free(e);
    }
    if (rows && h->overhead_bytes)
        bad |= hs_type_rows_add(rows, "<malloc arena headers>", 0, 0, h->overhead_bytes) < 0;
    if (bad) {
        hs_type_rows_free(rows);
        return hs_errf(err, "out of memory");
    }
    return heap_top_take_type_rows(rows, res, err);
}

/* --live / --unreachable: rows from the conservative mark (glibc_graph.h). */
static int graph_rows(glibc_heap *h, vtable_names *vt, const heap_top_options *o, heap_top_result *res,
                      heap_reach *reach, strbuf *note, hs_err *err)
{
    glibc_graph gg;
    if (glibc_graph_build(h, vt, o->by == HEAP_BY_SIZE, &gg, err) < 0)
        return -1;
    hs_type_rows *rows = hs_type_rows_new();
    if (!rows || hs_graph_type_rows(gg.g, hs_mark_bits(gg.m), o->reach, rows) < 0) {
        hs_type_rows_free(rows);
        glibc_graph_free(&gg);
        return hs_errf(err, "out of memory");
    }
    *reach = (heap_reach){.known = 1, .live_objects = gg.live_objects, .live_bytes = gg.live_bytes,
                          .unreachable_objects = gg.objects - gg.live_objects,
                          .unreachable_bytes = gg.bytes - gg.live_bytes,
                          .conservative_bytes = gg.root_bytes, .roots = gg.nroots};
    char n[32], b[48], k[48];
    hs_format_count(reach->unreachable_objects, n, sizeof n);
    hs_format_bytes(reach->unreachable_bytes, b, sizeof b);
    sb_printf(note, "leaked (nothing points to them): %s blocks, %s", n, b);
    hs_format_count(reach->live_objects, n, sizeof n);
    hs_format_bytes(reach->live_bytes, b, sizeof b);
    hs_format_bytes(gg.root_bytes, k, sizeof k);
    sb_printf(note, "; reachable: %s blocks, %s\n(marked conservatively from %u roots: modules' data "
              "and bss, the stacks of %u thread%s, every thread's registers, TLS and other writable "
              "mappings, %s scanned; a word inside a block that points into another block is an edge)",
              n, b, gg.nroots, gg.nthreads, gg.nthreads == 1 ? "" : "s", k);
    glibc_graph_free(&gg);
    return heap_top_take_type_rows(rows, res, err);
}

static size_t mallinfo_stats(const glibc_heap *h, heap_stat *st)
{
    const glibc_mallinfo *m = &h->mi;
    heap_stat v[] = {{"arena", m->arena, 1},       {"uordblks", m->uordblks, 1},
                     {"fordblks", m->fordblks, 1}, {"hblkhd", m->hblkhd, 1},
                     {"keepcost", m->keepcost, 1}, {"ordblks", m->ordblks, 0},
                     {"smblks", m->smblks, 0},     {"fsmblks", m->fsmblks, 1},
                     {"hblks", m->hblks, 0},       {"tcache_chunks", h->tcache_chunks, 0},
                     {"tcache_bytes", h->tcache_bytes, 1}, {"arenas", h->narenas, 0}};
    memcpy(st, v, sizeof v);
    return sizeof v / sizeof v[0];
}

static void notes(const glibc_heap *h, const vtable_names *vt, strbuf *out)
{
    sb_printf(out, "(main_arena from %s; %zu arenas, %zu heaps; in use as mallinfo2 counts it, "
              "less %llu chunks freed into %llu tcaches (found %s); %llu mmapped chunks; C++ "
              "objects named by their vtable (%zu known), other blocks by chunk size)\n",
              h->arena_how, h->narenas, h->nspans, (unsigned long long)h->tcache_chunks,
              (unsigned long long)h->ntcaches, h->tcache_how, (unsigned long long)h->mmapped_chunks,
              vt ? vtable_names_count(vt) : 0);
}

static void warnings(const glibc_heap *h, strbuf *out)
{
    sb_puts(out, sb_str(&h->warnings));
    if (h->nwarnings > GLIBC_MAX_WARNINGS)
        sb_printf(out, "warning: glibc heap: ...and %zu more like these (%llu corrupt chunk headers "
                  "skipped)\n", h->nwarnings - GLIBC_MAX_WARNINGS, (unsigned long long)h->skipped);
}

static int refuse(const heap_top_options *o, hs_err *err)
{
    const char *bad = o->by == HEAP_BY_SITE ? "--by site" : o->by == HEAP_BY_ROOT ? "--by root"
                      : o->retained ? "--retained" : o->pprof ? "--pprof" : NULL;
    if (!bad)
        return 0;
    return hs_errf(err, "%s is not available on a glibc malloc heap (a C/C++ program): heap-top "
                   "there takes --by type, --by size, --live, --unreachable, -n and --json", bad);
}

static void render(hs_session *s, const heap_top_options *o, const glibc_heap *h, const vtable_names *vt,
                   heap_top_result *res, const heap_reach *reach, const char *reach_note, strbuf *out,
                   strbuf *msgs)
{
    char version[32];
    snprintf(version, sizeof version, "glibc %s", h->version);
    heap_stat st[16];
    strbuf warn;
    sb_init(&warn);
    warnings(h, &warn);
    notes(h, vt, &res->notes);
    static const char *const what[] = {"allocated blocks (heap walk)",
                                       "reachable blocks (marked conservatively from every root)",
                                       "leaked blocks (nothing points to them)"};
    heap_report r = {"glibc", version, o->by, s->target, NULL, res->objects, res->bytes,
                     res->rows_objects, res->rows_bytes, res->typed_bytes, o->by == HEAP_BY_TYPE,
                     res->rows, res->nrows, o->limit, sb_str(&res->notes), sb_str(&warn), o->reach,
                     reach, 0, "mallinfo2", st, mallinfo_stats(h, st),
                     *reach_note ? reach_note : "reachability not computed (--live or --unreachable "
                     "marks the heap conservatively)", what[o->reach]};
    (o->json ? heap_render_json : heap_render_text)(&r, out);
    if (!o->json)
        sb_puts(msgs, sb_str(&warn));
    sb_free(&warn);
}

int heap_top_glibc(hs_session *s, const heap_top_options *o, strbuf *out, strbuf *msgs, hs_err *err)
{
    if (refuse(o, err) < 0)
        return HS_USAGE;
    if (hs_session_release(s, msgs, err) < 0)
        return HS_FAIL;
    glibc_heap h;
    if (glibc_heap_open(&h, s->target, err) < 0)
        return HS_FAIL;
    collect c = {.by_size = o->by == HEAP_BY_SIZE};
    hs_err verr;
    if (!c.by_size && vtable_names_open(&c.vt, s->target, &verr) < 0)
        sb_printf(msgs, "warning: C++ classes not named: %s\n", verr.msg);
    heap_top_result res;
    memset(&res, 0, sizeof res);
    sb_init(&res.notes);
    heap_reach reach;
    strbuf note;
    sb_init(&note);
    int status;
    if (o->reach == HS_REACH_ALL)
        status = glibc_heap_walk(&h, on_block, &c, err) < 0 || c.oom || make_rows(&c, &h, &res, err) < 0;
    else
        status = graph_rows(&h, c.vt, o, &res, &reach, &note, err) < 0;
    if (c.oom)
        hs_errf(err, "out of memory tallying the glibc heap");
    status = status ? HS_FAIL : HS_OK;
    if (status == HS_OK)
        render(s, o, &h, c.vt, &res, o->reach == HS_REACH_ALL ? NULL : &reach, sb_str(&note), out, msgs);
    sb_free(&note);
    heap_top_result_free(&res);
    vtable_names_close(c.vt);
    glibc_heap_close(&h);
    return status;
}
