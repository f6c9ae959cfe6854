/* go_mprof_sites.c - heap-profile records as neutral allocation sites (see go_mprof.h),
 * symbolized the way runtime/pprof writes a heap profile:
 *  - the recorded stacks hold one return PC per logical frame (tracebackPCs records a "fake"
 *    PC, call-site + 1, for each inlined call), so each PC gives one frame: the innermost
 *    function at pc-1;
 *  - leading frames whose function at pc (FuncForPC, not pc-1) is "runtime." (and from 1.24
 *    "internal/runtime/") are hidden, unless every frame is;
 *  - a last PC cut inside an inlined call is expanded to its callers
 *    (runtime_expandFinalInlineFrame), runtime.goexit is dropped;
 *  - consecutive frames are merged into one machine location while the previous frame is an
 *    inlined call of the same physical function with another name (pprof's pcDeck).
 * Function names for profiles: the symbol name from Go 1.21 (runtime_FrameSymbolName), the
 * printed name before. */
#include "go_mprof_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../image/go_window.h" /* go_le32 */
#include "go_stacks.h"

#define MAX_LEVELS 64 /* inlining depth followed at one PC */

typedef struct pcinfo {
    UT_hash_handle hh;
    uint64_t pc;        /* key: the recorded run-time return PC */
    int found, hidden, goexit, inlined;
    uint64_t lookup;    /* run-time pc-1 (the call), the location's address */
    uint64_t entry;     /* the physical function's entry (link-time) */
    const char *symbol; /* name profiles key the function by */
    int32_t start_line;
    hs_frame frame;
} pcinfo;

struct go_mprof_sitedata {
    hs_alloc_sites sites;
    hs_alloc_site *v;
    hs_frame *frames;
    const char **symbols;
    int32_t *start_lines;
    size_t nframes, capframes;
    hs_site_loc *locs;
    size_t nlocs, caplocs;
    size_t *frame_off, *loc_off; /* per site while building */
    go_stacks *stacks;           /* owns the printed names */
    pcinfo *cache;
    go_pcache *pcache;
    char *text_file, build_id[80];
};

typedef struct builder {
    go_rt *rt;
    const go_mprof *p;
    go_mprof_sitedata *d;
    int sym_names, internal_runtime; /* Go >= 1.21, Go >= 1.24 */
} builder;

typedef struct level {
    uint64_t pc; /* link-time pc the level is resolved at */
    int32_t start_line;
    int funcid, inlined;
} level;


/* The logical levels at link-time pc in f, innermost first, through the inline tree
 * (Go 1.20+ entries {funcID u8, _[3], nameOff, parentPc, startLine i32}; 1.18-1.19
 * {parent i16, funcID u8, _, file, line, func_, parentPc i32}, no start line). */
static int inline_levels(const go_pcln *p, const go_func *f, uint64_t pc, level *out, int max)
{
    int v120 = go_pcln_hdr(p)->ver >= 120;
    size_t esz = v120 ? 16 : 20, avail = 0;
    const uint8_t *tree = go_pcln_funcdata_bytes(p, f, GO_FUNCDATA_INLTREE, &avail);
    int32_t ix = -1;
    if (tree)
        go_pcln_pcdata(p, f, GO_PCDATA_INLTREEINDEX, pc, &ix);
    int n = 0;
    while (n < max && ix >= 0 && ((uint64_t)ix + 1) * esz <= avail) {
        const uint8_t *e = tree + (size_t)ix * esz;
        out[n++] = (level){pc, v120 ? (int32_t)go_le32(e + 12) : 0, v120 ? e[0] : e[2], 1};
        int32_t parent = (int32_t)go_le32(e + (v120 ? 8 : 16));
        ix = -1;
        if (parent < 0 || (uint64_t)parent >= f->end - f->entry)
            break;
        pc = f->entry + (uint64_t)parent;
        go_pcln_pcdata(p, f, GO_PCDATA_INLTREEINDEX, pc, &ix);
    }
    if (n < max)
        out[n++] = (level){pc, f->startline, f->funcid, 0};
    return n;
}

static int is_runtime(const builder *b, const char *name)
{
    return strncmp(name, "runtime.", 8) == 0 ||
           (b->internal_runtime && strncmp(name, "internal/runtime/", 17) == 0);
}

/* Symbolizes one recorded PC (cached). */
static void resolve(builder *b, pcinfo *in)
{
    const go_pcln *pl = b->rt->pcln;
    go_mprof_sitedata *d = b->d;
    uint64_t l = go_rt_linkpc(b->rt, in->pc);
    go_srcframe sf;
    in->hidden = go_pcln_frames_cached(pl, l, &sf, 1, d->pcache) == 1 && is_runtime(b, sf.func);
    in->frame = (hs_frame){"?", "?", 0, 0, 0};
    in->symbol = "?";
    in->lookup = in->pc ? in->pc - 1 : 0;
    go_func f;
    if (go_pcln_find(pl, l, &f) < 0)
        return;
    uint64_t lookup = l > f.entry ? l - 1 : l;
    level lv;
    if (go_pcln_frames_cached(pl, lookup, &sf, 1, d->pcache) != 1)
        return;
    inline_levels(pl, &f, lookup, &lv, 1);
    uint32_t id = go_stacks_intern(d->stacks, &lookup, 1, 0), n = 0;
    const hs_frame *fr = id == UINT32_MAX ? NULL : go_stacks_frames(d->stacks, pl, id, &n);
    if (!fr || n == 0)
        return;
    in->found = 1;
    in->frame = fr[0];
    in->inlined = sf.inlined;
    in->entry = f.entry;
    in->lookup = lookup + b->rt->bias;
    in->symbol = b->sym_names ? sf.func : fr[0].function;
    in->start_line = lv.start_line;
    in->goexit = strcmp(fr[0].function, "runtime.goexit") == 0;
}

static const pcinfo *pc_info(builder *b, uint64_t pc)
{
    pcinfo *in = NULL;
    HASH_FIND(hh, b->d->cache, &pc, sizeof pc, in);
    if (in)
        return in;
    in = calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->pc = pc;
    resolve(b, in);
    HASH_ADD(hh, b->d->cache, pc, sizeof in->pc, in);
    return in;
}

/* runtime_expandFinalInlineFrame: a stack cut inside an inlined call gets the PCs of the
 * enclosing calls (wrappers left out), so its last location is whole. Returns the new length. */
static uint32_t expand_final(builder *b, uint64_t *pcs, uint32_t n)
{
    const pcinfo *last = n ? pc_info(b, pcs[n - 1]) : NULL;
    go_func f;
    if (!last || !last->found || !last->inlined ||
        go_pcln_find(b->rt->pcln, last->entry, &f) < 0)
        return n;
    level lv[MAX_LEVELS];
    int k = inline_levels(b->rt->pcln, &f, go_rt_linkpc(b->rt, last->lookup), lv, MAX_LEVELS);
    n--;
    for (int i = 0; i < k; i++)
        if (b->rt->off.funcid_wrapper < 0 || lv[i].funcid != b->rt->off.funcid_wrapper)
            pcs[n++] = lv[i].pc + 1 + b->rt->bias;
    return n;
}

static int grow_frames(go_mprof_sitedata *d)
{
    if (d->nframes < d->capframes)
        return 0;
    size_t cap = d->capframes ? d->capframes * 2 : 1024;
    hs_frame *f = realloc(d->frames, cap * sizeof *f);
    if (f)
        d->frames = f;
    const char **s = f ? realloc(d->symbols, cap * sizeof *s) : NULL;
    if (s)
        d->symbols = s;
    int32_t *l = s ? realloc(d->start_lines, cap * sizeof *l) : NULL;
    if (!l)
        return -1;
    d->start_lines = l;
    d->capframes = cap;
    return 0;
}

static int open_loc(go_mprof_sitedata *d, uint64_t address, size_t site_first_frame)
{
    if (d->nlocs == d->caplocs) {
        size_t cap = d->caplocs ? d->caplocs * 2 : 1024;
        hs_site_loc *v = realloc(d->locs, cap * sizeof *v);
        if (!v)
            return -1;
        d->locs = v;
        d->caplocs = cap;
    }
    d->locs[d->nlocs++] = (hs_site_loc){address, (uint32_t)(d->nframes - site_first_frame), 0};
    return 0;
}

/* pcDeck.tryAdd: n joins the location of l when l is an inlined call in the same physical
 * function and not (apparently) a recursive call. */
static int same_location(const pcinfo *l, const pcinfo *n)
{
    return l && l->found && n->found && l->inlined && l->entry == n->entry &&
           strcmp(l->symbol, n->symbol) != 0;
}

/* Appends the frames and locations of one visible stack; frame_off/loc_off mark its start. */
static int add_frames(builder *b, const uint64_t *pcs, uint32_t n, size_t site_first_frame)
{
    go_mprof_sitedata *d = b->d;
    const pcinfo *prev = NULL;
    for (uint32_t i = 0; i < n; i++) {
        const pcinfo *in = pc_info(b, pcs[i]);
        if (!in)
            return -1;
        if (in->goexit) {
            prev = NULL;
            continue;
        }
        if (!same_location(prev, in) && open_loc(d, in->lookup, site_first_frame) < 0)
            return -1;
        if (grow_frames(d) < 0)
            return -1;
        d->frames[d->nframes] = in->frame;
        d->symbols[d->nframes] = in->symbol;
        d->start_lines[d->nframes++] = in->start_line;
        d->locs[d->nlocs - 1].n++;
        prev = in;
    }
    return 0;
}

/* Leading runtime frames are hidden (the first frame FuncForPC does not call runtime on);
 * when every frame is runtime, none is. */
static uint32_t first_visible(builder *b, const uint64_t *pcs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const pcinfo *in = pc_info(b, pcs[i]);
        if (!in || !in->hidden)
            return i;
    }
    return 0;
}

static int add_site(builder *b, size_t i, uint64_t *work)
{
    go_mprof_sitedata *d = b->d;
    const go_mprof_record *r = &b->p->v[i];
    uint32_t start = first_visible(b, r->stack, r->nstack), n = r->nstack - start;
    memcpy(work, r->stack + start, n * sizeof *work);
    n = expand_final(b, work, n);
    d->frame_off[i] = d->nframes;
    d->loc_off[i] = d->nlocs;
    if (add_frames(b, work, n, d->nframes) < 0)
        return -1;
    d->v[i] = (hs_alloc_site){NULL, NULL, NULL, (uint32_t)(d->nframes - d->frame_off[i]), NULL,
                              (uint32_t)(d->nlocs - d->loc_off[i]), r->alloc_objects,
                              r->alloc_bytes, r->free_objects, r->free_bytes};
    return 0;
}

/* The executable's text as loaded (its executable PT_LOAD, page-aligned), for profiles. */
static void text_mapping(go_rt *rt, go_mprof_sitedata *d)
{
    for (size_t i = 0; i < hs_image_nsegments(rt->exe); i++) {
        const hs_segment *s = hs_image_segment(rt->exe, i);
        if (!s || !(s->flags & 1) || s->memsz == 0) /* PF_X */
            continue;
        d->sites.text.start = (s->vaddr + rt->bias) & ~0xfffull;
        d->sites.text.limit = (s->vaddr + s->memsz + rt->bias + 0xfff) & ~0xfffull;
        d->sites.text.offset = s->offset & ~0xfffull;
        break;
    }
    d->text_file = strdup(hs_image_path(rt->exe));
    d->sites.text.file = d->text_file;
    size_t len = 0;
    uint64_t va;
    const uint8_t *id = hs_image_build_id(rt->exe, &len, &va);
    for (size_t i = 0; id && i < len && 2 * i + 2 < sizeof d->build_id; i++)
        snprintf(d->build_id + 2 * i, 3, "%02x", id[i]);
    d->sites.text.build_id = d->build_id;
}

static void finish(go_mprof_sitedata *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        d->v[i].frames = d->frames + d->frame_off[i];
        d->v[i].symbols = d->symbols + d->frame_off[i];
        d->v[i].start_lines = d->start_lines + d->frame_off[i];
        d->v[i].locs = d->locs + d->loc_off[i];
    }
    d->sites.v = d->v;
    d->sites.n = n;
}

static int build(builder *b, hs_err *err)
{
    const go_mprof *p = b->p;
    go_mprof_sitedata *d = b->d;
    uint32_t maxn = 0;
    for (size_t i = 0; i < p->n; i++)
        maxn = p->v[i].nstack > maxn ? p->v[i].nstack : maxn;
    uint64_t *work = malloc((maxn + MAX_LEVELS) * sizeof *work);
    d->v = calloc(p->n ? p->n : 1, sizeof *d->v);
    d->frame_off = calloc(p->n ? p->n : 1, sizeof *d->frame_off);
    d->loc_off = calloc(p->n ? p->n : 1, sizeof *d->loc_off);
    d->stacks = go_stacks_new();
    d->pcache = calloc(1, sizeof *d->pcache);
    int rc = work && d->v && d->frame_off && d->loc_off && d->stacks && d->pcache ? 0 : -1;
    if (d->stacks)
        go_stacks_set_wrapper_funcid(d->stacks, (int)b->rt->off.funcid_wrapper);
    for (size_t i = 0; rc == 0 && i < p->n; i++)
        rc = add_site(b, i, work);
    free(work);
    if (rc < 0)
        return hs_errf(err, "out of memory symbolizing %zu heap-profile records", p->n);
    finish(d, p->n);
    return 0;
}

int go_mprof_sites(go_mprof *p, const hs_alloc_sites **out, hs_err *err)
{
    if (!p->sites) {
        go_mprof_sitedata *d = calloc(1, sizeof *d);
        if (!d)
            return hs_errf(err, "out of memory");
        builder b = {p->rt, p, d, p->rt->ver.minor >= 21, p->rt->ver.minor >= 24};
        d->sites.rate = p->rate;
        d->sites.scale = go_mprof_scale;
        text_mapping(p->rt, d);
        if (build(&b, err) < 0) {
            go_mprof_sites_free(d);
            return -1;
        }
        p->sites = d;
    }
    *out = &p->sites->sites;
    return 0;
}

void go_mprof_sites_free(go_mprof_sitedata *d)
{
    if (!d)
        return;
    pcinfo *e, *tmp;
    HASH_ITER(hh, d->cache, e, tmp) {
        HASH_DEL(d->cache, e);
        free(e);
    }
    go_stacks_free(d->stacks);
    free(d->pcache);
    free(d->v);
    free(d->frames);
    free(d->symbols);
    free(d->start_lines);
    free(d->locs);
    free(d->frame_off);
    free(d->loc_off);
    free(d->text_file);
    free(d);
}
