/* go_pcln_func.c - finding functions in a pclntab (binary search of the function table) and
 * reading their _func records, names and funcdata (see go_pclntab.h). */
#include "go_pcln_internal.h"

#include <string.h>

static uint32_t ftab_entry(const go_pcln *p, uint64_t i)
{
    return go_le32(p->pclntable.p + i * 8);
}

/* Decodes the _func of function-table slot i (0 <= i < nfunc); -1 when its record is corrupt. */
static int decode_func(const go_pcln *p, uint64_t i, go_func *f)
{
    uint32_t entryoff = ftab_entry(p, i), funcoff = go_le32(p->pclntable.p + i * 8 + 4);
    const go_region r = p->pclntable;
    if ((uint64_t)funcoff + p->funcsize > r.len)
        return -1;
    const uint8_t *b = r.p + funcoff;
    memset(f, 0, sizeof *f);
    if (go_le32(b) != entryoff)
        return -1;
    f->entry = p->text + entryoff;
    f->end = p->text + ftab_entry(p, i + 1);
    f->funcoff = funcoff;
    f->nameoff = (int32_t)go_le32(b + 4);
    f->args = (int32_t)go_le32(b + 8);
    f->deferreturn = go_le32(b + 12);
    f->pcsp = go_le32(b + 16);
    f->pcfile = go_le32(b + 20);
    f->pcln = go_le32(b + 24);
    f->npcdata = go_le32(b + 28);
    f->cuoff = go_le32(b + 32);
    f->startline = p->off_startline ? (int32_t)go_le32(b + p->off_startline) : 0;
    f->funcid = b[p->off_funcid];
    f->flag = b[p->off_flag];
    f->nfuncdata = b[p->off_nfuncdata];
    /* the pcdata and funcdata offset arrays that follow must fit as well */
    uint64_t tail = 4 * ((uint64_t)f->npcdata + f->nfuncdata);
    if ((uint64_t)funcoff + p->funcsize + tail > r.len)
        return -1;
    return 0;
}

int go_pcln_find(const go_pcln *p, uint64_t pc, go_func *f)
{
    uint64_t n = p->h.nfunc;
    if (pc < p->text || pc - p->text > UINT32_MAX)
        return -1;
    uint32_t rel = (uint32_t)(pc - p->text);
    if (rel < ftab_entry(p, 0) || rel >= ftab_entry(p, n))
        return -1;
    uint64_t lo = 0, hi = n; /* invariant: entry(lo) <= rel < entry(hi) */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ftab_entry(p, mid) <= rel)
            lo = mid;
        else
            hi = mid;
    }
    return decode_func(p, lo, f);
}

int go_pcln_func_at(const go_pcln *p, uint64_t i, go_func *f)
{
    if (i >= p->h.nfunc)
        return -1;
    return decode_func(p, i, f);
}

int go_pcln_func_by_name(const go_pcln *p, const char *name, go_func *f)
{
    for (uint64_t i = 0; i < p->h.nfunc; i++) {
        if (decode_func(p, i, f) == 0 && strcmp(go_pcln_name(p, f), name) == 0)
            return 0;
    }
    return -1;
}

const char *go_pcln_name_at(const go_pcln *p, int32_t nameoff)
{
    const char *s = nameoff >= 0 ? go_region_cstr(p->funcnames, (uint64_t)nameoff) : NULL;
    return s ? s : "?";
}

const char *go_pcln_name(const go_pcln *p, const go_func *f)
{
    return go_pcln_name_at(p, f->nameoff);
}

uint64_t go_pcln_funcdata(const go_pcln *p, const go_func *f, uint32_t idx)
{
    if (idx >= f->nfuncdata)
        return 0;
    uint64_t at = (uint64_t)f->funcoff + p->funcsize + 4 * ((uint64_t)f->npcdata + idx);
    if (at + 4 > p->pclntable.len) /* decode_func checked this; stay safe for hand-made f */
        return 0;
    uint32_t off = go_le32(p->pclntable.p + at);
    if (off == UINT32_MAX)
        return 0;
    return p->gofunc_addr + off;
}

const uint8_t *go_pcln_funcdata_bytes(const go_pcln *p, const go_func *f, uint32_t idx,
                                      size_t *avail)
{
    *avail = 0;
    uint64_t a = go_pcln_funcdata(p, f, idx);
    if (!a || !p->gofunc.p || a < p->gofunc_addr || a - p->gofunc_addr >= p->gofunc.len)
        return NULL;
    *avail = p->gofunc.len - (size_t)(a - p->gofunc_addr);
    return p->gofunc.p + (a - p->gofunc_addr);
}

uint8_t go_pcln_funcid(const go_pcln *p, const go_func *f) { (void)p; return f->funcid; }
uint8_t go_pcln_flag(const go_pcln *p, const go_func *f) { (void)p; return f->flag; }
int32_t go_pcln_args(const go_pcln *p, const go_func *f) { (void)p; return f->args; }
uint32_t go_pcln_deferreturn(const go_pcln *p, const go_func *f) { (void)p; return f->deferreturn; }
