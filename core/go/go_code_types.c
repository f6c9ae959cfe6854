/* go_code_types.c - global variables typed by the code that stores to them (see
 * go_code_types.h): one capstone pass over the module's text, registers followed through
 * straight-line code and forgotten at calls, jumps and jump targets. */
#include "go_code_types.h"

#include <stdlib.h>
#include <string.h>

#include "go_code_types_priv.h"

enum { MAX_TEXT = 1u << 30, POLL_EVERY = 1 << 16 };

/* ---- the runtime functions that tell ---- */

int go_code_role_of(const char *name, int minor, hs_arch arch, uint8_t *reg)
{
    static const struct { const char *name; uint8_t role; } exact[] = {
        {"runtime.newobject", GO_CODE_NEW_AX}, {"runtime.makeslice", GO_CODE_NEW_AX},
        {"runtime.makeslice64", GO_CODE_NEW_AX}, {"runtime.makeslicecopy", GO_CODE_NEW_AX},
        {"runtime.makemap", GO_CODE_MAKEMAP}, {"runtime.makemap64", GO_CODE_MAKEMAP},
        {"runtime.makechan", GO_CODE_MAKECHAN}, {"runtime.makechan64", GO_CODE_MAKECHAN},
        {"runtime.typedmemmove", GO_CODE_TYPED}, {"runtime.typedmemclr", GO_CODE_TYPED},
        {"runtime.mapiterinit", GO_CODE_MAPOP}, {"runtime.mapclear", GO_CODE_MAPOP}};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(name, exact[i].name) == 0)
            return exact[i].role;
    if (strcmp(name, "runtime.growslice") == 0) /* 1.20 moved the type to the fifth argument */
        return minor >= 20 ? GO_CODE_NEW_SI : GO_CODE_NEW_AX;
    if (strncmp(name, "runtime.mallocgc", 16) == 0) /* mallocgc(size, typ, needzero) and the
                                                       1.26+ generated size-class variants */
        return GO_CODE_NEW_BX;
    if (strncmp(name, "runtime.mapassign", 17) == 0 || strncmp(name, "runtime.mapaccess", 17) == 0 ||
        strncmp(name, "runtime.mapdelete", 17) == 0)
        return GO_CODE_MAPOP;
    /* 1.19-1.20: gcWriteBarrier stores AX at [DI]; gcWriteBarrierBX etc. store that register */
    static const struct { const char *suffix; uint8_t reg; } wb[] = {
        {"", 0}, {"BX", 1}, {"CX", 2}, {"DX", 3}, {"SI", 4}, {"R8", 8}, {"R9", 9}}; /* amd64 */
    if (minor <= 20 && arch == HS_ARCH_ARM64 && strcmp(name, "runtime.gcWriteBarrier") == 0) {
        *reg = 3; /* arm64: R3 stored at [R2] */
        return GO_CODE_WB;
    }
    if (minor <= 20 && arch == HS_ARCH_AMD64 && strncmp(name, "runtime.gcWriteBarrier", 22) == 0)
        for (size_t i = 0; i < sizeof wb / sizeof wb[0]; i++)
            if (strcmp(name + 22, wb[i].suffix) == 0) {
                *reg = wb[i].reg;
                return GO_CODE_WB;
            }
    /* 1.21+: gcWriteBarrier1..8 hand out buffer space in R11; the store follows the call */
    if (minor >= 21 && strncmp(name, "runtime.gcWriteBarrier", 22) == 0)
        return GO_CODE_WB_BUF;
    return 0;
}

const go_code_callee *code_callee_at(const scan *s, uint64_t pc)
{
    size_t lo = 0, hi = s->ncallees;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->callees[mid].entry < pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->ncallees && s->callees[lo].entry == pc ? &s->callees[lo] : NULL;
}

/* ---- what is found ---- */

static void record(scan *s, uint64_t addr, uint64_t type, uint8_t kind)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        go_code_global *v = realloc(s->out, cap * sizeof *v);
        if (!v) {
            s->oom = 1;
            return;
        }
        s->out = v;
        s->cap = cap;
    }
    s->out[s->n++] = (go_code_global){addr + s->sp.bias, type + s->sp.bias, kind};
}

void code_stored(scan *s, uint64_t addr, val v)
{
    static const uint8_t kind_of[] = {[V_NEW_PTR] = GO_CODE_PTR, [V_NEW_MAP] = GO_CODE_MAP,
                                      [V_NEW_CHAN] = GO_CODE_CHAN};
    if (v.kind == V_NEW_PTR || v.kind == V_NEW_MAP || v.kind == V_NEW_CHAN)
        record(s, addr, v.x, kind_of[v.kind]);
}

void code_called(scan *s, const go_code_callee *c)
{
    val *r = s->r, res = {V_NONE, 0};
    const uint8_t *a = s->abi->arg; /* a[0] is AX on amd64, R0 on arm64; a[4] SI, R4 */
    switch (c ? c->role : 0) {
    case GO_CODE_NEW_AX: if (r[a[0]].kind == V_TYPE) res = (val){V_NEW_PTR, r[a[0]].x}; break;
    case GO_CODE_NEW_BX: if (r[a[1]].kind == V_TYPE) res = (val){V_NEW_PTR, r[a[1]].x}; break;
    case GO_CODE_NEW_SI: if (r[a[4]].kind == V_TYPE) res = (val){V_NEW_PTR, r[a[4]].x}; break;
    case GO_CODE_MAKEMAP: if (r[a[0]].kind == V_TYPE) res = (val){V_NEW_MAP, r[a[0]].x}; break;
    case GO_CODE_MAKECHAN: if (r[a[0]].kind == V_TYPE) res = (val){V_NEW_CHAN, r[a[0]].x}; break;
    case GO_CODE_MAPOP:
        if (r[a[0]].kind == V_TYPE && r[a[1]].kind == V_GWORD)
            record(s, r[a[1]].x, r[a[0]].x, GO_CODE_MAP);
        break;
    case GO_CODE_TYPED:
        if (r[a[0]].kind == V_TYPE && r[a[1]].kind == V_GADDR)
            record(s, r[a[1]].x, r[a[0]].x, GO_CODE_VALUE);
        break;
    case GO_CODE_WB:
        if (r[s->abi->wb_dest].kind == V_GADDR && c->reg < NREGS)
            code_stored(s, r[s->abi->wb_dest].x, r[c->reg]);
        return; /* the write barriers keep every register */
    case GO_CODE_WB_BUF:
        r[s->abi->wb_buf] = (val){V_NONE, 0};
        return;
    }
    memset(s->r, 0, sizeof s->r); /* Go's calls keep no register */
    s->r[a[0]] = res;
}

/* ---- the pass ---- */

/* The slot of jump target pc in the table (its own, or the empty one where it would go). */
static unsigned jt_slot(const scan *s, uint64_t pc)
{
    unsigned i = (unsigned)(pc * 0x9e3779b97f4a7c15ull >> 54) % JT_SLOTS;
    while (s->jt[i].pc && s->jt[i].pc != pc)
        i = (i + 1) % JT_SLOTS;
    return i;
}

/* What a register holds where paths meet: what every path agrees on. */
static void meet(val *into, const val *other)
{
    for (int k = 0; k < NREGS; k++)
        if (into[k].kind != other[k].kind || into[k].x != other[k].x)
            into[k] = (val){V_NONE, 0};
}

/* A forward jump to pc: the registers there are at most what they are here. */
static void jt_add(scan *s, uint64_t pc)
{
    if (s->njt >= JT_SLOTS / 2) {
        s->jt_full = 1; /* targets not remembered: every later instruction may be one */
        return;
    }
    unsigned i = jt_slot(s, pc);
    if (s->jt[i].pc) {
        meet(s->jt[i].r, s->r);
        return;
    }
    s->jt[i].pc = pc;
    memcpy(s->jt[i].r, s->r, sizeof s->r);
    s->jt_used[s->njt++] = (uint16_t)i;
}

/* Arriving at pc by falling through: merge with the jumps that target it. */
static void jt_arrive(scan *s, uint64_t pc)
{
    if (s->jt_full) {
        memset(s->r, 0, sizeof s->r);
        return;
    }
    unsigned i = jt_slot(s, pc);
    if (s->jt[i].pc)
        meet(s->r, s->jt[i].r);
}

/* Arriving at pc only by jumps: what they agree on, nothing when none was seen. */
static void jt_enter(scan *s, uint64_t pc)
{
    unsigned i = jt_slot(s, pc);
    if (!s->jt_full && s->jt[i].pc)
        memcpy(s->r, s->jt[i].r, sizeof s->r);
    else
        memset(s->r, 0, sizeof s->r);
}

static void next_function(scan *s, uint64_t pc)
{
    memset(s->r, 0, sizeof s->r);
    for (unsigned i = 0; i < s->njt; i++)
        s->jt[s->jt_used[i]].pc = 0;
    s->njt = 0;
    s->jt_full = s->dead = 0;
    while (s->func_i < s->nentries && s->entries[s->func_i] <= pc)
        s->func_i++;
    s->next_entry = s->func_i < s->nentries ? s->entries[s->func_i] : UINT64_MAX;
}

void code_jump(scan *s, uint64_t at, uint64_t target)
{
    if (target > at && target < s->next_entry)
        jt_add(s, target);
}

val code_classify(const scan *s, uint64_t a, int load)
{
    if (!load && a >= s->sp.types_lo && a < s->sp.types_hi)
        return (val){V_TYPE, a};
    if (a >= s->sp.data_lo && a < s->sp.data_hi)
        return (val){load ? V_GWORD : V_GADDR, a};
    return (val){V_NONE, 0};
}

static int each_insn(void *ctx, const cs_insn *insn)
{
    scan *s = ctx;
    if (++s->steps % POLL_EVERY == 0 && s->sp.interrupted && s->sp.interrupted(s->sp.ctx))
        return s->stopped = 1;
    if (insn->address >= s->next_entry)
        next_function(s, insn->address);
    else if (s->dead) /* reached by jumps only */
        jt_enter(s, insn->address);
    else if (s->njt || s->jt_full)
        jt_arrive(s, insn->address);
    s->dead = 0;
    return s->sp.arch == HS_ARCH_ARM64 ? code_step_a64(s, insn) : code_step_x86(s, insn);
}

static int by_addr(const void *a, const void *b)
{
    const go_code_global *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->type != y->type ? (x->type < y->type ? -1 : 1) : (int)x->kind - (int)y->kind;
}

/* Sorts and keeps one entry per address; addresses given two types are left out. */
static size_t settle(go_code_global *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, by_addr);
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1, agree = 1;
        for (; j < n && v[j].addr == v[i].addr; j++)
            agree &= v[j].type == v[i].type && v[j].kind == v[i].kind;
        if (agree)
            v[m++] = v[i];
        i = j;
    }
    return m;
}

int go_code_scan(const uint8_t *code, size_t len, const go_code_space *sp, const uint64_t *entries,
                 size_t nentries, const go_code_callee *callees, size_t ncallees, go_code_global **out,
                 size_t *n, hs_err *err)
{
    *out = NULL;
    *n = 0;
    scan *s = calloc(1, sizeof *s); /* the jump table is too big for a debugger thread's stack */
    if (!s)
        return hs_errf(err, "out of memory reading the program's code");
    s->sp = *sp;
    s->entries = entries;
    s->nentries = nentries;
    s->callees = callees;
    s->ncallees = ncallees;
    s->abi = sp->arch == HS_ARCH_ARM64 ? &code_abi_a64 : &code_abi_x86;
    int r = ncallees && code ? hs_code_each(sp->arch, code, len, sp->text, each_insn, s) : 0;
    if (r < 0 || s->oom || s->stopped) {
        free(s->out);
        r = hs_errf(err, s->stopped ? "interrupted" : r < 0 ? "capstone cannot decode %s code"
                                                            : "out of memory reading the program's code",
                    hs_arch_name(sp->arch));
    } else {
        *n = settle(s->out, s->n);
        *out = s->out;
    }
    free(s);
    return r;
}

static int target_interrupted(void *ctx) { return hs_interrupted(ctx); }

/* Every function's entry, and the runtime functions that tell, from pclntab. */
static int functions(go_rt *rt, uint64_t **entries, size_t *n, go_code_callee **callees, size_t *nc)
{
    uint64_t nfunc = go_pcln_nfunc(rt->pcln);
    *entries = malloc((nfunc + 1) * sizeof **entries);
    *callees = NULL;
    *n = *nc = 0;
    if (!*entries)
        return -1;
    go_func f;
    for (uint64_t i = 0; i < nfunc; i++) {
        if (go_pcln_func_at(rt->pcln, i, &f) < 0)
            continue;
        (*entries)[(*n)++] = f.entry;
        const char *name = go_pcln_name(rt->pcln, &f);
        uint8_t reg = 0;
        int role = name && strncmp(name, "runtime.", 8) == 0 ? go_code_role_of(name, rt->ver.minor, hs_image_arch(rt->exe), &reg) : 0;
        if (!role)
            continue;
        go_code_callee *v = realloc(*callees, (*nc + 1) * sizeof *v);
        if (!v)
            return -1;
        *callees = v;
        v[(*nc)++] = (go_code_callee){f.entry, (uint8_t)role, reg}; /* address order */
    }
    return 0;
}

int go_code_globals(go_rt *rt, go_code_global **out, size_t *n, hs_err *err)
{
    const go_moduledata *md = &rt->md;
    go_code_space sp = {.arch = hs_image_arch(rt->exe), .text = md->text, .types_lo = md->types, .types_hi = md->etypes,
                        .data_lo = md->data < md->noptrdata ? md->data : md->noptrdata,
                        .data_hi = md->ebss > md->enoptrbss ? md->ebss : md->enoptrbss,
                        .bias = rt->bias, .interrupted = target_interrupted, .ctx = rt->t};
    uint64_t len = md->etext > md->text ? md->etext - md->text : 0;
    const uint8_t *code = len && len <= MAX_TEXT ? hs_image_view(rt->exe, md->text, (size_t)len) : NULL;
    *out = NULL;
    *n = 0;
    if (!code || !rt->pcln)
        return 0; /* no text to read: nothing learnt */
    uint64_t *entries;
    go_code_callee *callees;
    size_t ne, nc;
    int r = functions(rt, &entries, &ne, &callees, &nc) < 0
                ? hs_errf(err, "out of memory reading the program's code")
                : go_code_scan(code, (size_t)len, &sp, entries, ne, callees, nc, out, n, err);
    free(entries);
    free(callees);
    return r;
}
