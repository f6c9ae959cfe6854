/* go_stackscan.c - one goroutine's stack scan (see go_stackscan.h). */
#include "go_stackscan.h"

#include <stdlib.h>
#include <string.h>

#include "../image/go_window.h"

#define MAX_STACK_COPY (64u << 20)

static int room(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *p = realloc(*v, c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

#define PUSH(s, arr, n, cap, val)                                                              \
    do {                                                                                       \
        if (room((void **)&(s)->arr, &(s)->cap, (s)->n, sizeof *(s)->arr) < 0)                 \
            (s)->oom = 1;                                                                      \
        else                                                                                   \
            (s)->arr[(s)->n++] = (val);                                                        \
    } while (0)

void ss_begin(go_stackscan *s, uint64_t lo, uint64_t hi, uint64_t sp)
{
    s->lo = lo;
    s->hi = hi;
    s->nframes = 0;
    s->nedges = s->nobjs = s->npq = s->ncq = s->nslots = 0;
    s->mem = NULL;
    s->mem_lo = sp >= lo && sp < hi ? sp & ~7ull : lo;
    if (hi <= s->mem_lo || hi - s->mem_lo > MAX_STACK_COPY)
        return;
    size_t n = (size_t)(hi - s->mem_lo);
    s->mem = hs_view(s->b->rt->t, s->mem_lo, n);
    if (s->mem)
        return;
    if (n > s->capown) {
        uint8_t *p = realloc(s->own, n);
        if (!p)
            return;
        s->own = p;
        s->capown = n;
    }
    if (hs_read(s->b->rt->t, s->mem_lo, s->own, n, NULL) == 0)
        s->mem = s->own;
}

void ss_free(go_stackscan *s)
{
    free(s->own);
    free(s->frames);
    free(s->edges);
    free(s->objs);
    free(s->pq);
    free(s->cq);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

uint32_t ss_frame_add(go_stackscan *s, const ss_frame *f)
{
    size_t cap = s->capframes;
    if (room((void **)&s->frames, &cap, s->nframes, sizeof *s->frames) < 0) {
        s->oom = 1;
        return UINT32_MAX;
    }
    s->capframes = (uint32_t)cap;
    s->frames[s->nframes] = *f;
    return s->nframes++;
}

uint64_t ss_word(go_stackscan *s, uint64_t addr)
{
    if (s->mem && addr >= s->mem_lo && addr <= s->hi - 8)
        return go_le64(s->mem + (addr - s->mem_lo));
    uint64_t v = 0;
    return hs_read_u64(s->b->rt->t, addr, &v, NULL) == 0 ? v : 0;
}

void ss_value(go_stackscan *s, uint32_t f, uint64_t v, uint64_t tag, int conservative)
{
    if (f >= s->nframes || v < 4096)
        return;
    if (v >= s->lo && v < s->hi) {
        if (conservative)
            PUSH(s, cq, ncq, capcq, v);
        else
            PUSH(s, pq, npq, cappq, v);
        return;
    }
    hs_oid o = hs_graph_find_hint(s->b->g, v, &s->b->hint);
    if (o != HS_NO_OBJ)
        PUSH(s, edges, nedges, capedges, ((ss_edge){f, o, tag > UINT32_MAX ? UINT32_MAX : (uint32_t)tag}));
}

void ss_scan(go_stackscan *s, uint32_t f, uint64_t addr, uint64_t n, const uint8_t *mask,
             int conservative)
{
    if (f >= s->nframes)
        return;
    ss_frame *fr = &s->frames[f];
    for (uint64_t i = 0; i < n; i++) {
        if (mask && !(mask[i / 8] >> (i % 8) & 1))
            continue;
        uint64_t a = addr + 8 * i, v = ss_word(s, a);
        if (conservative)
            s->conservative_bytes += 8;
        else if (fr->typed)
            PUSH(s, slots, nslots, capslots, ((ss_slot){f, a, v}));
        ss_value(s, f, v, a - fr->sp, conservative);
    }
}

void ss_object(go_stackscan *s, uint32_t f, uint64_t addr, int32_t size, int32_t ptrdata,
               uint64_t mask)
{
    if (size <= 0 || addr < s->lo || addr + (uint64_t)size > s->hi)
        return;
    PUSH(s, objs, nobjs, capobjs, ((ss_obj){addr, mask, size, ptrdata, f, 0}));
}

static int obj_cmp(const void *a, const void *b)
{
    const ss_obj *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static ss_obj *find_obj(go_stackscan *s, uint64_t p)
{
    size_t lo = 0, hi = s->nobjs; /* first object with addr > p */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->objs[mid].addr <= p)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    ss_obj *o = &s->objs[lo - 1];
    return p - o->addr < (uint64_t)o->size ? o : NULL;
}

static void scan_obj(go_stackscan *s, ss_obj *o, int conservative)
{
    uint64_t words = o->ptrdata > 0 ? (uint64_t)o->ptrdata / 8 : (uint64_t)o->size / 8;
    size_t avail = 0;
    const uint8_t *mask = o->ptrdata > 0 ? go_image_window(s->b->rt->exe, o->mask, &avail) : NULL;
    if (!mask || avail < (words + 7) / 8) { /* a GC program, or no mask: every word */
        mask = NULL;
        conservative = 1;
    }
    s->b->out->st.stack_objects++;
    ss_scan(s, o->frame, o->addr, words, mask, conservative);
}

void ss_drain(go_stackscan *s)
{
    if (s->nobjs > 1)
        qsort(s->objs, s->nobjs, sizeof *s->objs, obj_cmp);
    while ((s->npq || s->ncq) && !s->oom) {
        int cons = s->npq == 0;
        uint64_t p = cons ? s->cq[--s->ncq] : s->pq[--s->npq];
        ss_obj *o = find_obj(s, p);
        if (o && !o->done) {
            o->done = 1;
            scan_obj(s, o, cons);
        }
    }
}

static int slot_cmp(const void *a, const void *b)
{
    const ss_slot *x = a, *y = b;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Records a precise frame's root and live slots for typing. */
static int keep_frame(go_stackscan *s, uint32_t f, uint32_t root, size_t *si)
{
    go_heapgraph *out = s->b->out;
    hg_build *b = s->b;
    size_t first = *si;
    while (*si < s->nslots && s->slots[*si].frame == f)
        (*si)++;
    size_t n = *si - first;
    if (out->nframes == b->capframes &&
        room((void **)&out->frames, &b->capframes, out->nframes, sizeof *out->frames) < 0)
        return -1;
    while (out->nlive_slots + n > b->caplive) {
        size_t cap = b->caplive;
        if (room((void **)&out->live_slots, &cap, cap, sizeof *out->live_slots) < 0)
            return -1;
        cap = b->caplive;
        if (room((void **)&out->live_vals, &cap, cap, sizeof *out->live_vals) < 0)
            return -1;
        b->caplive = cap;
    }
    out->frames[out->nframes++] = (go_root_frame){s->frames[f].lpc, s->frames[f].fp, s->lo, s->hi,
                                                  root, (uint32_t)out->nlive_slots, (uint32_t)n};
    for (size_t i = first; i < *si; i++) {
        out->live_vals[out->nlive_slots] = s->slots[i].value;
        out->live_slots[out->nlive_slots++] = s->slots[i].addr;
    }
    return 0;
}

int ss_emit(go_stackscan *s, uint32_t group, hs_err *err)
{
    hg_build *b = s->b;
    if (s->oom)
        return hs_errf(err, "out of memory scanning goroutine stacks");
    size_t *start = calloc((size_t)s->nframes + 1, sizeof *start);
    ss_edge *sorted = s->nedges ? malloc(s->nedges * sizeof *sorted) : NULL;
    if (!start || (s->nedges && !sorted)) {
        free(start);
        free(sorted);
        return hs_errf(err, "out of memory scanning goroutine stacks");
    }
    for (size_t i = 0; i < s->nedges; i++) /* counting sort by frame, keeping the order */
        start[s->edges[i].frame + 1]++;
    for (uint32_t f = 0; f < s->nframes; f++)
        start[f + 1] += start[f];
    for (size_t i = 0; i < s->nedges; i++)
        sorted[start[s->edges[i].frame]++] = s->edges[i];
    if (s->nslots > 1)
        qsort(s->slots, s->nslots, sizeof *s->slots, slot_cmp);
    int r = 0;
    size_t e = 0, si = 0;
    for (uint32_t f = 0; f < s->nframes && r == 0; f++) {
        const ss_frame *fr = &s->frames[f];
        size_t first = e;
        while (e < s->nedges && sorted[e].frame == f)
            e++;
        while (si < s->nslots && s->slots[si].frame < f)
            si++;
        if (e == first)
            continue;
        hs_root root = {(uint8_t)fr->kind, fr->conservative, fr->name, group, fr->sp, fr->lpc};
        uint32_t id = hs_graph_add_root(b->g, &root, err);
        for (size_t k = first; id != UINT32_MAX && k < e; k++)
            if (hs_graph_add_root_edge(b->g, sorted[k].o, sorted[k].tag, err) < 0)
                id = UINT32_MAX;
        b->out->st.roots_stack += e - first;
        if (id == UINT32_MAX)
            r = -1;
        else if (fr->typed && keep_frame(s, f, id, &si) < 0)
            r = hs_errf(err, "out of memory keeping stack frames");
    }
    free(start);
    free(sorted);
    return r;
}
