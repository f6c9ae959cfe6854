/* go_code_types_priv.h - the state of go_code_types.c's one pass over a module's code, shared by
 * the engine (go_code_types.c: calls, jumps and where paths meet, what is recorded) and the
 * instruction readers of each architecture (go_code_types_x86.c, go_code_types_a64.c). */
#ifndef HS_GO_CODE_TYPES_PRIV_H
#define HS_GO_CODE_TYPES_PRIV_H

#include "../image/code_decode.h"
#include "go_code_types.h"

enum { NREGS = 32, JT_SLOTS = 1024 };

enum val_kind { V_NONE, V_TYPE, V_NEW_PTR, V_NEW_MAP, V_NEW_CHAN, V_GADDR, V_GWORD, V_PAGE };

typedef struct val {
    uint8_t kind;
    uint64_t x; /* link-time: the type descriptor (TYPE, NEW_*), the global (GADDR, GWORD), the
                   4 KiB page an arm64 ADRP set (PAGE) */
} val;

/* Where an architecture passes things: the integer argument registers in order (results come
 * back in the first), the registers a write barrier uses. */
typedef struct code_abi {
    uint8_t arg[5];
    uint8_t wb_dest;   /* 1.19-1.20: the destination's address */
    uint8_t wb_buf;    /* 1.21+: the buffer register it hands out */
} code_abi;

typedef struct scan {
    go_code_space sp;
    const code_abi *abi;
    const go_code_callee *callees;
    size_t ncallees;
    const uint64_t *entries; /* function entries, rising */
    size_t nentries, func_i;
    uint64_t next_entry; /* where the next function starts (state is forgotten there) */
    val r[NREGS];
    struct { uint64_t pc; val r[NREGS]; } jt[JT_SLOTS]; /* forward jump targets in the current
                                                          function, with what their jumps agree on */
    uint16_t jt_used[JT_SLOTS / 2];
    unsigned njt;
    int jt_full, dead; /* dead: the previous instruction does not fall through */
    go_code_global *out;
    size_t n, cap;
    uint64_t steps;
    int oom, stopped;
} scan;

/* The engine, for the instruction readers. */
const go_code_callee *code_callee_at(const scan *s, uint64_t pc);
void code_called(scan *s, const go_code_callee *c);  /* a call (c NULL: to an unknown place) */
void code_stored(scan *s, uint64_t addr, val v);     /* v stored to the global word at addr */
void code_jump(scan *s, uint64_t at, uint64_t target); /* a jump at at to target */
val code_classify(const scan *s, uint64_t a, int load); /* an address (or a load from it) */

/* The instruction readers: each reads one instruction into s (registers, stores, calls, jumps;
 * s->dead when it does not fall through); nonzero stops the pass. */
extern const code_abi code_abi_x86, code_abi_a64;
int code_step_x86(scan *s, const cs_insn *insn);
int code_step_a64(scan *s, const cs_insn *insn);

#endif
