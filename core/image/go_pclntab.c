/* go_pclntab.c - opening a pclntab: header checks, carving it into its sub-tables, checking
 * the function table, and choosing the record layouts of the table's format (see
 * go_pclntab.h). Lookups live in go_pcln_func.c, go_pcvalue.c and go_inline.c. */
#include "go_pcln_internal.h"

#include <stdlib.h>
#include <string.h>

/* A sub-table starts at its header offset and ends where the next one (in address order)
 * starts, or at the end of the table. */
static go_region region(const go_pcln *p, uint64_t start)
{
    const uint64_t offs[5] = {p->h.funcname_off, p->h.cu_off, p->h.filetab_off, p->h.pctab_off,
                              p->h.pcln_off};
    uint64_t end = p->tab.len;
    for (int i = 0; i < 5; i++)
        if (offs[i] > start && offs[i] < end)
            end = offs[i];
    return (go_region){p->tab.p + start, (size_t)(end - start)};
}

static void set_layout(go_pcln *p)
{
    if (p->h.ver == 118) { /* Go 1.18-1.19: no startLine; inlinedCall with parent/file/line */
        p->funcsize = 40, p->off_funcid = 36, p->off_flag = 37, p->off_nfuncdata = 39;
        p->off_startline = 0;
        p->inl_size = 20, p->inl_funcid = 2, p->inl_nameoff = 12, p->inl_parentpc = 16;
    } else { /* Go 1.20+ */
        p->funcsize = 44, p->off_funcid = 40, p->off_flag = 41, p->off_nfuncdata = 43;
        p->off_startline = 36;
        p->inl_size = 16, p->inl_funcid = 0, p->inl_nameoff = 4, p->inl_parentpc = 8;
    }
}

/* ftab: nfunc+1 {entryoff, funcoff} pairs at the start of pclntable, sorted by entry. */
static int check_ftab(const go_pcln *p, hs_err *err)
{
    uint64_t n = p->h.nfunc;
    if ((n + 1) * 8 > p->pclntable.len)
        return hs_errf(err, "corrupt pclntab: function table of %llu entries does not fit in "
                       "%zu bytes", (unsigned long long)n + 1, p->pclntable.len);
    uint32_t prev = 0;
    for (uint64_t i = 0; i <= n; i++) {
        uint32_t e = go_le32(p->pclntable.p + i * 8);
        if (e < prev)
            return hs_errf(err, "corrupt pclntab: function table not sorted at entry %llu",
                           (unsigned long long)i);
        prev = e;
    }
    return 0;
}

static int check_version(const go_pcln *p, const go_version *v, hs_err *err)
{
    if (!v || v->major != 1 || v->minor == 0)
        return 0;
    if ((v->minor >= 20) != (p->h.ver == 120))
        return hs_errf(err, "pclntab format (magic 0x%x, Go %s) does not match the build "
                       "version %s", p->h.magic, p->h.ver == 120 ? "1.20+" : "1.18–1.19",
                       v->full);
    return 0;
}

int go_pcln_open_bytes(go_pcln **out, const go_pcln_bytes *src, hs_err *err)
{
    *out = NULL;
    go_pcln *p = calloc(1, sizeof *p);
    if (!p)
        return hs_errf(err, "out of memory");
    p->tab = (go_region){src->tab, src->tab_len};
    p->tab_addr = src->tab_addr;
    p->gofunc = (go_region){src->gofunc, src->gofunc ? src->gofunc_len : 0};
    p->gofunc_addr = src->gofunc_addr;
    if (go_pcln_header_parse(src->tab, src->tab_len, &p->h, err) < 0 ||
        check_version(p, src->v, err) < 0)
        goto fail;
    p->text = src->text ? src->text : p->h.textstart;
    if (!p->text) {
        hs_errf(err, "pclntab gives no text start (Go 1.26 tables need moduledata.text)");
        goto fail;
    }
    set_layout(p);
    p->funcnames = region(p, p->h.funcname_off);
    p->cutab = region(p, p->h.cu_off);
    p->filetab = region(p, p->h.filetab_off);
    p->pctab = region(p, p->h.pctab_off);
    p->pclntable = region(p, p->h.pcln_off);
    if (check_ftab(p, err) < 0)
        goto fail;
    *out = p;
    return 0;
fail:
    hs_errctx(err, "pclntab at 0x%llx", (unsigned long long)src->tab_addr);
    free(p);
    return -1;
}

/* The table bytes: section .gopclntab when it agrees with moduledata, else md->pcheader up to
 * the end of its segment (or md->epclntab). */
static int image_table(const hs_image *img, const go_moduledata *md, go_pcln_bytes *b,
                       hs_err *err)
{
    const hs_section *s = hs_image_section(img, ".gopclntab");
    const uint8_t *sb = s ? hs_image_section_bytes(img, s) : NULL;
    if (sb && (!md || !md->pcheader || md->pcheader == s->addr)) {
        b->tab = sb, b->tab_len = (size_t)s->size, b->tab_addr = s->addr;
        return 0;
    }
    if (!md || !md->pcheader)
        return hs_errf(err, "%s has no .gopclntab section and no moduledata to find the Go "
                       "pclntab by", hs_image_path(img));
    b->tab = go_image_window(img, md->pcheader, &b->tab_len);
    b->tab_addr = md->pcheader;
    if (b->tab && md->epclntab > md->pcheader && md->epclntab - md->pcheader < b->tab_len)
        b->tab_len = (size_t)(md->epclntab - md->pcheader);
    if (!b->tab)
        return hs_errf(err, "%s: pclntab address 0x%llx from moduledata is not in the file",
                       hs_image_path(img), (unsigned long long)md->pcheader);
    return 0;
}

int go_pcln_open(go_pcln **out, const hs_image *img, const go_moduledata *md,
                 const go_version *v, hs_err *err)
{
    go_pcln_bytes b = {0};
    *out = NULL;
    if (image_table(img, md, &b, err) < 0)
        return -1;
    hs_symbol sym;
    b.gofunc_addr = md ? md->gofunc : 0;
    if (!b.gofunc_addr && (hs_image_symbol(img, "go:func.*", &sym) == 0 ||
                           hs_image_symbol(img, "go.func.*", &sym) == 0))
        b.gofunc_addr = sym.value;
    if (b.gofunc_addr)
        b.gofunc = go_image_window(img, b.gofunc_addr, &b.gofunc_len);
    b.text = md ? md->text : 0;
    if (!b.text && hs_image_symbol(img, "runtime.text", &sym) == 0)
        b.text = sym.value;
    b.v = v;
    if (go_pcln_open_bytes(out, &b, err) < 0)
        return hs_errctx(err, "%s", hs_image_path(img));
    return 0;
}

void go_pcln_close(go_pcln *p)
{
    free(p);
}

const go_pcln_header *go_pcln_hdr(const go_pcln *p) { return &p->h; }
uint64_t go_pcln_text(const go_pcln *p) { return p->text; }
uint64_t go_pcln_nfunc(const go_pcln *p) { return p->h.nfunc; }

const char *go_region_cstr(go_region r, uint64_t off)
{
    if (!r.p || off >= r.len)
        return NULL;
    if (!memchr(r.p + off, 0, r.len - (size_t)off))
        return NULL;
    return (const char *)r.p + off;
}
