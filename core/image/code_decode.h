/* code_decode.h - machine code decoded with capstone, one instruction at a time, with its
 * operands (for the readers that find what runtime code touches: go_stripped.c,
 * go_alloc_window.c, go_code_types.c). amd64 and arm64. */
#ifndef HS_CODE_DECODE_H
#define HS_CODE_DECODE_H

#include <capstone/capstone.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/arch.h"

/* Calls fn for each instruction of len bytes of code of arch at address pc, in order, until fn
 * returns nonzero (returned) or the code ends (0); bytes that do not decode are stepped over
 * (one byte on amd64, one 4-byte word on arm64). -1 when capstone cannot be opened. */
typedef int (*hs_insn_fn)(void *ctx, const cs_insn *insn);
int hs_code_each(hs_arch arch, const uint8_t *code, size_t len, uint64_t pc, hs_insn_fn fn,
                 void *ctx);

/* amd64 code. */
typedef hs_insn_fn hs_x86_fn;
static inline int hs_x86_each(const uint8_t *code, size_t len, uint64_t pc, hs_x86_fn fn, void *ctx)
{
    return hs_code_each(HS_ARCH_AMD64, code, len, pc, fn, ctx);
}

#endif
