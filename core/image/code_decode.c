/* code_decode.c - amd64 and arm64 code decoded with capstone (see code_decode.h). */
#include "code_decode.h"

int hs_code_each(hs_arch arch, const uint8_t *code, size_t len, uint64_t pc, hs_insn_fn fn,
                 void *ctx)
{
    csh h;
    int a64 = arch == HS_ARCH_ARM64;
    size_t step = a64 ? 4 : 1;
    if (!code || cs_open(a64 ? CS_ARCH_ARM64 : CS_ARCH_X86, a64 ? CS_MODE_ARM : CS_MODE_64, &h) != CS_ERR_OK)
        return -1;
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *insn = cs_malloc(h);
    int rc = insn ? 0 : -1;
    while (insn && rc == 0 && len >= step) {
        if (!cs_disasm_iter(h, &code, &len, &pc, insn)) { /* not code: step over it */
            code += step, len -= step, pc += step;
            continue;
        }
        rc = fn(ctx, insn);
    }
    if (insn)
        cs_free(insn, 1);
    cs_close(&h);
    return rc;
}
