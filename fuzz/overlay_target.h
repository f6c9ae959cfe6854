/* overlay_target.h - a target for fuzzing the runtime walkers: the bytes of a real stored core
 * with a list of fuzz-chosen patches laid over them, plus a scratch area of fake memory that
 * exists only in the overlay (for structures the fuzzer builds itself). Threads, mappings and
 * the auxv are the core's. Patches are replaced for every input; the core stays open. */
#ifndef HS_FUZZ_OVERLAY_TARGET_H
#define HS_FUZZ_OVERLAY_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "target/target.h"

enum { OV_MAX_PATCHES = 64, OV_PATCH_MAX = 32, OV_SCRATCH_SIZE = 1 << 16 };
#define OV_SCRATCH_ADDR 0x100000000000ull

typedef struct ov_patch {
    uint64_t addr;
    uint32_t len;
    uint8_t bytes[OV_PATCH_MAX];
} ov_patch;

typedef struct ov_target {
    hs_target base;     /* threads, maps, auxv: the core's (borrowed) */
    hs_target *under;   /* the core */
    ov_patch patches[OV_MAX_PATCHES];
    size_t npatches;
    uint8_t scratch[OV_SCRATCH_SIZE];
    uint64_t reads;     /* reads since ov_reset */
    uint64_t max_reads; /* reads beyond this fail (bounds the work per input; 0 = no bound) */
} ov_target;

/* Wraps an open core target (borrowed; close it after the overlay is dropped). */
void ov_init(ov_target *ov, hs_target *under);
/* Drops every patch and clears the scratch area. */
void ov_reset(ov_target *ov);
/* Lays len bytes (at most OV_PATCH_MAX) over addr; later patches win. Patches of the scratch
 * area are written into it. Returns 0, or -1 when the patch list is full. */
int ov_patch_add(ov_target *ov, uint64_t addr, const uint8_t *bytes, size_t len);

#endif
