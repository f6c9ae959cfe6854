/* go_code_types_x86.c - go_code_types.c's reader of amd64 instructions: LEAQ of a type or a
 * global, MOVQ of a global's word, register moves, stores to globals, calls and jumps. */
#include "go_code_types_priv.h"

enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_SP, R_8, R_9, R_10, R_11, R_12, R_13, R_14, R_15 };

/* Go's amd64 register ABI: arguments in AX, BX, CX, DI, SI, ...; 1.19-1.20 write barriers store
 * to [DI]; 1.21+ ones hand out R11. */
const code_abi code_abi_x86 = {{R_AX, R_BX, R_CX, R_DI, R_SI}, R_DI, R_11};

static int reg_index(x86_reg r)
{
    static const x86_reg fam[NREGS][4] = {
        {X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL}, {X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL},
        {X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL}, {X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL},
        {X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL}, {X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL},
        {X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL}, {X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL},
        {X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B}, {X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B},
        {X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B}, {X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B},
        {X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B}, {X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B},
        {X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B}, {X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B}};
    if (r == X86_REG_AH)
        return R_AX;
    if (r == X86_REG_BH)
        return R_BX;
    if (r == X86_REG_CH)
        return R_CX;
    if (r == X86_REG_DH)
        return R_DX;
    for (int i = 0; i < NREGS; i++)
        for (int k = 0; k < 4; k++)
            if (fam[i][k] == r)
                return i;
    return -1;
}

static uint64_t rip_target(const cs_insn *insn, const cs_x86_op *op)
{
    return op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP && op->mem.index == X86_REG_INVALID
               ? insn->address + insn->size + (uint64_t)op->mem.disp
               : 0;
}

static void forget_written(scan *s, const cs_insn *insn)
{
    const cs_detail *d = insn->detail;
    for (uint8_t i = 0; i < d->regs_write_count; i++) {
        int k = reg_index(d->regs_write[i]);
        if (k >= 0)
            s->r[k] = (val){V_NONE, 0};
    }
    for (uint8_t i = 0; i < d->x86.op_count; i++) {
        const cs_x86_op *op = &d->x86.operands[i];
        int k = op->type == X86_OP_REG && (op->access & CS_AC_WRITE) ? reg_index(op->reg) : -1;
        if (k >= 0)
            s->r[k] = (val){V_NONE, 0};
    }
}

static int moves(scan *s, const cs_insn *insn)
{
    const cs_x86 *x = &insn->detail->x86;
    if (x->op_count != 2)
        return 0;
    const cs_x86_op *dst = &x->operands[0], *src = &x->operands[1];
    int d = dst->type == X86_OP_REG && dst->size == 8 ? reg_index(dst->reg) : -1;
    if (insn->id == X86_INS_LEA && d >= 0) {
        uint64_t a = rip_target(insn, src);
        s->r[d] = a ? code_classify(s, a, 0) : (val){V_NONE, 0};
        return 1;
    }
    if (insn->id != X86_INS_MOV)
        return 0;
    if (d >= 0 && src->type == X86_OP_REG) {
        int k = reg_index(src->reg);
        s->r[d] = k >= 0 && src->size == 8 ? s->r[k] : (val){V_NONE, 0};
        return 1;
    }
    if (d >= 0 && src->type == X86_OP_MEM) {
        uint64_t a = rip_target(insn, src);
        s->r[d] = a && src->size == 8 ? code_classify(s, a, 1) : (val){V_NONE, 0};
        return 1;
    }
    uint64_t a = dst->size == 8 ? rip_target(insn, dst) : 0;
    int k = src->type == X86_OP_REG ? reg_index(src->reg) : -1;
    if (a >= s->sp.data_lo && a < s->sp.data_hi && k >= 0)
        code_stored(s, a, s->r[k]);
    return 0; /* a store: the registers keep their values */
}

static int is_jump(const cs_insn *insn)
{
    for (uint8_t i = 0; i < insn->detail->groups_count; i++)
        if (insn->detail->groups[i] == CS_GRP_JUMP)
            return 1;
    return insn->id == X86_INS_JMP;
}

int code_step_x86(scan *s, const cs_insn *insn)
{
    const cs_x86 *x = &insn->detail->x86;
    const cs_x86_op *op0 = x->op_count ? &x->operands[0] : NULL;
    if (insn->id == X86_INS_CALL) {
        code_called(s, op0 && op0->type == X86_OP_IMM ? code_callee_at(s, (uint64_t)op0->imm) : NULL);
        return s->oom;
    }
    if (is_jump(insn)) {
        if (op0 && op0->type == X86_OP_IMM)
            code_jump(s, insn->address, (uint64_t)op0->imm);
        s->dead = insn->id == X86_INS_JMP;
        return 0;
    }
    if (insn->id == X86_INS_RET || insn->id == X86_INS_INT3 || insn->id == X86_INS_UD2) {
        s->dead = 1;
        return 0;
    }
    if (!moves(s, insn))
        forget_written(s, insn);
    return s->oom;
}
