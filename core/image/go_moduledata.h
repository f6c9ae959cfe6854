/* go_moduledata.h - runtime.moduledata, the linker-built table that ties a Go program's
 * pclntab, text, data/bss ranges, type data and GC masks together: finding it in an executable
 * (symbol, the 1.26 .go.module section, or a scan) and decoding it per release. All addresses
 * are as stored: link-time when read from the file, relocated when decoded from a process. */
#ifndef HS_GO_MODULEDATA_H
#define HS_GO_MODULEDATA_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "elf_image.h"
#include "go_version.h"

typedef struct go_moduledata {
    uint64_t addr; /* where the moduledata itself lies (0 after go_moduledata_decode) */
    uint64_t pcheader, funcnametab, cutab, filetab, pctab, pclntable, ftab;
    uint64_t ftab_len;            /* nfunc + 1 */
    uint64_t findfunctab, minpc, maxpc, text, etext, noptrdata, enoptrdata, data, edata;
    uint64_t bss, ebss, noptrbss, enoptrbss, end;
    uint64_t gcdata, gcbss;       /* linker-written pointer masks of data and bss */
    uint64_t types, etypes, rodata, gofunc;
    uint64_t epclntab;            /* 1.26+, else 0 */
    uint64_t ntextsect;           /* len(textsectmap): more than 1 only for split text */
    uint64_t typelinks, ntypelinks, itablinks, nitablinks;
    /* gcdatamask/gcbssmask ({n int32; bytedata *uint8}); built at run time, so 0 in a file. */
    uint64_t gcdata_n, gcdata_ptr, gcbss_n, gcbss_ptr;
    uint64_t next;
} go_moduledata;

/* Size in bytes of runtime.moduledata for v's release, or 0 when heapscope has no layout. */
size_t go_moduledata_size(const go_version *v);

/* Decodes a raw copy (len >= go_moduledata_size(v)), e.g. read from process memory. */
int go_moduledata_decode(const uint8_t *raw, size_t len, const go_version *v, go_moduledata *md);

/* Finds and decodes the first module's moduledata in the executable file: by the symbol
 * runtime.firstmoduledata when .symtab exists, else (1.26+) the .go.module section, else by
 * scanning data for a word equal to the pclntab address and validating what surrounds it. */
int go_moduledata_find(const hs_image *img, const go_version *v, go_moduledata *md, hs_err *err);

/* One specific way of finding it, for tests and diagnostics. */
typedef enum go_md_method { GO_MD_BY_SYMBOL, GO_MD_BY_SECTION, GO_MD_BY_SCAN } go_md_method;
int go_moduledata_find_by(const hs_image *img, const go_version *v, go_md_method how,
                          go_moduledata *md, hs_err *err);

/* Checks that a decoded moduledata agrees with the pclntab header it points at (read from the
 * file): funcnametab == pcheader + funcnameOffset, and so on. 0 when consistent. */
int go_moduledata_check(const hs_image *img, const go_moduledata *md, hs_err *err);

#endif
