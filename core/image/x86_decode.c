/* x86_decode.c - amd64 code decoded with capstone (see x86_decode.h). */
#include "x86_decode.h"

int hs_x86_each(const uint8_t *code, size_t len, uint64_t pc, hs_x86_fn fn, void *ctx)
{
    csh h;
    if (!code || cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return -1;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *insn = cs_malloc(h);
    int rc = insn ? 0 : -1;
    while (insn && rc == 0 && len > 0) {
        if (!cs_disasm_iter(h, &code, &len, &pc, insn)) { /* not code: step over a byte */
            code++, len--, pc++;
            continue;
        }
        rc = fn(ctx, insn);
    }
    if (insn)
        cs_free(insn, 1);
    cs_close(&h);
    return rc;
}
