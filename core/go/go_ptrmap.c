/* go_ptrmap.c - pointer maps of heap objects per release (see go_ptrmap.h): the arena bitmaps of
 * 1.19-1.21 read per span, the in-span bitmaps, allocation headers and largeType of 1.22+, and a
 * cache of the type masks those name. */
#include "go_ptrmap.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../image/go_window.h"
#include "go_heap_globals.h"

enum { MODE_ARENA2, MODE_ARENA1, MODE_HEADERS };
enum { TFLAG_UNROLLED_OR_ONDEMAND = 1 << 4, KIND_GC_PROG = 0x40 };
#define MAX_MASK_BYTES (1u << 20)
#define ARENA_CACHE 64

typedef struct tmask { /* a type's pointer layout, by descriptor address */
    UT_hash_handle hh;
    uint64_t addr, size, ptrbytes;
    uint8_t *mask; /* NULL: unusable (conservative) */
} tmask;

typedef struct arena_ent {
    uint64_t idx, ha; /* ha 0: no arena there */
    int used;
} arena_ent;

struct go_ptrmap {
    go_rt *rt;
    int mode, greentea;
    int64_t off_bitmap, off_nomore;
    uint64_t l2;        /* the arenas' second-level array */
    uint64_t arena_base_offset, arena_bytes;
    int64_t t_size, t_ptrbytes, t_tflag, t_kind, t_gcdata;
    arena_ent arenas[ARENA_CACHE];
    tmask *types;
    /* the open span */
    const go_span *s;
    const uint8_t *mem;
    uint8_t *sbits, *snomore; /* its share of the bitmap (and noMorePtrs) */
    size_t capsbits, capnomore;
    int span_bad;
    go_ptrmap_stats st;
};

static int64_t off_or(const go_rt *rt, const char *t, const char *f, int64_t fallback)
{
    int64_t v;
    return go_layout_off(&rt->src, t, f, &v) == 0 ? v : fallback;
}

static void type_layout(go_ptrmap *pm)
{
    const char *t = pm->rt->ver.minor >= 21 ? "internal/abi.Type" : "runtime._type";
    int n = pm->rt->ver.minor >= 21;
    pm->t_size = off_or(pm->rt, t, n ? "Size_" : "size", 0);
    pm->t_ptrbytes = off_or(pm->rt, t, n ? "PtrBytes" : "ptrdata", 8);
    pm->t_tflag = off_or(pm->rt, t, n ? "TFlag" : "tflag", 20);
    pm->t_kind = off_or(pm->rt, t, n ? "Kind_" : "kind", 23);
    pm->t_gcdata = off_or(pm->rt, t, n ? "GCData" : "gcdata", 32);
}

static int arena_setup(go_ptrmap *pm, hs_err *err)
{
    go_rt *rt = pm->rt;
    uint64_t mheap = go_rt_global(rt, "runtime.mheap_", NULL), l2 = 0;
    int64_t arenas = off_or(rt, "runtime.mheap", "arenas", -1);
    pm->off_bitmap = off_or(rt, "runtime.heapArena", "bitmap", 0);
    pm->off_nomore = off_or(rt, "runtime.heapArena", "noMorePtrs", -1);
    if (!mheap || arenas < 0 || hs_read_u64(rt->t, mheap + (uint64_t)arenas, &l2, err) < 0 || !l2)
        return hs_errf(err, "cannot find runtime.mheap_.arenas, where go1.%d keeps the heap's "
                       "pointer bitmaps", rt->ver.minor);
    if (pm->mode == MODE_ARENA1 && pm->off_nomore < 0)
        pm->off_nomore = 1048576; /* heapArenaBitmapWords * 8 (1.20, 1.21) */
    pm->l2 = l2;
    pm->arena_bytes = (uint64_t)go_layout_const_or(rt, "runtime.heapArenaBytes", 64 << 20);
    pm->arena_base_offset = (uint64_t)go_layout_const_or(rt, "runtime.arenaBaseOffset",
                                                         (int64_t)0xffff800000000000ull);
    return 0;
}

int go_ptrmap_open(go_ptrmap **out, go_rt *rt, hs_err *err)
{
    *out = NULL;
    go_ptrmap *pm = calloc(1, sizeof *pm);
    if (!pm)
        return hs_errf(err, "out of memory");
    pm->rt = rt;
    pm->mode = rt->ver.minor <= 19 ? MODE_ARENA2 : rt->ver.minor <= 21 ? MODE_ARENA1 : MODE_HEADERS;
    if (rt->ver.minor == 22 && go_version_has_experiment(&rt->ver, "noallocheaders"))
        pm->mode = MODE_ARENA1; /* the 1.21 bitmap, kept behind the experiment */
    pm->greentea = rt->ver.minor >= 26 ? !go_version_has_experiment(&rt->ver, "nogreenteagc")
                   : rt->ver.minor == 25 && go_version_has_experiment(&rt->ver, "greenteagc");
    type_layout(pm);
    if (pm->mode != MODE_HEADERS && arena_setup(pm, err) < 0) {
        free(pm);
        return -1;
    }
    *out = pm;
    return 0;
}

void go_ptrmap_close(go_ptrmap *pm)
{
    if (!pm)
        return;
    tmask *t, *tmp;
    HASH_ITER(hh, pm->types, t, tmp) {
        HASH_DEL(pm->types, t);
        free(t->mask);
        free(t);
    }
    free(pm->sbits);
    free(pm->snomore);
    free(pm);
}

const go_ptrmap_stats *go_ptrmap_stats_of(const go_ptrmap *pm) { return &pm->st; }

/* ---- type masks ---- */

static int load_type(go_ptrmap *pm, tmask *t)
{
    hs_target *tg = pm->rt->t;
    uint8_t hdr[48];
    if (hs_read(tg, t->addr, hdr, sizeof hdr, NULL) < 0 || pm->t_gcdata + 8 > (int64_t)sizeof hdr)
        return -1;
    t->size = go_le64(hdr + pm->t_size);
    t->ptrbytes = go_le64(hdr + pm->t_ptrbytes);
    uint8_t tflag = hdr[pm->t_tflag], kind = hdr[pm->t_kind];
    uint64_t gcdata = go_le64(hdr + pm->t_gcdata);
    if (t->size == 0 || t->size % 8 || t->ptrbytes > t->size || t->ptrbytes % 8 || !gcdata)
        return -1;
    if (pm->rt->ver.minor <= 23 && (kind & KIND_GC_PROG) && !(tflag & TFLAG_UNROLLED_OR_ONDEMAND))
        return -1; /* a GC program (heap objects of such types get an unrolled largeType) */
    if (pm->rt->ver.minor >= 24 && (tflag & TFLAG_UNROLLED_OR_ONDEMAND) &&
        (hs_read_u64(tg, gcdata, &gcdata, NULL) < 0 || !gcdata))
        return -1; /* a mask built on demand that the runtime has not built */
    uint64_t bytes = (t->ptrbytes / 8 + 7) / 8;
    if (bytes > MAX_MASK_BYTES || !(t->mask = calloc(bytes + 8, 1)))
        return -1;
    if (bytes && hs_read(tg, gcdata, t->mask, (size_t)bytes, NULL) < 0) {
        free(t->mask);
        t->mask = NULL;
        return -1;
    }
    return 0;
}

int go_ptrmap_type(go_ptrmap *pm, uint64_t addr, uint64_t *size, uint64_t *ptrbytes,
                   const uint8_t **mask)
{
    tmask *t = NULL;
    HASH_FIND(hh, pm->types, &addr, sizeof addr, t);
    if (!t) {
        if (!addr || addr % 8 || !(t = calloc(1, sizeof *t)))
            return -1;
        t->addr = addr;
        if (load_type(pm, t) < 0)
            t->mask = NULL;
        HASH_ADD(hh, pm->types, addr, sizeof t->addr, t);
    }
    if (!t->mask)
        return -1;
    *size = t->size;
    *ptrbytes = t->ptrbytes;
    *mask = t->mask;
    return 0;
}

/* ---- arena bitmaps (1.19-1.21) ---- */

static uint64_t arena_of(go_ptrmap *pm, uint64_t idx)
{
    arena_ent *e = &pm->arenas[idx % ARENA_CACHE];
    if (!e->used || e->idx != idx) {
        e->used = 1;
        e->idx = idx;
        e->ha = 0;
        if (idx < (1ull << 22))
            hs_read_u64(pm->rt->t, pm->l2 + 8 * idx, &e->ha, NULL);
    }
    return e->ha;
}

/* Copies the bitmap bytes (field at foff of each heapArena, `ratio` heap bytes per bitmap byte)
 * for heap range [addr, addr+len) into dst, arena by arena. */
static int arena_bytes(go_ptrmap *pm, uint64_t addr, uint64_t len, int64_t foff, uint64_t ratio,
                       uint8_t *dst)
{
    while (len > 0) {
        uint64_t rel = addr - pm->arena_base_offset, idx = rel / pm->arena_bytes;
        uint64_t in = rel % pm->arena_bytes, n = pm->arena_bytes - in < len ? pm->arena_bytes - in : len;
        uint64_t ha = arena_of(pm, idx);
        if (!ha || hs_read(pm->rt->t, ha + (uint64_t)foff + in / ratio, dst, (size_t)(n / ratio), NULL) < 0)
            return -1;
        dst += n / ratio;
        addr += n;
        len -= n;
    }
    return 0;
}

static int grow(uint8_t **p, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    uint8_t *v = realloc(*p, n);
    if (!v)
        return -1;
    *p = v;
    *cap = n;
    return 0;
}

static int span_arena_bits(go_ptrmap *pm, const go_span *s)
{
    uint64_t len = s->npages * GO_PAGE_SIZE;
    uint64_t ratio = pm->mode == MODE_ARENA2 ? 32 : 64;
    if (grow(&pm->sbits, &pm->capsbits, (size_t)(len / ratio) + 8) < 0 ||
        arena_bytes(pm, s->base, len, pm->off_bitmap, ratio, pm->sbits) < 0)
        return -1;
    if (pm->mode == MODE_ARENA1 &&
        (grow(&pm->snomore, &pm->capnomore, (size_t)(len / 4096) + 8) < 0 ||
         arena_bytes(pm, s->base, len, pm->off_nomore, 4096, pm->snomore) < 0))
        return -1;
    return 0;
}

/* 1.19: bit i of word i's nibble pair; stop at the first word whose scan bit is clear. */
static void arena2_object(const go_ptrmap *pm, uint64_t w0, uint64_t nwords, uint8_t *bits)
{
    for (uint64_t i = 0; i < nwords; i++) {
        uint64_t w = w0 + i;
        unsigned b = pm->sbits[w / 4] >> (w % 4);
        if (!(b & 0x10))
            break;
        if (b & 1)
            bits[i / 8] |= (uint8_t)(1u << (i % 8));
    }
}

/* 1.20-1.21: one bit per word; after a bitmap word whose noMorePtrs bit is set, nothing more
 * (one noMorePtrs bit per bitmap word of 64 heap words: a byte per 4096 heap bytes). */
static void arena1_object(const go_ptrmap *pm, uint64_t w0, uint64_t nwords, uint8_t *bits)
{
    for (uint64_t i = 0; i < nwords; i++) {
        uint64_t w = w0 + i;
        if (pm->sbits[w / 8] >> (w % 8) & 1)
            bits[i / 8] |= (uint8_t)(1u << (i % 8));
        if (w % 64 == 63 && i + 1 < nwords && (pm->snomore[w / 512] >> (w / 64 % 8) & 1))
            break;
    }
}

/* ---- 1.22+ ---- */

static int span_heap_bits(go_ptrmap *pm, const go_span *s)
{
    uint64_t size = s->npages * GO_PAGE_SIZE, n = size / 64, off = size - n;
    if (pm->greentea && s->elemsize >= 16)
        off -= 128; /* spanInlineMarkBits sits last */
    if (pm->mem)
        return 0; /* in_span_bits reads them from the caller's copy of the span */
    if (grow(&pm->snomore, &pm->capnomore, (size_t)n + 8) < 0 ||
        hs_read(pm->rt->t, s->base + off, pm->snomore, (size_t)n, NULL) < 0)
        return -1;
    return 0;
}

static const uint8_t *in_span_bits(const go_ptrmap *pm)
{
    const go_span *s = pm->s;
    uint64_t size = s->npages * GO_PAGE_SIZE, off = size - size / 64;
    if (pm->greentea && s->elemsize >= 16)
        off -= 128;
    return pm->mem ? pm->mem + off : pm->snomore;
}

/* Tiles a type's mask over [from, to) words of the slot (header objects: from 1). */
static void tile(const uint8_t *mask, uint64_t size, uint64_t ptrbytes, uint64_t from,
                 uint64_t to, uint8_t *bits)
{
    uint64_t per = size / 8, np = ptrbytes / 8;
    for (uint64_t w = from; w < to; w++) {
        uint64_t k = (w - from) % per;
        if (k < np && (mask[k / 8] >> (k % 8) & 1))
            bits[w / 8] |= (uint8_t)(1u << (w % 8));
        if (k == np && np < per) /* skip the scalar tail of this element */
            w += per - np - 1;
    }
}

static enum go_ptrs typed_object(go_ptrmap *pm, uint64_t taddr, uint64_t from, uint64_t nwords,
                                 uint8_t *bits)
{
    uint64_t size, ptrbytes;
    const uint8_t *mask;
    if (go_ptrmap_type(pm, taddr, &size, &ptrbytes, &mask) < 0) {
        pm->st.bad_headers++;
        return GO_PTRS_CONSERVATIVE;
    }
    tile(mask, size, ptrbytes, from, nwords, bits);
    return GO_PTRS_PRECISE;
}

/* ---- per span, per object ---- */

int go_ptrmap_span(go_ptrmap *pm, const go_span *s, const uint8_t *span_mem)
{
    pm->s = s;
    pm->mem = span_mem;
    pm->span_bad = 0;
    if (s->noscan)
        return 0;
    int r = 0;
    if (pm->mode != MODE_HEADERS)
        r = span_arena_bits(pm, s);
    else if (!s->header && s->sizeclass != 0)
        r = span_heap_bits(pm, s);
    if (r < 0) {
        pm->span_bad = 1;
        pm->st.unreadable++;
    }
    return r;
}

enum go_ptrs go_ptrmap_object(go_ptrmap *pm, uint32_t slot, uint8_t *bits)
{
    const go_span *s = pm->s;
    uint64_t nwords = s->elemsize / 8, w0 = (uint64_t)slot * nwords;
    memset(bits, 0, (size_t)(nwords + 7) / 8);
    if (s->noscan)
        return GO_PTRS_NONE;
    enum go_ptrs r = GO_PTRS_PRECISE;
    if (pm->span_bad) {
        r = GO_PTRS_CONSERVATIVE;
    } else if (pm->mode == MODE_ARENA2) {
        arena2_object(pm, w0, nwords, bits);
    } else if (pm->mode == MODE_ARENA1) {
        arena1_object(pm, w0, nwords, bits);
    } else if (s->sizeclass == 0) {
        if (!s->large_type)
            return GO_PTRS_NONE; /* being allocated (delayed zeroing): the runtime skips it too */
        r = typed_object(pm, s->large_type, 0, nwords, bits);
    } else if (s->header) {
        uint64_t taddr = 0, at = s->base + w0 * 8;
        if (pm->mem)
            taddr = go_le64(pm->mem + w0 * 8);
        else if (hs_read_u64(pm->rt->t, at, &taddr, NULL) < 0)
            taddr = 0;
        if (!taddr)
            return GO_PTRS_NONE; /* header not written yet: being allocated */
        r = typed_object(pm, taddr, 1, nwords, bits);
    } else { /* at most 64 words (512 bytes): one or two bitmap words, shifted into place */
        const uint8_t *hb = in_span_bits(pm);
        uint64_t lo, hi = 0, k = w0 / 64, sh = w0 % 64;
        memcpy(&lo, hb + 8 * k, 8);
        if (sh + nwords > 64)
            memcpy(&hi, hb + 8 * (k + 1), 8);
        uint64_t m = sh ? lo >> sh | hi << (64 - sh) : lo;
        if (nwords < 64)
            m &= (1ull << nwords) - 1;
        memcpy(bits, &m, (size_t)(nwords + 7) / 8);
    }
    if (r == GO_PTRS_CONSERVATIVE) {
        pm->st.conservative_objects++;
        pm->st.conservative_bytes += s->elemsize;
    }
    return r;
}
