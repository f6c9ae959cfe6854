/* go_roots_special.c - the collector's other roots (runtime/mgcmark.go markroot, markrootSpans,
 * gcMarkTinyAllocs; checked against 1.19-1.27):
 *   - span specials: a finalizer keeps what its object points to (not the object itself) and
 *     its function; a cleanup (1.24+) keeps its function (and, 1.26, its argument); a weak
 *     handle (1.23+) keeps its handle object;
 *   - finalizers (and, before 1.25, cleanups) queued to run: the blocks of runtime.allfin;
 *   - cleanups queued to run (1.25+): the blocks of runtime.gcCleanups;
 *   - each P's current tiny-allocation block (mcache.tiny). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/go_window.h"
#include "../util/addrset.h"
#include "go_heap_globals.h"
#include "go_heapgraph_priv.h"

#define MAX_SPECIALS_PER_SPAN 1000000
#define MAX_BLOCKS 1000000
#define MAX_PS 65536

typedef struct sp_layout {
    int64_t next, offset, kind; /* runtime.special */
    int offset_size;            /* 2 (uint16, <= 1.23) or 8 */
    int64_t fin_fn, fin_ot, cln_fn, cln_words, weak_handle;
    int64_t k_fin, k_weak, k_cleanup;
} sp_layout;

static int64_t off_or(const go_rt *rt, const char *t, const char *f, int64_t fallback)
{
    int64_t v;
    return go_layout_off(&rt->src, t, f, &v) == 0 ? v : fallback;
}

static void layout(const go_rt *rt, sp_layout *l)
{
    int m = rt->ver.minor;
    l->next = off_or(rt, "runtime.special", "next", 0);
    l->offset = off_or(rt, "runtime.special", "offset", 8);
    l->kind = off_or(rt, "runtime.special", "kind", m >= 24 ? 16 : 10);
    l->offset_size = m >= 24 ? 8 : 2;
    l->fin_fn = off_or(rt, "runtime.specialfinalizer", "fn", m >= 24 ? 24 : 16);
    l->fin_ot = off_or(rt, "runtime.specialfinalizer", "ot", m >= 24 ? 48 : 40);
    l->cln_fn = off_or(rt, "runtime.specialCleanup", m >= 26 ? "cleanup" : "fn", 24);
    l->cln_words = m >= 26 ? 3 : 1; /* 1.26: cleanupFn{call, fn, arg}, all pointers */
    l->weak_handle = off_or(rt, "runtime.specialWeakHandle", "handle", 24);
    l->k_fin = go_layout_const_or(rt, "runtime._KindSpecialFinalizer", m >= 25 ? 2 : 1);
    l->k_weak = m >= 23 ? go_layout_const_or(rt, "runtime._KindSpecialWeakHandle", m >= 25 ? 3 : 2) : -1;
    l->k_cleanup = m >= 24 ? go_layout_const_or(rt, "runtime._KindSpecialCleanup", m >= 25 ? 7 : 6) : -1;
}

static int flush(hg_build *b, enum hs_root_kind kind, const char *name, uint64_t addr,
                 uint64_t aux, hs_err *err)
{
    return hg_flush(b, kind, name, 0, addr, aux, 0, err) == UINT32_MAX ? -1 : 0;
}

/* A root of the nwords words at `at` (the special's own memory; tags are offsets from addr). */
static int word_root(hg_build *b, uint64_t at, int nwords, enum hs_root_kind kind, const char *name,
                     uint64_t addr, uint64_t aux, hs_err *err)
{
    for (int i = 0; i < nwords; i++) {
        uint64_t v = 0;
        if (hs_read_u64(b->rt->t, at + 8 * (uint64_t)i, &v, NULL) == 0 &&
            hg_pend_word(b, v, 8 * (uint64_t)i, err) < 0)
            return -1;
    }
    return flush(b, kind, name, addr, aux, err);
}

/* One special of span s at sp. */
static int one_special(hg_build *b, const sp_layout *l, const go_span *s, uint64_t sp,
                       uint64_t kind, uint64_t off, hs_err *err)
{
    go_heapgraph_stats *st = &b->out->st;
    uint64_t obj = s->base + off / s->elemsize * s->elemsize;
    if ((int64_t)kind == l->k_fin) {
        st->finalizers++;
        uint64_t ot = 0;
        hs_read_u64(b->rt->t, sp + (uint64_t)l->fin_ot, &ot, NULL);
        hs_oid o = hs_graph_find(b->g, obj);
        if (o != HS_NO_OBJ && hg_pend_object_edges(b, o, err) < 0)
            return -1;
        uint64_t fn = 0;
        if (hs_read_u64(b->rt->t, sp + (uint64_t)l->fin_fn, &fn, NULL) == 0 &&
            hg_pend_word(b, fn, UINT32_MAX, err) < 0)
            return -1;
        return flush(b, HS_ROOT_FINALIZER, "(finalizer)", obj, ot, err);
    }
    if ((int64_t)kind == l->k_cleanup) {
        st->cleanups++;
        return word_root(b, sp + (uint64_t)l->cln_fn, (int)l->cln_words, HS_ROOT_FINALIZER,
                         "(cleanup)", sp + (uint64_t)l->cln_fn, obj, err);
    }
    if ((int64_t)kind == l->k_weak) {
        st->weak_handles++;
        return word_root(b, sp + (uint64_t)l->weak_handle, 1, HS_ROOT_RUNTIME, "(weak handle)", obj, 0, err);
    }
    return 0;
}

static int span_specials(hg_build *b, const sp_layout *l, const go_span *s, hs_err *err)
{
    uint64_t sp = s->specials;
    uint8_t buf[24];
    /* a few specials per object at most (finalizer, profile, weak handle, cleanups): more means
     * a list that loops */
    uint64_t max = (uint64_t)s->nelems * 16 + 16 < MAX_SPECIALS_PER_SPAN ? (uint64_t)s->nelems * 16 + 16
                                                                          : MAX_SPECIALS_PER_SPAN;
    for (uint64_t n = 0; sp && n < max; n++) {
        if (hs_read(b->rt->t, sp, buf, sizeof buf, NULL) < 0) {
            hg_warn(b, "span 0x%llx: special at 0x%llx unreadable; its other specials are not "
                    "roots", (unsigned long long)s->base, (unsigned long long)sp);
            return 0;
        }
        uint64_t next = go_le64(buf + l->next);
        uint64_t off = l->offset_size == 8 ? go_le64(buf + l->offset) : (uint64_t)(buf[l->offset] | buf[l->offset + 1] << 8);
        uint64_t kind = buf[l->kind];
        if (off >= s->elemsize * s->nelems) {
            hg_warn(b, "span 0x%llx: special at 0x%llx names offset %llu outside the span; skipped",
                    (unsigned long long)s->base, (unsigned long long)sp, (unsigned long long)off);
        } else if (one_special(b, l, s, sp, kind, off, err) < 0) {
            return -1;
        }
        if (next == sp)
            break;
        sp = next;
    }
    return 0;
}

/* Queued finalizers: runtime.allfin, a list of finBlocks of `cnt` finalizers each. */
static int queued_finalizers(hg_build *b, hs_err *err)
{
    go_rt *rt = b->rt;
    uint64_t allfin = go_rt_global(rt, "runtime.allfin", NULL), fb = 0;
    int64_t alllink = off_or(rt, "runtime.finblock", "alllink", 0), cnt = off_or(rt, "runtime.finblock", "cnt", 16),
            fin = off_or(rt, "runtime.finblock", "fin", 24), size = 40, fsize;
    if (go_layout_size(&rt->src, "runtime.finalizer", &fsize) == 0 && fsize >= 40)
        size = fsize;
    static const int ptr_words[] = {0, 1, 3, 4}; /* fn, arg, fint, ot (finptrmask) */
    if (!allfin || hs_read_u64(rt->t, allfin, &fb, NULL) < 0)
        return 0;
    hs_addrset seen = {0};
    for (int n = 0; fb && n < MAX_BLOCKS && hs_addrset_add(&seen, fb) == 1; n++) {
        uint32_t count = 0;
        uint64_t next = 0;
        if (hs_read_u32(rt->t, fb + (uint64_t)cnt, &count, NULL) < 0 ||
            hs_read_u64(rt->t, fb + (uint64_t)alllink, &next, NULL) < 0)
            break;
        for (uint32_t i = 0; i < count && i < 4096; i++) {
            uint64_t f = fb + (uint64_t)fin + i * (uint64_t)size;
            for (size_t k = 0; k < sizeof ptr_words / sizeof ptr_words[0]; k++) {
                uint64_t v = 0;
                if (hs_read_u64(rt->t, f + 8 * (uint64_t)ptr_words[k], &v, NULL) == 0 &&
                    hg_pend_word(b, v, i * (uint64_t)size + 8 * (uint64_t)ptr_words[k], err) < 0) {
                    hs_addrset_free(&seen);
                    return -1;
                }
            }
            b->out->st.queued++;
        }
        if (flush(b, HS_ROOT_FINALIZER, "(queued finalizers)", fb, 0, err) < 0) {
            hs_addrset_free(&seen);
            return -1;
        }
        fb = next;
    }
    hs_addrset_free(&seen);
    return 0;
}

/* Queued cleanups (1.25+): runtime.gcCleanups.all, a list of cleanupBlocks of n entries. */
static int queued_cleanups(hg_build *b, hs_err *err)
{
    go_rt *rt = b->rt;
    if (rt->ver.minor < 25)
        return 0;
    uint64_t q = go_rt_global(rt, "runtime.gcCleanups", NULL), cb = 0;
    int64_t all = off_or(rt, "runtime.cleanupQueue", "all", -1);
    int64_t alllink = off_or(rt, "runtime.cleanupBlock", "cleanupBlockHeader.alllink", 16);
    int64_t n_off = off_or(rt, "runtime.cleanupBlock", "cleanupBlockHeader.n", 24);
    int64_t arr = off_or(rt, "runtime.cleanupBlock", "cleanups", 32);
    uint64_t per = rt->ver.minor >= 26 ? 24 : 8, words = per / 8;
    if (!q || all < 0 || hs_read_u64(rt->t, q + (uint64_t)all, &cb, NULL) < 0)
        return 0;
    hs_addrset seen = {0};
    int r = 0;
    for (int k = 0; cb && k < MAX_BLOCKS && r == 0 && hs_addrset_add(&seen, cb) == 1; k++) {
        uint32_t n = 0;
        uint64_t next = 0;
        if (hs_read_u32(rt->t, cb + (uint64_t)n_off, &n, NULL) < 0 ||
            hs_read_u64(rt->t, cb + (uint64_t)alllink, &next, NULL) < 0)
            break;
        uint64_t cap = (uint64_t)arr < 512 ? (512 - (uint64_t)arr) / per : 0; /* 512-byte blocks */
        for (uint64_t i = 0; i < n && i < cap && r == 0; i++)
            for (uint64_t w = 0; w < words && r == 0; w++) {
                uint64_t v = 0, at = cb + (uint64_t)arr + i * per + 8 * w;
                if (hs_read_u64(rt->t, at, &v, NULL) == 0 && hg_pend_word(b, v, at - cb, err) < 0)
                    r = -1;
            }
        b->out->st.queued += n;
        if (r == 0 && flush(b, HS_ROOT_FINALIZER, "(queued cleanups)", cb, 0, err) < 0)
            r = -1;
        cb = next;
    }
    hs_addrset_free(&seen);
    return r;
}

/* The tiny-allocation block each P's mcache is filling (gcMarkTinyAllocs). */
static int tiny_blocks(hg_build *b, hs_err *err)
{
    go_rt *rt = b->rt;
    uint64_t allp = go_rt_global(rt, "runtime.allp", NULL), hdr[2];
    int64_t mcache = off_or(rt, "runtime.p", "mcache", -1), tiny = off_or(rt, "runtime.mcache", "tiny", -1);
    if (!allp || mcache < 0 || tiny < 0 || hs_read(rt->t, allp, hdr, sizeof hdr, NULL) < 0 || hdr[1] > MAX_PS)
        return 0;
    for (uint64_t i = 0; i < hdr[1]; i++) {
        uint64_t p = 0, mc = 0, t = 0;
        if (hs_read_u64(rt->t, hdr[0] + 8 * i, &p, NULL) < 0 || !p ||
            hs_read_u64(rt->t, p + (uint64_t)mcache, &mc, NULL) < 0 || !mc ||
            hs_read_u64(rt->t, mc + (uint64_t)tiny, &t, NULL) < 0)
            continue;
        if (hg_pend_word(b, t, 0, err) < 0 || flush(b, HS_ROOT_RUNTIME, "(tiny allocation block)", mc, i, err) < 0)
            return -1;
    }
    return 0;
}

int hg_roots_specials(hg_build *b, hs_err *err)
{
    sp_layout l;
    layout(b->rt, &l);
    uint32_t before = hs_graph_nroots(b->g);
    for (size_t i = 0; i < go_heap_nspans(b->h); i++) {
        const go_span *s = go_heap_span(b->h, i);
        if (s->specials && span_specials(b, &l, s, err) < 0)
            return -1;
    }
    if (queued_finalizers(b, err) < 0 || queued_cleanups(b, err) < 0 || tiny_blocks(b, err) < 0)
        return -1;
    for (uint32_t r = before; r < hs_graph_nroots(b->g); r++) {
        uint32_t n;
        hs_graph_root_edges(b->g, r, &n);
        b->out->st.roots_special += n;
    }
    return 0;
}
