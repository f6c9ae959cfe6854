/* x86_decode.h - amd64 machine code decoded with capstone, one instruction at a time, with its
 * operands (for the readers that find what runtime code touches: go_stripped.c,
 * go_alloc_window.c). */
#ifndef HS_X86_DECODE_H
#define HS_X86_DECODE_H

#include <capstone/capstone.h>
#include <stddef.h>
#include <stdint.h>

/* Calls fn for each instruction of len bytes of code at address pc, in order, until fn returns
 * nonzero (returned) or the code ends (0); bytes that do not decode are stepped over one by one.
 * -1 when capstone cannot be opened. */
typedef int (*hs_x86_fn)(void *ctx, const cs_insn *insn);
int hs_x86_each(const uint8_t *code, size_t len, uint64_t pc, hs_x86_fn fn, void *ctx);

#endif
