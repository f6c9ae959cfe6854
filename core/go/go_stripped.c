/* go_stripped.c - runtime globals from the code that references them (see go_stripped.h). */
#include "go_stripped.h"

#include <string.h>

#include "../image/x86_decode.h"

enum { MAX_FUNC_BYTES = 1 << 20, MAX_REFS = 256 };

/* The link-time bounds of one of the module's data sections. */
static void section_bounds(const go_moduledata *md, int sec, uint64_t *lo, uint64_t *hi)
{
    const uint64_t b[4][2] = {{md->noptrdata, md->enoptrdata}, {md->data, md->edata},
                              {md->bss, md->ebss}, {md->noptrbss, md->enoptrbss}};
    *lo = b[sec & 3][0];
    *hi = b[sec & 3][1];
}

/* All the module's data and bss, link-time. */
static void data_bounds(const go_moduledata *md, uint64_t *lo, uint64_t *hi)
{
    *lo = UINT64_MAX;
    *hi = 0;
    for (int s = 0; s < 4; s++) {
        uint64_t a, b;
        section_bounds(md, s, &a, &b);
        if (a < b && a < *lo)
            *lo = a;
        if (a < b && b > *hi)
            *hi = b;
    }
}

typedef struct kth {
    uint64_t lo, hi, seen[MAX_REFS], found;
    unsigned n, k;
} kth;

static int each_ref(void *ctx, const cs_insn *insn)
{
    kth *w = ctx;
    const cs_x86 *x = &insn->detail->x86;
    for (uint8_t i = 0; i < x->op_count; i++) {
        const cs_x86_op *op = &x->operands[i];
        if (op->type != X86_OP_MEM || op->mem.base != X86_REG_RIP)
            continue;
        uint64_t t = insn->address + insn->size + (uint64_t)op->mem.disp;
        int dup = t < w->lo || t >= w->hi;
        for (unsigned j = 0; j < w->n && !dup; j++)
            dup = w->seen[j] == t;
        if (!dup && w->n < MAX_REFS)
            w->seen[w->n++] = t;
        if (!dup && w->n == w->k + 1) {
            w->found = t;
            return 1;
        }
    }
    return 0;
}

uint64_t go_code_kth_data_ref(const uint8_t *code, size_t len, uint64_t pc, uint64_t lo,
                              uint64_t hi, unsigned k)
{
    kth w = {.lo = lo, .hi = hi, .k = k};
    hs_x86_each(code, len, pc, each_ref, &w);
    return w.found;
}

/* The k-th distinct data address (link-time) the code of func reaches RIP-relative; 0 none. */
static uint64_t kth_data_ref(const go_rt *rt, const char *func, unsigned k)
{
    go_func f;
    if (go_pcln_func_by_name(rt->pcln, func, &f) < 0 || f.end <= f.entry ||
        f.end - f.entry > MAX_FUNC_BYTES)
        return 0;
    size_t len = (size_t)(f.end - f.entry);
    uint64_t lo, hi;
    data_bounds(&rt->md, &lo, &hi);
    return go_code_kth_data_ref(hs_image_view(rt->exe, f.entry, len), len, f.entry, lo, hi, k);
}

/* The release whose rows describe rt's: its own, else the nearest one that has rows. */
static int table_minor(const go_rt *rt, const char *name)
{
    int best = -1;
    for (size_t i = 0; i < go_global_nrefs; i++) {
        const go_global_ref *r = &go_global_refs[i];
        if (strcmp(r->global, name) != 0)
            continue;
        int d = r->minor > rt->ver.minor ? r->minor - rt->ver.minor : rt->ver.minor - r->minor;
        int bd = best < 0 ? 1000 : best > rt->ver.minor ? best - rt->ver.minor : rt->ver.minor - best;
        if (d < bd || (d == bd && r->minor < best))
            best = r->minor;
    }
    return best;
}

uint64_t go_stripped_global(const go_rt *rt, const char *name)
{
    if (!rt->pcln)
        return 0;
    int minor = table_minor(rt, name);
    uint64_t agreed = 0;
    for (size_t i = 0; i < go_global_nrefs; i++) {
        const go_global_ref *r = &go_global_refs[i];
        if (r->minor != minor || strcmp(r->global, name) != 0)
            continue;
        uint64_t t = kth_data_ref(rt, r->func, r->k), lo, hi;
        if (!t || t < r->addend)
            continue;
        t -= r->addend;
        section_bounds(&rt->md, r->section, &lo, &hi);
        if (t < lo || t >= hi)
            continue; /* not where this global lives: a candidate that changed */
        if (agreed && agreed != t)
            return 0; /* candidates disagree: trust neither */
        agreed = t;
    }
    return agreed ? agreed + rt->bias : 0;
}
