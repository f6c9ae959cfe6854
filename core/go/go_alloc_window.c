/* go_alloc_window.c - the freeindex/allocCount window of generated allocation functions (see
 * go_alloc_window.h). */
#include "go_alloc_window.h"

#include <string.h>

#include "../image/code_decode.h"

enum { AFTER_PC = 64 }; /* the increment follows the store within a few instructions */

int go_alloc_generated(const char *func)
{
    return func && (strncmp(func, "runtime.mallocgcSmall", 21) == 0 ||
                    strncmp(func, "runtime.mallocgcTiny", 20) == 0) &&
           strstr(func, "SC") != NULL;
}

/* The displacement of the memory operand the instruction writes, or -1 (none, or RIP-based). */
static int64_t written_disp(const cs_insn *insn)
{
    const cs_x86 *x = &insn->detail->x86;
    if (x->op_count == 0)
        return -1;
    const cs_x86_op *op = &x->operands[0];
    if (op->type != X86_OP_MEM || !(op->access & CS_AC_WRITE) || op->mem.base == X86_REG_RIP)
        return -1;
    return op->mem.disp;
}

typedef struct scan {
    uint64_t pc;
    int64_t freeindex_off, alloc_count_off;
    int stored, in;
} scan;

static int each_insn(void *ctx, const cs_insn *insn)
{
    scan *s = ctx;
    int64_t d = written_disp(insn);
    if (insn->address < s->pc) {
        if (d == s->freeindex_off)
            s->stored = 1;
        else if (d == s->alloc_count_off)
            s->stored = 0;
        return 0;
    }
    if (s->stored && d == s->alloc_count_off)
        s->in = 1; /* the increment is still to come */
    return s->in || d == s->freeindex_off;
}

int go_alloc_in_window(const uint8_t *code, size_t len, uint64_t entry, uint64_t pc,
                       int64_t freeindex_off, int64_t alloc_count_off)
{
    if (!code || pc < entry || pc >= entry + len)
        return 0;
    scan s = {pc, freeindex_off, alloc_count_off, 0, 0};
    size_t upto = pc + AFTER_PC - entry < len ? (size_t)(pc + AFTER_PC - entry) : len;
    hs_x86_each(code, upto, entry, each_insn, &s);
    return s.in;
}
