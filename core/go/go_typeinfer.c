/* go_typeinfer.c - the phases of type inference (see go_typeinfer.h): objects the runtime typed
 * itself, then typed globals, each followed through everything they reach; finally the objects
 * nothing typed reaches, grouped by size class. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/go_window.h" /* go_le64 */
#include "go_typeinfer_priv.h"

#define CHUNK_BYTES 65536

static int64_t off_or(go_rt *rt, const char *type, const char *field, int64_t fallback)
{
    int64_t v;
    return go_layout_off(&rt->src, type, field, &v) == 0 ? v : fallback;
}

static void layouts(ti *t)
{
    go_rt *rt = t->rt;
    t->hmap_buckets = off_or(rt, "runtime.hmap", "buckets", 16);
    t->hmap_oldbuckets = off_or(rt, "runtime.hmap", "oldbuckets", 24);
    t->hmap_extra = off_or(rt, "runtime.hmap", "extra", 40);
    t->smap_dir = off_or(rt, "internal/runtime/maps.Map", "dirPtr", 16);
    t->smap_dirlen = off_or(rt, "internal/runtime/maps.Map", "dirLen", 24);
    t->table_data = off_or(rt, "internal/runtime/maps.table", "groups.data", 16);
    t->table_mask = off_or(rt, "internal/runtime/maps.table", "groups.lengthMask", 24);
    t->hchan_dataqsiz = off_or(rt, "runtime.hchan", "dataqsiz", 8);
    t->hchan_buf = off_or(rt, "runtime.hchan", "buf", 16);
    if (go_layout_size(&rt->src, "runtime.hchan", &t->hchan_size) < 0)
        t->hchan_size = rt->ver.minor >= 25 ? 112 : rt->ver.minor >= 23 ? 104 : 96;
}

void ti_apply(ti *t, const go_scan_entry *e, const uint8_t *w, uint64_t addr)
{
    switch (e->kind) {
    case GO_SCAN_PTR: ti_target(t, go_le64(w), e->type); break;
    case GO_SCAN_SLICE: ti_target(t, go_le64(w), e->type); break;
    case GO_SCAN_STRING: if (go_le64(w + 8)) ti_target_string(t, go_le64(w)); break;
    case GO_SCAN_EFACE: ti_target_iface(t, go_le64(w), go_le64(w + 8)); break;
    case GO_SCAN_IFACE:
        ti_target_iface(t, go_types_itab_type(t->ts, go_le64(w)), go_le64(w + 8));
        break;
    case GO_SCAN_MAP: ti_target_map(t, go_le64(w), e->type); break;
    case GO_SCAN_CHAN: ti_target_chan(t, go_le64(w), e->type); break;
    case GO_SCAN_FUNC: ti_target_closure(t, go_le64(w)); break;
    case GO_SCAN_ARRAY:
        if (e->type)
            ti_push(t, addr, go_scanplan_get(t->plans, e->type->addr), e->count);
        break;
    }
}

/* Values larger than a chunk: read just the words the plan names. */
static void scan_big(ti *t, ti_item it, uint64_t size)
{
    uint8_t w[24];
    for (uint64_t i = 0; i < it.count; i++)
        for (uint32_t x = 0; x < it.plan->n; x++) {
            const go_scan_entry *e = &it.plan->e[x];
            uint64_t a = it.addr + i * size + e->offset;
            if (hs_read(t->rt->t, a, w, sizeof w, NULL) == 0)
                ti_apply(t, e, w, a);
        }
}

/* Reads the item's values a chunk at a time and follows every word its plan names. */
static void scan_item(ti *t, ti_item it, uint8_t *buf)
{
    uint64_t size = it.plan->type->size;
    if (size == 0)
        return;
    if (size > CHUNK_BYTES) {
        scan_big(t, it, size);
        return;
    }
    uint64_t per = CHUNK_BYTES / size;
    for (uint64_t i = 0; i < it.count; i += per) {
        uint64_t k = it.count - i < per ? it.count - i : per;
        uint64_t base = it.addr + i * size;
        const uint8_t *mem = hs_view(t->rt->t, base, (size_t)(k * size));
        if (!mem && hs_read(t->rt->t, base, buf, k * size, NULL) < 0)
            return; /* unreadable memory: nothing to follow */
        if (!mem)
            mem = buf;
        for (uint64_t j = 0; j < k; j++)
            for (uint32_t x = 0; x < it.plan->n; x++) {
                const go_scan_entry *e = &it.plan->e[x];
                ti_apply(t, e, mem + j * size + e->offset, base + j * size + e->offset);
            }
    }
}

int ti_drain(ti *t, uint8_t *buf, hs_err *err)
{
    for (size_t n = 0; t->nstack > 0; n++) {
        if ((n & 4095) == 0 && hs_interrupted(t->rt->t))
            return hs_errf(err, "interrupted");
        hs_progress_tick(t->rt->t->progress, ++t->scanned);
        scan_item(t, t->stack[--t->nstack], buf);
    }
    return t->oom ? hs_errf(err, "out of memory while typing heap objects") : 0;
}

/* Objects whose type the runtime recorded: an allocation header, or span.largeType. */
static int from_headers(ti *t, uint8_t *buf, hs_err *err)
{
    for (size_t i = 0; i < go_heap_nspans(t->h); i++) {
        const go_span *s = go_heap_span(t->h, i);
        if (!s->header && !s->large_type)
            continue;
        const uint8_t *bits = go_heap_alloc_bits(t->h, i);
        for (uint32_t k = 0; k < s->nelems; k++) {
            if (!(bits[k >> 3] & (1u << (k & 7))))
                continue;
            uint64_t obj = s->base + (uint64_t)k * s->elemsize, taddr = s->large_type;
            if (s->header && hs_read_u64(t->rt->t, obj, &taddr, NULL) < 0)
                continue;
            const go_type *type = go_types_get(t->ts, taddr);
            if (!type || type->size == 0)
                continue;
            uint64_t hdr = s->header ? 8 : 0, n = (s->elemsize - hdr) / type->size;
            ti_set(t, go_heapgraph_oid(s, k), ti_name(t, type, n >= 2));
            t->st.from_headers++;
            if (type->ptrdata)
                ti_push(t, obj + hdr, go_scanplan_get(t->plans, type->addr), n);
        }
        if (ti_drain(t, buf, err) < 0)
            return -1;
    }
    return 0;
}

static int from_roots(ti *t, uint8_t *buf, hs_err *err)
{
    const go_root *roots;
    const go_dwarf_global *globals;
    size_t n, ng;
    if (go_types_roots(t->ts, &roots, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        ti_push(t, roots[i].addr, go_scanplan_get(t->plans, roots[i].type), 1);
        t->st.roots++;
        if (ti_drain(t, buf, err) < 0)
            return -1;
    }
    go_types_untyped_globals(t->ts, &globals, &ng);
    for (size_t i = 0; i < ng; i++) {
        const go_type *type = go_synth_dwarf(t->synth, globals[i].dwarf_type);
        if (!type)
            continue;
        ti_push(t, globals[i].addr, go_scanplan_get(t->plans, type->addr), 1);
        t->st.dwarf_roots++;
        if (ti_drain(t, buf, err) < 0)
            return -1;
    }
    return 0;
}

static int run(ti *t, hs_err *err)
{
    uint8_t *buf = malloc(CHUNK_BYTES);
    int r = !buf || !t->plans || !t->synth ? hs_errf(err, "out of memory for type inference")
            : from_headers(t, buf, err) < 0 || from_roots(t, buf, err) < 0 || ti_from_code(t, buf, err) < 0 ||
                      (t->hg->live && (ti_from_frames(t, buf, err) < 0 || ti_from_finalizers(t, buf, err) < 0 ||
                                       ti_from_interfaces(t, buf, err) < 0)) ? -1
            : t->oom ? hs_errf(err, "out of memory for type names")
            : 0;
    free(buf);
    return r;
}

static const go_type *resolve(void *synth, uint64_t addr) { return go_synth_get(synth, addr); }

int go_typeinfer_run(go_rt *rt, go_heap *h, go_types *ts, go_heapgraph *hg,
                     go_typeinfer_stats *st, hs_err *err)
{
    ti t;
    memset(&t, 0, sizeof t);
    t.rt = rt;
    t.h = h;
    t.hg = hg;
    t.g = hg->g;
    t.types = hs_graph_types(hg->g);
    t.present = hs_graph_present_bits(hg->g);
    t.ts = ts;
    t.synth = go_synth_new(rt, ts);
    t.plans = go_scanplans_new(resolve, t.synth);
    layouts(&t);
    hs_progress_phase(rt->t->progress, "typing objects", 0, HS_PROG_COUNT);
    int r = run(&t, err);
    *st = t.st;
    if (r == 0)
        ti_names_export(&t);
    ti_names_free(&t);
    ti_frames_free(&t);
    ti_ifaces_free(&t);
    go_scanplans_free(t.plans);
    go_synth_free(t.synth);
    free(t.stack);
    return r;
}
