/* go_code_types_a64.c - go_code_types.c's reader of arm64 instructions: the ADRP that sets a
 * register to a 4 KiB page and the ADD, load or store that completes the address of a type or a
 * global (Go's linker emits the pair for every such reference), register moves, BL calls,
 * branches. */
#include "go_code_types_priv.h"

/* Go's arm64 register ABI: arguments in R0, R1, R2, ...; 1.19-1.20 write barriers store R3 to
 * [R2]; 1.21+ ones hand out R25. */
const code_abi code_abi_a64 = {{0, 1, 2, 3, 4}, 2, 25};

/* x0..x30 (or w0..w30) as 0..30; -1 for any other register (sp, xzr, vector registers). */
static int reg_index(unsigned r)
{
    if (r >= ARM64_REG_X0 && r <= ARM64_REG_X28)
        return (int)(r - ARM64_REG_X0);
    if (r == ARM64_REG_X29 || r == ARM64_REG_X30)
        return r == ARM64_REG_X29 ? 29 : 30;
    if (r >= ARM64_REG_W0 && r <= ARM64_REG_W30)
        return (int)(r - ARM64_REG_W0);
    return -1;
}

static int is_x(unsigned r)
{
    return (r >= ARM64_REG_X0 && r <= ARM64_REG_X28) || r == ARM64_REG_X29 || r == ARM64_REG_X30;
}

static void forget_written(scan *s, const cs_insn *insn)
{
    const cs_detail *d = insn->detail;
    for (uint8_t i = 0; i < d->regs_write_count; i++) {
        int k = reg_index(d->regs_write[i]);
        if (k >= 0)
            s->r[k] = (val){V_NONE, 0};
    }
    for (uint8_t i = 0; i < d->arm64.op_count; i++) {
        const cs_arm64_op *op = &d->arm64.operands[i];
        int k = op->type == ARM64_OP_REG && (op->access & CS_AC_WRITE) ? reg_index(op->reg) : -1;
        if (k >= 0)
            s->r[k] = (val){V_NONE, 0};
    }
}

/* The address [Xn, #imm] reaches when Xn holds an ADRP page or a global's address (ADRP and
 * ADD, then [Xn]: what Go 1.19-1.20 emit), else 0. */
static uint64_t page_target(const scan *s, const cs_arm64_op *op)
{
    int b = op->type == ARM64_OP_MEM && op->mem.index == ARM64_REG_INVALID ? reg_index(op->mem.base) : -1;
    int known = b >= 0 && (s->r[b].kind == V_PAGE || s->r[b].kind == V_GADDR);
    return known ? s->r[b].x + (uint64_t)(int64_t)op->mem.disp : 0;
}

/* ADRP, ADD, MOV, 64-bit LDR and STR of a global: 1 when the instruction was read here. */
static int moves(scan *s, const cs_insn *insn)
{
    const cs_arm64 *a = &insn->detail->arm64;
    const cs_arm64_op *o = a->operands;
    int d = a->op_count >= 2 && o[0].type == ARM64_OP_REG && is_x(o[0].reg) ? reg_index(o[0].reg) : -1;
    if (d < 0)
        return 0;
    if (insn->id == ARM64_INS_ADRP && o[1].type == ARM64_OP_IMM) {
        s->r[d] = (val){V_PAGE, (uint64_t)o[1].imm};
        return 1;
    }
    if (insn->id == ARM64_INS_ADD && a->op_count == 3 && o[1].type == ARM64_OP_REG &&
        o[2].type == ARM64_OP_IMM) {
        int n = reg_index(o[1].reg);
        uint64_t imm = (uint64_t)o[2].imm << (o[2].shift.type == ARM64_SFT_LSL ? o[2].shift.value : 0);
        s->r[d] = n >= 0 && s->r[n].kind == V_PAGE ? code_classify(s, s->r[n].x + imm, 0) : (val){V_NONE, 0};
        return 1;
    }
    if (insn->id == ARM64_INS_MOV && a->op_count == 2 && o[1].type == ARM64_OP_REG) {
        int n = is_x(o[1].reg) ? reg_index(o[1].reg) : -1;
        s->r[d] = n >= 0 ? s->r[n] : (val){V_NONE, 0};
        return 1;
    }
    if (insn->id == ARM64_INS_LDR && a->op_count == 2) {
        uint64_t t = page_target(s, &o[1]);
        s->r[d] = t ? code_classify(s, t, 1) : (val){V_NONE, 0};
        return 1;
    }
    if (insn->id == ARM64_INS_STR && a->op_count == 2) {
        uint64_t t = page_target(s, &o[1]);
        if (t >= s->sp.data_lo && t < s->sp.data_hi)
            code_stored(s, t, s->r[d]);
        return 1; /* a store: the registers keep their values */
    }
    return 0;
}

/* The target of a branch: its last immediate operand (B, B.cond, CBZ, CBNZ, TBZ, TBNZ). */
static int branch_target(const cs_insn *insn, uint64_t *t)
{
    const cs_arm64 *a = &insn->detail->arm64;
    for (int i = a->op_count - 1; i >= 0; i--)
        if (a->operands[i].type == ARM64_OP_IMM) {
            *t = (uint64_t)a->operands[i].imm;
            return 1;
        }
    return 0;
}

int code_step_a64(scan *s, const cs_insn *insn)
{
    uint64_t t = 0;
    switch (insn->id) {
    case ARM64_INS_BL:
        code_called(s, branch_target(insn, &t) ? code_callee_at(s, t) : NULL);
        return s->oom;
    case ARM64_INS_BLR:
        code_called(s, NULL);
        return s->oom;
    case ARM64_INS_B: case ARM64_INS_CBZ: case ARM64_INS_CBNZ: case ARM64_INS_TBZ: case ARM64_INS_TBNZ:
        if (branch_target(insn, &t))
            code_jump(s, insn->address, t);
        s->dead = insn->id == ARM64_INS_B && insn->detail->arm64.cc == ARM64_CC_INVALID;
        return 0;
    case ARM64_INS_BR: case ARM64_INS_RET: case ARM64_INS_BRK: case ARM64_INS_HLT:
        s->dead = 1;
        return 0;
    }
    if (!moves(s, insn))
        forget_written(s, insn);
    return s->oom;
}
