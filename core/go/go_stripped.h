/* go_stripped.h - the runtime globals of a Go binary without symbols (-ldflags=-s) or DWARF,
 * found from the instructions of runtime functions that reference them: the function by name
 * from pclntab, its code decoded with capstone, the K-th distinct address it reaches in the
 * module's data and bss (per release and architecture, go_stripped_table_<arch>.c, generated
 * by scripts/dev/gen_stripped_globals.py). A global is trusted only when every candidate that
 * decodes gives the same address and it lies in the section it lies in for that release. */
#ifndef HS_GO_STRIPPED_H
#define HS_GO_STRIPPED_H

#include <stddef.h>
#include <stdint.h>

#include "go_runtime.h"

typedef struct go_global_ref {
    uint8_t minor;       /* Go 1.minor */
    const char *global;  /* "runtime.allgs" */
    uint8_t section;     /* 0 noptrdata, 1 data, 2 bss, 3 noptrbss */
    const char *func;    /* a runtime function that references it */
    uint8_t k;           /* the K-th distinct data address the function reaches (from 0) */
    uint32_t addend;     /* that address minus the global's (a field of it) */
} go_global_ref;

extern const go_global_ref go_global_refs_amd64[], go_global_refs_arm64[];
extern const size_t go_global_nrefs_amd64, go_global_nrefs_arm64;

/* Decodes len bytes of code of arch at link-time address pc (bytes that do not decode are
 * stepped over) and returns the k-th distinct address in [lo, hi) that its instructions reach
 * (amd64: RIP-relative; arm64: an ADRP and the ADD or load/store right after it), in order of
 * first use; 0 when there are not that many. */
uint64_t go_code_kth_data_ref(hs_arch arch, const uint8_t *code, size_t len, uint64_t pc,
                              uint64_t lo, uint64_t hi, unsigned k);

/* The run-time address of the runtime global name found from the code, 0 when it cannot be
 * found or the candidates disagree. Needs rt->pcln and rt->md. */
uint64_t go_stripped_global(const go_rt *rt, const char *name);

#endif
