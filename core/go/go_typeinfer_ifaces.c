/* go_typeinfer_ifaces.c - interface values inside objects no typed path reached. An interface
 * is two words: a type descriptor (eface: any) or an itab (iface: error, io.Reader, ...), then
 * the data word; the first says exactly what the second points to. Objects of unknown type
 * still hold such pairs (sync.Pool's queues, []any built at run time, errors kept in unsafe
 * places), so every live object still untyped is searched for a word naming a type descriptor
 * (or an itab) followed by a pointer to the start of an untyped heap object; each one found is
 * typed and followed as usual. Repeats while new objects get types (bounded). Without DWARF,
 * global variables are searched too (once, first). */
#include <stdlib.h>
#include <string.h>

#include "../image/go_window.h"
#include "go_typeinfer_priv.h"

#define MAX_ROUNDS 8
#define CHUNK 65536

typedef struct ti_itab {
    UT_hash_handle hh;
    uint64_t itab, type; /* type 0: not an itab */
} ti_itab;

static uint64_t itab_type(ti *t, uint64_t itab)
{
    ti_itab *e = NULL;
    HASH_FIND(hh, t->itabs, &itab, sizeof itab, e);
    if (!e) {
        if (!(e = calloc(1, sizeof *e)))
            return 0;
        e->itab = itab;
        e->type = go_types_itab_type(t->ts, itab);
        HASH_ADD(hh, t->itabs, itab, sizeof e->itab, e);
    }
    return e->type;
}

/* An untyped, allocated heap object starts at p. */
static int untyped_start(ti *t, uint64_t p, size_t *hint)
{
    hs_oid o = p >= 4096 && !(p & 7) ? hs_graph_find_hint(t->g, p, hint) : HS_NO_OBJ;
    return o != HS_NO_OBJ && hs_graph_addr(t->g, o) == p && !hs_graph_type(t->g, o);
}

/* Looks at n words of one object for interface pairs. */
static void search(ti *t, const uint8_t *mem, uint64_t n, size_t *hint)
{
    for (uint64_t k = 0; k + 1 < n; k++) {
        uint64_t tw = go_le64(mem + 8 * k), dw = go_le64(mem + 8 * k + 8);
        if (!tw || (tw & 7) || !untyped_start(t, dw, hint))
            continue;
        if (hs_graph_find_hint(t->g, tw, hint) != HS_NO_OBJ)
            continue; /* a heap pointer, not a type or an itab */
        if (go_types_in_types(t->ts, tw))
            ti_target_iface(t, tw, dw);
        else if (itab_type(t, tw))
            ti_target_iface(t, itab_type(t, tw), dw);
    }
}

static void one_object(ti *t, const go_span *s, uint64_t obj, uint8_t *buf, size_t *hint)
{
    for (uint64_t off = 0; off + 16 <= s->elemsize; off += CHUNK - 8) {
        uint64_t n = s->elemsize - off < CHUNK ? s->elemsize - off : CHUNK;
        const uint8_t *mem = hs_view(t->rt->t, obj + off, (size_t)n);
        if (!mem && hs_read(t->rt->t, obj + off, buf, (size_t)n, NULL) == 0)
            mem = buf;
        if (!mem)
            return;
        search(t, mem, n / 8, hint);
    }
}

static int round_once(ti *t, uint8_t *buf, hs_err *err)
{
    const uint8_t *live = hs_mark_bits(t->hg->live);
    size_t hint = 0;
    for (size_t i = 0; i < go_heap_nspans(t->h); i++) {
        const go_span *s = go_heap_span(t->h, i);
        if (s->noscan)
            continue;
        const uint8_t *alloc = go_heap_alloc_bits(t->h, i);
        for (uint32_t k = 0; k < s->nelems; k++) {
            hs_oid o = go_heapgraph_oid(s, k);
            if (!(alloc[k / 8] >> (k % 8) & 1) || !(live[o / 8] >> (o % 8) & 1) || hs_graph_type(t->g, o))
                continue;
            one_object(t, s, s->base + (uint64_t)k * s->elemsize, buf, &hint);
        }
        if ((i & 1023) == 0 && hs_interrupted(t->rt->t))
            return hs_errf(err, "interrupted");
        if (ti_drain(t, buf, err) < 0)
            return -1;
    }
    return 0;
}

/* Without DWARF the global variables' interface values are found the same way: data and bss
 * of the first module, read a chunk at a time (chunks overlap by a word, so no pair is cut). */
static void globals_once(ti *t, uint8_t *buf)
{
    const go_moduledata *md = &t->rt->md;
    const uint64_t sec[2][2] = {{md->data, md->edata}, {md->bss, md->ebss}};
    size_t hint = 0;
    for (int i = 0; i < 2; i++)
        for (uint64_t a = sec[i][0]; a + 16 <= sec[i][1]; a += CHUNK - 8) {
            uint64_t n = sec[i][1] - a < CHUNK ? sec[i][1] - a : CHUNK;
            if (hs_read(t->rt->t, a + t->rt->bias, buf, (size_t)n, NULL) == 0)
                search(t, buf, n / 8, &hint);
        }
}

int ti_from_interfaces(ti *t, uint8_t *buf, hs_err *err)
{
    const go_roots_info *ri = go_types_roots_info(t->ts);
    if (!ri || !ri->have_dwarf) {
        globals_once(t, buf);
        if (ti_drain(t, buf, err) < 0)
            return -1;
    }
    for (int r = 0; r < MAX_ROUNDS; r++) {
        uint64_t before = t->st.typed_objects;
        if (round_once(t, buf, err) < 0)
            return -1;
        if (t->st.typed_objects == before)
            break;
    }
    return 0;
}

void ti_ifaces_free(ti *t)
{
    ti_itab *e, *tmp;
    HASH_ITER(hh, t->itabs, e, tmp) {
        HASH_DEL(t->itabs, e);
        free(e);
    }
}
