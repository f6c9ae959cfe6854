/* go_pcln_internal.h - the go_pcln object shared by the pclntab sources (go_pclntab.c,
 * go_pcln_func.c, go_pcvalue.c, go_inline.c); not for use outside core/image. */
#ifndef HS_GO_PCLN_INTERNAL_H
#define HS_GO_PCLN_INTERNAL_H

#include "go_pclntab.h"
#include "go_window.h"

/* A byte region of the table. */
typedef struct go_region {
    const uint8_t *p;
    size_t len;
} go_region;

struct go_pcln {
    go_pcln_header h;
    go_region tab, gofunc;
    uint64_t tab_addr, gofunc_addr, text;
    go_region funcnames, cutab, filetab, pctab, pclntable;
    /* _func layout: record size and where funcID, flag, nfuncdata and startLine sit. */
    uint32_t funcsize, off_funcid, off_flag, off_nfuncdata, off_startline;
    /* inlinedCall layout: entry size and where funcID, nameOff and parentPc sit. */
    uint32_t inl_size, inl_funcid, inl_nameoff, inl_parentpc;
};

/* The NUL-terminated string at off in r, or NULL when off is outside r or unterminated. */
const char *go_region_cstr(go_region r, uint64_t off);

/* pcvalue: the value of the table at pctab offset `off` for targetpc in function f.
 * 0 found, -1 when there is no table (off 0), it is corrupt, or it does not cover targetpc;
 * *val is -1 then. */
int go_pcvalue(const go_pcln *p, const go_func *f, uint32_t off, uint64_t targetpc, int32_t *val,
               go_pcache *cache);

#endif
