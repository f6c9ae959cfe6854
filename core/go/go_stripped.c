/* go_stripped.c - runtime globals from the code that references them (see go_stripped.h). */
#include "go_stripped.h"

#include <string.h>

#include "../image/code_decode.h"

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
    unsigned adrp_reg; /* arm64: the register the previous instruction (ADRP) set, else 0 */
    uint64_t page;     /* and the page it set it to */
} kth;

/* Counts one address the code reaches; 1 once it is the k-th distinct one in [lo, hi). */
static int count_ref(kth *w, uint64_t t)
{
    int dup = t < w->lo || t >= w->hi;
    for (unsigned j = 0; j < w->n && !dup; j++)
        dup = w->seen[j] == t;
    if (!dup && w->n < MAX_REFS)
        w->seen[w->n++] = t;
    if (!dup && w->n == w->k + 1) {
        w->found = t;
        return 1;
    }
    return 0;
}

/* amd64: every RIP-relative memory operand. */
static int each_x86_ref(void *ctx, const cs_insn *insn)
{
    kth *w = ctx;
    const cs_x86 *x = &insn->detail->x86;
    for (uint8_t i = 0; i < x->op_count; i++) {
        const cs_x86_op *op = &x->operands[i];
        if (op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP &&
            count_ref(w, insn->address + insn->size + (uint64_t)op->mem.disp))
            return 1;
    }
    return 0;
}

/* arm64: ADRP Xn, page followed at once by ADD Xd, Xn, #lo12 or a load/store [Xn, #lo12], the
 * pair Go's linker emits for every reference to a global (R_AARCH64_ADR_PREL_PG_HI21 and its
 * low-12-bits partner). */
static int each_a64_ref(void *ctx, const cs_insn *insn)
{
    kth *w = ctx;
    const cs_arm64 *a = &insn->detail->arm64;
    unsigned reg = w->adrp_reg;
    w->adrp_reg = 0;
    if (insn->id == ARM64_INS_ADRP && a->op_count == 2 && a->operands[1].type == ARM64_OP_IMM) {
        w->adrp_reg = a->operands[0].reg;
        w->page = (uint64_t)a->operands[1].imm;
        return 0;
    }
    if (!reg)
        return 0;
    if (insn->id == ARM64_INS_ADD && a->op_count == 3 && a->operands[1].type == ARM64_OP_REG &&
        a->operands[1].reg == reg && a->operands[2].type == ARM64_OP_IMM) {
        uint64_t imm = (uint64_t)a->operands[2].imm;
        if (a->operands[2].shift.type == ARM64_SFT_LSL)
            imm <<= a->operands[2].shift.value;
        return count_ref(w, w->page + imm);
    }
    for (uint8_t i = 0; i < a->op_count; i++)
        if (a->operands[i].type == ARM64_OP_MEM && a->operands[i].mem.base == reg)
            return count_ref(w, w->page + (uint64_t)(int64_t)a->operands[i].mem.disp);
    return 0;
}

uint64_t go_code_kth_data_ref(hs_arch arch, const uint8_t *code, size_t len, uint64_t pc,
                              uint64_t lo, uint64_t hi, unsigned k)
{
    kth w = {.lo = lo, .hi = hi, .k = k};
    hs_code_each(arch, code, len, pc, arch == HS_ARCH_ARM64 ? each_a64_ref : each_x86_ref, &w);
    return w.found;
}

/* The k-th distinct data address (link-time) the code of func reaches; 0 none. */
static uint64_t kth_data_ref(const go_rt *rt, const char *func, unsigned k)
{
    go_func f;
    if (go_pcln_func_by_name(rt->pcln, func, &f) < 0 || f.end <= f.entry ||
        f.end - f.entry > MAX_FUNC_BYTES)
        return 0;
    size_t len = (size_t)(f.end - f.entry);
    uint64_t lo, hi;
    data_bounds(&rt->md, &lo, &hi);
    return go_code_kth_data_ref(hs_image_arch(rt->exe), hs_image_view(rt->exe, f.entry, len), len,
                                f.entry, lo, hi, k);
}

/* The rows of the executable's architecture. */
static const go_global_ref *refs_of(const go_rt *rt, size_t *n)
{
    int a64 = hs_image_arch(rt->exe) == HS_ARCH_ARM64;
    *n = a64 ? go_global_nrefs_arm64 : go_global_nrefs_amd64;
    return a64 ? go_global_refs_arm64 : go_global_refs_amd64;
}

/* The release whose rows describe rt's: its own, else the nearest one that has rows. */
static int table_minor(const go_rt *rt, const char *name)
{
    int best = -1;
    size_t nrefs;
    const go_global_ref *refs = refs_of(rt, &nrefs);
    for (size_t i = 0; i < nrefs; i++) {
        const go_global_ref *r = &refs[i];
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
    size_t nrefs;
    const go_global_ref *refs = refs_of(rt, &nrefs);
    for (size_t i = 0; i < nrefs; i++) {
        const go_global_ref *r = &refs[i];
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
