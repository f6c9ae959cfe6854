/* go_alloc_window.c - the freeindex/allocCount window of generated allocation functions (see
 * go_alloc_window.h). */
#include "go_alloc_window.h"

#include <capstone/capstone.h>
#include <string.h>

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

int go_alloc_in_window(const uint8_t *code, size_t len, uint64_t entry, uint64_t pc,
                       int64_t freeindex_off, int64_t alloc_count_off)
{
    csh h;
    if (!code || pc < entry || pc >= entry + len || cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return 0;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *insn = cs_malloc(h);
    uint64_t at = entry;
    size_t left = pc + AFTER_PC - entry < len ? (size_t)(pc + AFTER_PC - entry) : len;
    int stored = 0, in = 0;
    while (insn && left > 0 && cs_disasm_iter(h, &code, &left, &at, insn)) {
        int64_t d = written_disp(insn);
        if (insn->address < pc) {
            if (d == freeindex_off)
                stored = 1;
            else if (d == alloc_count_off)
                stored = 0;
        } else if (stored && d == alloc_count_off) {
            in = 1; /* the increment is still to come */
            break;
        } else if (d == freeindex_off) {
            break;
        }
    }
    if (insn)
        cs_free(insn, 1);
    cs_close(&h);
    return in;
}
