/* go_pcln_header.c - parsing and checking the pclntab header, runtime.pcHeader (see
 * go_pclntab.h): magic u32, two zero pads, minLC, ptrSize, then nfunc, nfiles, textStart and
 * the offsets of funcnametab, cutab, filetab, pctab and pclntable, one word each. */
#include "go_pclntab.h"

#include <string.h>

#include "go_window.h"

static int check_offset(uint64_t off, size_t len, const char *what, hs_err *err)
{
    if (off < GO_PCLN_HEADER_SIZE || off >= len)
        return hs_errf(err, "corrupt pclntab: %s offset 0x%llx lies outside the table (%zu "
                       "bytes)", what, (unsigned long long)off, len);
    return 0;
}

static int check_magic(const uint8_t *p, go_pcln_header *h, hs_err *err)
{
    h->magic = go_le32(p);
    if (h->magic == GO_PCLN_MAGIC_118)
        h->ver = 118;
    else if (h->magic == GO_PCLN_MAGIC_120)
        h->ver = 120;
    else if (h->magic == 0xfffffffau || h->magic == 0xfffffffbu)
        return hs_errf(err, "pclntab of Go 1.2–1.17 (magic 0x%x): older than the oldest "
                       "supported release go1.19", h->magic);
    else
        return hs_errf(err, "not a Go pclntab (magic 0x%08x)", h->magic);
    h->minlc = p[6];
    h->ptrsize = p[7];
    if (p[4] || p[5])
        return hs_errf(err, "corrupt pclntab header (non-zero padding)");
    if ((h->minlc != 1 && h->minlc != 4) || h->ptrsize != 8) /* amd64, arm64 */
        return hs_errf(err, "pclntab for another architecture (instruction quantum %u, pointer "
                       "size %u); heapscope reads linux/amd64 and linux/arm64 programs",
                       h->minlc, h->ptrsize);
    return 0;
}

int go_pcln_header_parse(const uint8_t *p, size_t len, go_pcln_header *h, hs_err *err)
{
    memset(h, 0, sizeof *h);
    if (!p || len < GO_PCLN_HEADER_SIZE)
        return hs_errf(err, "pclntab too short (%zu bytes)", p ? len : 0);
    if (check_magic(p, h, err) < 0)
        return -1;
    h->nfunc = go_le64(p + 8);
    h->nfiles = go_le64(p + 16);
    h->textstart = go_le64(p + 24);
    h->funcname_off = go_le64(p + 32);
    h->cu_off = go_le64(p + 40);
    h->filetab_off = go_le64(p + 48);
    h->pctab_off = go_le64(p + 56);
    h->pcln_off = go_le64(p + 64);
    if (h->nfunc == 0 || h->nfunc > len / 8)
        return hs_errf(err, "corrupt pclntab: %llu functions in a %zu-byte table",
                       (unsigned long long)h->nfunc, len);
    if (check_offset(h->funcname_off, len, "funcnametab", err) < 0 ||
        check_offset(h->cu_off, len, "cutab", err) < 0 ||
        check_offset(h->filetab_off, len, "filetab", err) < 0 ||
        check_offset(h->pctab_off, len, "pctab", err) < 0 ||
        check_offset(h->pcln_off, len, "functab", err) < 0)
        return -1;
    return 0;
}
