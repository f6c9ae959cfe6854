/* go_moduledata.c - runtime.moduledata layouts per Go release and their decoding (see
 * go_moduledata.h). Offsets were measured from DWARF of 1.19.8 .. 1.27.3 test binaries
 * (reference go-runtime.md section 3.3) and checked against each release's runtime/symtab.go. */
#include "go_moduledata.h"

#include <string.h>

#include "go_window.h"

/* Offsets of the fields that move between releases; everything up to enoptrbss (248) is fixed:
 * pcHeader 0, funcnametab 8, cutab 32, filetab 56, pctab 80, pclntable 104, ftab 128,
 * findfunctab 152, minpc 160, maxpc 168, text 176 .. enoptrbss 248 (one word each). */
typedef struct md_layout {
    int minor_lo, minor_hi;
    uint16_t end, gcdata, gcbss, types, etypes, rodata, gofunc, epclntab;
    uint16_t textsectmap, typelinks, itablinks, gcdatamask, gcbssmask, next, size;
} md_layout;

static const md_layout layouts[] = {
    /* 1.19: no covctrs; gofunc right after rodata */
    {19, 19, 256, 264, 272, 280, 288, 296, 304, 0, 312, 336, 360, 496, 512, 544, 552},
    /* 1.20: covctrs/ecovctrs inserted before end */
    {20, 20, 272, 280, 288, 296, 304, 312, 320, 0, 328, 352, 376, 512, 528, 560, 568},
    /* 1.21-1.22: inittasks added before modulename */
    {21, 22, 272, 280, 288, 296, 304, 312, 320, 0, 328, 352, 376, 536, 552, 584, 592},
    /* 1.23-1.25: bad moved next to hasmain */
    {23, 25, 272, 280, 288, 296, 304, 312, 320, 0, 328, 352, 376, 536, 552, 576, 584},
    /* 1.26: epclntab after gofunc */
    {26, 26, 272, 280, 288, 296, 304, 312, 320, 328, 336, 360, 384, 544, 560, 584, 592},
    /* 1.27: typedesclen after types, itaboffset/itabsize after etypes; typelinks and itablinks
     * are gone (the runtime walks the type descriptors from types instead): 0 = absent */
    {27, 27, 272, 280, 288, 296, 312, 336, 344, 352, 360, 0, 0, 520, 536, 560, 568},
};

static const md_layout *layout_for(const go_version *v)
{
    if (!v || v->major != 1)
        return NULL;
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        if (v->minor >= layouts[i].minor_lo && v->minor <= layouts[i].minor_hi)
            return &layouts[i];
    return NULL;
}

size_t go_moduledata_size(const go_version *v)
{
    const md_layout *l = layout_for(v);
    return l ? l->size : 0;
}

static uint64_t word(const uint8_t *raw, unsigned off) { return go_le64(raw + off); }

/* The fixed head: pclntab slices, text/data/bss bounds. */
static void decode_head(const uint8_t *raw, go_moduledata *md)
{
    md->pcheader = word(raw, 0);
    md->funcnametab = word(raw, 8);
    md->cutab = word(raw, 32);
    md->filetab = word(raw, 56);
    md->pctab = word(raw, 80);
    md->pclntable = word(raw, 104);
    md->ftab = word(raw, 128);
    md->ftab_len = word(raw, 136);
    md->findfunctab = word(raw, 152);
    md->minpc = word(raw, 160);
    md->maxpc = word(raw, 168);
    md->text = word(raw, 176);
    md->etext = word(raw, 184);
    md->noptrdata = word(raw, 192);
    md->enoptrdata = word(raw, 200);
    md->data = word(raw, 208);
    md->edata = word(raw, 216);
    md->bss = word(raw, 224);
    md->ebss = word(raw, 232);
    md->noptrbss = word(raw, 240);
    md->enoptrbss = word(raw, 248);
}

int go_moduledata_decode(const uint8_t *raw, size_t len, const go_version *v, go_moduledata *md)
{
    const md_layout *l = layout_for(v);
    memset(md, 0, sizeof *md);
    if (!l || !raw || len < l->size)
        return -1;
    decode_head(raw, md);
    md->end = word(raw, l->end);
    md->gcdata = word(raw, l->gcdata);
    md->gcbss = word(raw, l->gcbss);
    md->types = word(raw, l->types);
    md->etypes = word(raw, l->etypes);
    md->rodata = word(raw, l->rodata);
    md->gofunc = word(raw, l->gofunc);
    md->epclntab = l->epclntab ? word(raw, l->epclntab) : 0;
    md->ntextsect = word(raw, l->textsectmap + 8u);
    if (l->typelinks) {
        md->typelinks = word(raw, l->typelinks);
        md->ntypelinks = word(raw, l->typelinks + 8u);
        md->itablinks = word(raw, l->itablinks);
        md->nitablinks = word(raw, l->itablinks + 8u);
    }
    md->gcdata_n = go_le32(raw + l->gcdatamask);
    md->gcdata_ptr = word(raw, l->gcdatamask + 8u);
    md->gcbss_n = go_le32(raw + l->gcbssmask);
    md->gcbss_ptr = word(raw, l->gcbssmask + 8u);
    md->next = word(raw, l->next);
    return 0;
}
