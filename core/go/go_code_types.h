/* go_code_types.h - what the program's own code says global variables hold, for binaries with
 * no DWARF to say it (-ldflags=-w): a global that receives the result of runtime.newobject(T),
 * makeslice(T, ...), growslice, mallocgc(size, T, ...), makemap(M, ...) or makechan(C, ...)
 * holds a *T, a []T, a map M or a chan C; one passed to a map operation with map type M is an M;
 * one whose address goes to typedmemmove(T, &g, ...) is a T. Each function's code is decoded with
 * capstone in one pass, following which registers hold a type descriptor (amd64: LEAQ
 * type(IP); arm64: ADRP and ADD), a fresh allocation, a global's address or a global's value, to
 * the store or call that tells. What it finds is a hint: the caller checks each against the
 * object it points to. amd64 and arm64. */
#ifndef HS_GO_CODE_TYPES_H
#define HS_GO_CODE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "go_runtime.h"

enum go_code_kind {
    GO_CODE_PTR,   /* the word points to a T, or to an array of T ([]T's backing store) */
    GO_CODE_MAP,   /* the word is a map of map type `type` */
    GO_CODE_CHAN,  /* the word is a channel of channel type `type` */
    GO_CODE_VALUE, /* the variable at addr is a value of type `type` */
};

typedef struct go_code_global {
    uint64_t addr; /* run-time address of the word (or value) */
    uint64_t type; /* run-time address of the type descriptor */
    uint8_t kind;  /* enum go_code_kind */
} go_code_global;

/* What a runtime function does with its arguments, as far as types go, named by the amd64
 * register ABI (arguments and results in AX, BX, CX, DI, SI, R8, ...; on arm64 R0, R1, R2, R3,
 * R4, ...: AX is the first argument, SI the fifth). */
enum go_code_role {
    GO_CODE_NEW_AX = 1, /* returns a new object of the type in AX (newobject, makeslice) */
    GO_CODE_NEW_BX,     /* ... of the type in BX (mallocgc and its 1.26+ size-class variants) */
    GO_CODE_NEW_SI,     /* ... of the type in SI (growslice, 1.20+) */
    GO_CODE_MAKEMAP,    /* returns a map of the map type in AX */
    GO_CODE_MAKECHAN,   /* returns a channel of the channel type in AX */
    GO_CODE_MAPOP,      /* map type in AX, the map in BX */
    GO_CODE_TYPED,      /* type in AX, the value's address in BX (typedmemmove, typedmemclr) */
    GO_CODE_WB,         /* 1.19-1.20 write barrier: stores register `reg` at [DI] (arm64: R3 at
                           [R2]); keeps all */
    GO_CODE_WB_BUF,     /* 1.21+ write barrier: hands out R11 (arm64: R25), keeps every other */
};

typedef struct go_code_callee {
    uint64_t entry; /* link-time */
    uint8_t role;   /* enum go_code_role */
    uint8_t reg;    /* GO_CODE_WB: the register stored (amd64: 0 AX, 1 BX, 2 CX, 3 DX, 4 SI,
                       8 R8, 9 R9; arm64: 3, R3) */
} go_code_callee;

/* The role of the runtime function `name` in Go 1.minor on arch, 0 when it tells nothing. */
int go_code_role_of(const char *name, int minor, hs_arch arch, uint8_t *reg);

/* Where things lie, link-time. */
typedef struct go_code_space {
    hs_arch arch;                  /* the code's (0: amd64) */
    uint64_t text;                 /* address of the code's first byte */
    uint64_t types_lo, types_hi;   /* type descriptors */
    uint64_t data_lo, data_hi;     /* global variables (data and bss) */
    uint64_t bias;                 /* added to what is reported: run-time = link-time + bias */
    int (*interrupted)(void *ctx); /* polled now and then (may be NULL) */
    void *ctx;
} go_code_space;

/* Decodes len bytes of code (functions starting at entries[], rising; the callees sorted by
 * entry) and gives the typed global words, sorted by address, at most one per address (an
 * address given two different types is left out); *out is malloc'ed. -1 when capstone cannot
 * be opened, out of memory, or interrupted (err says which). */
int go_code_scan(const uint8_t *code, size_t len, const go_code_space *sp, const uint64_t *entries,
                 size_t nentries, const go_code_callee *callees, size_t ncallees, go_code_global **out,
                 size_t *n, hs_err *err);

/* The same for rt's first module: its text, functions and runtime functions from pclntab. */
int go_code_globals(go_rt *rt, go_code_global **out, size_t *n, hs_err *err);

#endif
