/* go_moduledata_find.c - locating runtime.firstmoduledata in an executable file: by symbol,
 * by the Go 1.26+ .go.module section, or (stripped binaries) by scanning data for a word equal
 * to the pclntab address and keeping the candidate whose pointers agree with the pclntab
 * header (see go_moduledata.h). */
#include "go_moduledata.h"

#include <stdio.h>
#include <string.h>

#include "go_pclntab.h"
#include "go_window.h"

enum { PF_X_FLAG = 1, PF_W_FLAG = 2 };

/* Reads and decodes the moduledata at addr from the file. */
static int decode_at(const hs_image *img, uint64_t addr, const go_version *v, go_moduledata *md,
                     hs_err *err)
{
    uint8_t raw[1024];
    size_t size = go_moduledata_size(v);
    if (!size || size > sizeof raw)
        return hs_errf(err, "no moduledata layout for %s", v ? v->full : "unknown Go version");
    if (hs_image_read(img, addr, raw, size, err) < 0)
        return hs_errctx(err, "reading moduledata");
    go_moduledata_decode(raw, size, v, md);
    md->addr = addr;
    return 0;
}

/* The fields after the fixed head, whose offsets depend on the release: plausible values
 * catch a layout that does not fit the binary. */
static int tail_plausible(const hs_image *img, const go_moduledata *md)
{
    size_t len;
    if (!md->types || md->types > md->etypes || md->etypes - md->types > UINT32_MAX)
        return 0;
    if (!go_image_window(img, md->gofunc, &len) || md->ntextsect < 1 || md->ntextsect > 64)
        return 0;
    if (md->ntypelinks > (1u << 24) || md->nitablinks > (1u << 24))
        return 0;
    return !md->ntypelinks || hs_image_view(img, md->typelinks, 4 * md->ntypelinks) != NULL;
}

int go_moduledata_check(const hs_image *img, const go_moduledata *md, hs_err *err)
{
    size_t len;
    const uint8_t *tab = md->pcheader ? go_image_window(img, md->pcheader, &len) : NULL;
    go_pcln_header h;
    if (!tab)
        return hs_errf(err, "moduledata at 0x%llx: pclntab address 0x%llx is not in the file",
                       (unsigned long long)md->addr, (unsigned long long)md->pcheader);
    if (go_pcln_header_parse(tab, len, &h, err) < 0)
        return hs_errctx(err, "moduledata at 0x%llx", (unsigned long long)md->addr);
    uint64_t b = md->pcheader;
    if (md->funcnametab != b + h.funcname_off || md->cutab != b + h.cu_off ||
        md->filetab != b + h.filetab_off || md->pctab != b + h.pctab_off ||
        md->pclntable != b + h.pcln_off || md->ftab != md->pclntable ||
        md->ftab_len != h.nfunc + 1 || md->text > md->etext || md->minpc > md->maxpc)
        return hs_errf(err, "moduledata at 0x%llx does not match the pclntab at 0x%llx",
                       (unsigned long long)md->addr, (unsigned long long)b);
    if (!tail_plausible(img, md))
        return hs_errf(err, "moduledata at 0x%llx does not fit the layout of this Go release "
                       "(wrong version, or an experiment that changes the runtime)",
                       (unsigned long long)md->addr);
    return 0;
}

static int by_symbol(const hs_image *img, const go_version *v, go_moduledata *md, hs_err *err)
{
    hs_symbol sym;
    if (!hs_image_has_symtab(img) || hs_image_symbol(img, "runtime.firstmoduledata", &sym) < 0)
        return hs_errf(err, "%s has no symbol runtime.firstmoduledata", hs_image_path(img));
    return decode_at(img, sym.value, v, md, err);
}

static int by_section(const hs_image *img, const go_version *v, go_moduledata *md, hs_err *err)
{
    const hs_section *s = hs_image_section(img, ".go.module");
    if (!s)
        return hs_errf(err, "%s has no .go.module section", hs_image_path(img));
    return decode_at(img, s->addr, v, md, err);
}

/* Address of the first 8-aligned valid pclntab header in [p, p+len) at addr, or 0. */
static uint64_t header_in(const uint8_t *p, size_t len, uint64_t addr)
{
    for (size_t off = (size_t)((8 - (addr & 7)) & 7); p && off + GO_PCLN_HEADER_SIZE <= len;
         off += 8) {
        go_pcln_header h;
        if ((p[off] == 0xf0 || p[off] == 0xf1) && /* cheap test before the full parse */
            go_pcln_header_parse(p + off, len - off, &h, NULL) == 0)
            return addr + off;
    }
    return 0;
}

/* The pclntab address: its section, or a valid header in a read-only segment. */
static uint64_t find_pclntab(const hs_image *img)
{
    const hs_section *s = hs_image_section(img, ".gopclntab");
    if (s)
        return s->addr;
    for (size_t i = 0; i < hs_image_nsegments(img); i++) {
        const hs_segment *g = hs_image_segment(img, i);
        size_t len;
        if (!g || (g->flags & PF_W_FLAG))
            continue;
        uint64_t a = header_in(go_image_window(img, g->vaddr, &len), len, g->vaddr);
        if (a)
            return a;
    }
    return 0;
}

/* Scans the 8-aligned words of [p, p+len) at addr for candidates; 0 when one validates. */
static int scan_window(const hs_image *img, const go_version *v, const uint8_t *p, size_t len,
                       uint64_t addr, uint64_t tab, go_moduledata *md)
{
    for (size_t off = (size_t)((8 - (addr & 7)) & 7); p && off + 8 <= len; off += 8) {
        if (go_le64(p + off) != tab)
            continue;
        if (decode_at(img, addr + off, v, md, NULL) == 0 && go_moduledata_check(img, md, NULL) == 0)
            return 0;
    }
    return -1;
}

static int by_scan(const hs_image *img, const go_version *v, go_moduledata *md, hs_err *err)
{
    uint64_t tab = find_pclntab(img);
    if (!tab)
        return hs_errf(err, "%s: no Go pclntab found", hs_image_path(img));
    const hs_section *s = hs_image_section(img, ".noptrdata");
    const uint8_t *sb = s ? hs_image_section_bytes(img, s) : NULL;
    if (sb && scan_window(img, v, sb, (size_t)s->size, s->addr, tab, md) == 0)
        return 0;
    for (size_t i = 0; i < hs_image_nsegments(img); i++) {
        const hs_segment *g = hs_image_segment(img, i);
        if (!g || (g->flags & (PF_X_FLAG | PF_W_FLAG)) != PF_W_FLAG)
            continue;
        size_t len;
        const uint8_t *p = go_image_window(img, g->vaddr, &len);
        if (scan_window(img, v, p, len, g->vaddr, tab, md) == 0)
            return 0;
    }
    return hs_errf(err, "%s: no moduledata refers to the pclntab at 0x%llx", hs_image_path(img),
                   (unsigned long long)tab);
}

int go_moduledata_find_by(const hs_image *img, const go_version *v, go_md_method how,
                          go_moduledata *md, hs_err *err)
{
    memset(md, 0, sizeof *md);
    if (!go_moduledata_size(v))
        return hs_errf(err, "no moduledata layout for %s", v ? v->full : "unknown Go version");
    switch (how) {
    case GO_MD_BY_SYMBOL:
        if (by_symbol(img, v, md, err) < 0)
            return -1;
        break;
    case GO_MD_BY_SECTION:
        if (by_section(img, v, md, err) < 0)
            return -1;
        break;
    case GO_MD_BY_SCAN:
        return by_scan(img, v, md, err); /* validated while scanning */
    default:
        return hs_errf(err, "unknown moduledata lookup method %d", (int)how);
    }
    return go_moduledata_check(img, md, err);
}

int go_moduledata_find(const hs_image *img, const go_version *v, go_moduledata *md, hs_err *err)
{
    if (hs_image_has_symtab(img) && go_moduledata_find_by(img, v, GO_MD_BY_SYMBOL, md, NULL) == 0)
        return 0;
    if (v && v->major == 1 && v->minor >= 26 &&
        go_moduledata_find_by(img, v, GO_MD_BY_SECTION, md, NULL) == 0)
        return 0;
    if (go_moduledata_find_by(img, v, GO_MD_BY_SCAN, md, err) == 0)
        return 0;
    return hs_errctx(err, "finding the Go module data (runtime.firstmoduledata)");
}
