/* go_heapgraph.c - building the Go heap's object graph (see go_heapgraph.h): one block per span,
 * the allocated slots as objects, each scan object's pointer words (go_ptrmap) as edges, then
 * the roots (go_roots_*.c) and the mark. */
#include "go_heapgraph_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/go_window.h"
#include "go_heap_globals.h"

#define POLL_SPANS 1024
#define LARGE_CHUNK (1u << 20) /* bytes of a large object read at a time */

void hg_warn(hg_build *b, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sb_capped_line(&b->out->warnings, &b->nwarn, HG_MAX_LISTED, "%s", line);
}

static uint8_t *grow(uint8_t **p, size_t *cap, size_t n)
{
    if (n > *cap) {
        uint8_t *v = realloc(*p, n);
        if (!v)
            return NULL;
        *p = v;
        *cap = n;
    }
    return *p;
}

uint8_t *hg_buf(hg_build *b, size_t n) { return grow(&b->buf, &b->capbuf, n ? n : 1); }
uint8_t *hg_bits(hg_build *b, size_t n) { return grow(&b->bits, &b->capbits, n + 8); }

/* ---- roots: shared helpers ---- */

static int pend(hg_build *b, hs_oid o, uint64_t tag, hs_err *err)
{
    if (b->npend == b->cappend) {
        size_t cap = b->cappend ? b->cappend * 2 : 1024;
        hs_oid *v = realloc(b->pend, cap * sizeof *v);
        if (v)
            b->pend = v;
        uint32_t *t = v ? realloc(b->pend_tag, cap * sizeof *t) : NULL;
        if (!t)
            return hs_errf(err, "out of memory for root edges");
        b->pend_tag = t;
        b->cappend = cap;
    }
    b->pend[b->npend] = o;
    b->pend_tag[b->npend++] = tag > UINT32_MAX ? UINT32_MAX : (uint32_t)tag;
    return 0;
}

int hg_pend_word(hg_build *b, uint64_t v, uint64_t off, hs_err *err)
{
    if (v < 4096)
        return 0;
    hs_oid o = hs_graph_find_hint(b->g, v, &b->hint);
    if (o == HS_NO_OBJ)
        return 0;
    return pend(b, o, off, err) < 0 ? -1 : 1;
}

long hg_pend_words(hg_build *b, const uint8_t *mem, uint64_t n, const uint8_t *mask,
                   uint64_t tag0, hs_err *err)
{
    long added = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (mask && !(mask[i / 8] >> (i % 8) & 1))
            continue;
        int r = hg_pend_word(b, go_le64(mem + 8 * i), tag0 + 8 * i, err);
        if (r < 0)
            return -1;
        added += r;
    }
    return added;
}

int hg_pend_object_edges(hg_build *b, hs_oid o, hs_err *err)
{
    uint32_t n;
    const hs_oid *e = hs_graph_edges(b->g, o, &n);
    const uint32_t *tags = hs_graph_edge_tags(b->g, o);
    for (uint32_t i = 0; i < n; i++)
        if (pend(b, e[i], tags ? tags[i] : 0, err) < 0)
            return -1;
    return 0;
}

uint32_t hg_flush(hg_build *b, enum hs_root_kind kind, const char *name, uint32_t group,
                  uint64_t addr, uint64_t aux, int conservative, hs_err *err)
{
    if (b->npend == 0)
        return HG_NO_ROOT;
    uint32_t id = hs_strtab_intern(hs_graph_names(b->g), name);
    if (id == UINT32_MAX) {
        hs_errf(err, "out of memory for root names");
        return UINT32_MAX;
    }
    hs_root r = {(uint8_t)kind, (uint8_t)(conservative != 0), id, group, addr, aux};
    uint32_t root = hs_graph_add_root(b->g, &r, err);
    for (size_t i = 0; root != UINT32_MAX && i < b->npend; i++)
        if (hs_graph_add_root_edge(b->g, b->pend[i], b->pend_tag[i], err) < 0)
            root = UINT32_MAX;
    b->npend = 0;
    return root;
}

/* ---- objects and edges ---- */

static int add_blocks(hg_build *b, hs_err *err)
{
    hs_strtab *names = hs_graph_names(b->g);
    for (size_t i = 0; i < go_heap_nspans(b->h); i++) {
        const go_span *s = go_heap_span(b->h, i);
        char name[64];
        if (s->sizeclass == 0)
            snprintf(name, sizeof name, "<%s large>", s->noscan ? "noscan" : "scan");
        else
            snprintf(name, sizeof name, "<%s %lluB>", s->noscan ? "noscan" : "scan",
                     (unsigned long long)s->elemsize);
        hs_block bl = {s->base, s->elemsize, (uint32_t)s->bit0, s->nelems, hs_strtab_intern(names, name), 0};
        if (bl.untyped == UINT32_MAX || hs_graph_add_block(b->g, &bl, err) < 0)
            return hs_errctx(err, "span 0x%llx", (unsigned long long)s->base);
        hs_graph_copy_present(b->g, (hs_oid)s->bit0, go_heap_alloc_bits(b->h, i), s->nelems);
    }
    return hs_graph_end_blocks(b->g, err);
}

/* The edges of one object from its pointer words (all words when conservative). */
static int word_edge(hg_build *b, hs_oid src, uint64_t obj, uint64_t size, uint64_t v, uint64_t i,
                     hs_err *err)
{
    if (v - obj < size || v < 4096) /* nil, small integers, pointers into itself */
        return 0;
    hs_oid o = hs_graph_find_hint(b->g, v, &b->hint);
    return o != HS_NO_OBJ &&
                   hs_graph_add_edge(b->g, src, o, 8 * i > UINT32_MAX ? UINT32_MAX : (uint32_t)(8 * i), err) < 0
               ? -1 : 0;
}

static int object_edges(hg_build *b, hs_oid src, uint64_t obj, uint64_t size, const uint8_t *mem,
                        uint64_t w0, uint64_t nw, const uint8_t *bits, hs_err *err)
{
    if (bits && w0 % 64 == 0) { /* the set bits, 64 words at a time */
        for (uint64_t base = w0; base < w0 + nw; base += 64) {
            uint64_t m = 0, left = w0 + nw - base;
            memcpy(&m, bits + base / 8, left >= 64 ? 8 : (size_t)(left + 7) / 8);
            if (left < 64)
                m &= (1ull << left) - 1;
            for (; m; m &= m - 1) {
                uint64_t i = base + (uint64_t)__builtin_ctzll(m);
                if (word_edge(b, src, obj, size, go_le64(mem + 8 * (i - w0)), i, err) < 0)
                    return -1;
            }
        }
        return 0;
    }
    for (uint64_t i = w0; i < w0 + nw; i++) /* conservative: every word */
        if ((!bits || (bits[i / 8] >> (i % 8) & 1)) &&
            word_edge(b, src, obj, size, go_le64(mem + 8 * (i - w0)), i, err) < 0)
            return -1;
    return 0;
}

/* A large object, a chunk of its bytes at a time. */
static int large_edges(hg_build *b, const go_span *s, const uint8_t *bits, hs_err *err)
{
    uint64_t nw = s->elemsize / 8;
    for (uint64_t w = 0; w < nw; w += LARGE_CHUNK / 8) {
        uint64_t n = nw - w < LARGE_CHUNK / 8 ? nw - w : LARGE_CHUNK / 8;
        if (bits) { /* skip chunks without pointers */
            int any = 0;
            for (uint64_t k = w / 8; k < (w + n + 7) / 8 && !any; k++)
                any = bits[k] != 0;
            if (!any)
                continue;
        }
        const uint8_t *mem = hs_view(b->rt->t, s->base + 8 * w, (size_t)(8 * n));
        uint8_t *buf = mem ? NULL : hg_buf(b, (size_t)(8 * n));
        if (!mem && (!buf || hs_read(b->rt->t, s->base + 8 * w, buf, (size_t)(8 * n), NULL) < 0)) {
            hg_warn(b, "large object 0x%llx: bytes at +%llu unreadable; its pointers there are "
                    "not followed", (unsigned long long)s->base, (unsigned long long)(8 * w));
            continue;
        }
        if (object_edges(b, (hs_oid)s->bit0, s->base, s->elemsize, mem ? mem : buf, w, n, bits, err) < 0)
            return -1;
    }
    return 0;
}

static int span_edges(hg_build *b, size_t si, hs_err *err)
{
    const go_span *s = go_heap_span(b->h, si);
    const uint8_t *alloc = go_heap_alloc_bits(b->h, si);
    if (s->noscan || s->nalloc == 0)
        return 0;
    uint64_t span_bytes = s->npages * GO_PAGE_SIZE;
    const uint8_t *mem = NULL;
    if (s->sizeclass != 0) {
        mem = hs_view(b->rt->t, s->base, (size_t)span_bytes);
        uint8_t *buf = mem ? NULL : hg_buf(b, (size_t)span_bytes);
        if (!mem && buf && hs_read(b->rt->t, s->base, buf, (size_t)span_bytes, NULL) == 0)
            mem = buf;
        if (!mem) {
            hg_warn(b, "span 0x%llx: memory unreadable; the pointers of its %u objects are not "
                    "followed", (unsigned long long)s->base, s->nalloc);
            return 0;
        }
    }
    go_ptrmap_span(b->pm, s, mem);
    uint8_t *bits = hg_bits(b, (size_t)(s->elemsize / 64 + 1));
    if (!bits)
        return hs_errf(err, "out of memory");
    for (uint32_t k = 0; k < s->nelems; k++) {
        if (!(alloc[k / 8] >> (k % 8) & 1))
            continue;
        enum go_ptrs how = go_ptrmap_object(b->pm, k, bits);
        if (how == GO_PTRS_NONE)
            continue;
        const uint8_t *use = how == GO_PTRS_CONSERVATIVE ? NULL : bits;
        int r = s->sizeclass == 0
                    ? large_edges(b, s, use, err)
                    : object_edges(b, (hs_oid)(s->bit0 + k), s->base + (uint64_t)k * s->elemsize,
                                   s->elemsize, mem + (uint64_t)k * s->elemsize, 0,
                                   s->elemsize / 8, use, err);
        if (r < 0)
            return -1;
    }
    return 0;
}

static int build_edges(hg_build *b, hs_err *err)
{
    hs_progress *prog = b->rt->t->progress;
    hs_progress_phase(prog, "following pointers of spans", go_heap_nspans(b->h), HS_PROG_COUNT);
    for (size_t i = 0; i < go_heap_nspans(b->h); i++) {
        hs_progress_tick(prog, i);
        if (i % POLL_SPANS == 0 && hs_interrupted(b->rt->t))
            return hs_errf(err, "interrupted");
        if (span_edges(b, i, err) < 0)
            return -1;
    }
    hs_graph_end_edges(b->g);
    const go_ptrmap_stats *ps = go_ptrmap_stats_of(b->pm);
    b->out->st.conservative_heap_bytes = ps->conservative_bytes;
    if (ps->bad_headers)
        hg_warn(b, "%llu heap objects name no usable type in their allocation header or "
                "span.largeType; they were scanned conservatively",
                (unsigned long long)ps->bad_headers);
    if (ps->unreadable)
        hg_warn(b, "%llu spans: pointer bitmap unreadable; their objects were scanned "
                "conservatively", (unsigned long long)ps->unreadable);
    return 0;
}

/* ---- the whole build ---- */

static int poll(void *t) { return hs_interrupted(t); }

static int mark(hg_build *b, hs_err *err)
{
    go_heapgraph *hg = b->out;
    hg->live = hs_mark_new(b->g);
    if (!hg->live)
        return hs_errf(err, "out of memory for the mark bitmap");
    hs_mark_roots(hg->live, NULL, NULL);
    hs_mark_set_progress(hg->live, b->rt->t->progress);
    if (hs_mark_run(hg->live, 0, poll, b->rt->t, err) < 0)
        return -1;
    hs_mark_totals(hg->live, &hg->live_objects, &hg->live_bytes);
    go_heap_totals(b->h, &hg->objects, &hg->bytes);
    return 0;
}

static int build(hg_build *b, int keep_tags, hs_err *err)
{
    uint64_t nbits = go_heap_nbits(b->h);
    if (nbits > HS_GRAPH_MAX_SLOTS)
        return hs_errf(err, "the heap has %llu object slots; heapscope's object graph holds at most "
                       "%u", (unsigned long long)nbits, HS_GRAPH_MAX_SLOTS);
    b->g = b->out->g = hs_graph_new((uint32_t)nbits, keep_tags);
    if (!b->g)
        return hs_errf(err, "out of memory for the object graph of %llu slots", (unsigned long long)nbits);
    if (go_ptrmap_open(&b->pm, b->rt, err) < 0)
        return -1;
    if (add_blocks(b, err) < 0 || build_edges(b, err) < 0 || hg_roots_data(b, err) < 0 ||
        hg_roots_stacks(b, err) < 0 || hg_roots_specials(b, err) < 0)
        return -1;
    return mark(b, err);
}

int go_heapgraph_build(go_rt *rt, go_heap *h, int keep_tags, go_heapgraph *out, hs_err *err)
{
    memset(out, 0, sizeof *out);
    sb_init(&out->warnings);
    hg_build b = {0};
    b.rt = rt;
    b.h = h;
    b.out = out;
    int r = build(&b, keep_tags, err);
    if (b.nwarn > HG_MAX_LISTED)
        sb_printf(&out->warnings, "... and %zu more reachability problems like these (not listed)\n",
                  b.nwarn - HG_MAX_LISTED);
    go_ptrmap_close(b.pm);
    free(b.pend);
    free(b.pend_tag);
    free(b.bits);
    free(b.buf);
    if (r < 0)
        go_heapgraph_free(out);
    return r;
}

int go_heapgraph_objects(go_heap *h, go_heapgraph *out, hs_err *err)
{
    memset(out, 0, sizeof *out);
    sb_init(&out->warnings);
    hg_build b = {0};
    b.h = h;
    b.out = out;
    uint64_t nbits = go_heap_nbits(h);
    int r = nbits > HS_GRAPH_MAX_SLOTS ? hs_errf(err, "too many object slots (%llu)", (unsigned long long)nbits)
            : !(b.g = out->g = hs_graph_new((uint32_t)nbits, 0)) ? hs_errf(err, "out of memory")
            : add_blocks(&b, err);
    if (r == 0) {
        hs_graph_end_edges(b.g);
        go_heap_totals(h, &out->objects, &out->bytes);
    } else {
        go_heapgraph_free(out);
    }
    return r;
}

void go_heapgraph_free(go_heapgraph *hg)
{
    hs_mark_free(hg->live);
    hs_graph_free(hg->g);
    free(hg->frames);
    free(hg->live_slots);
    free(hg->live_vals);
    free(hg->group_goid);
    free(hg->name_type);
    if (hg->warnings.s)
        sb_free(&hg->warnings);
    memset(hg, 0, sizeof *hg);
}
