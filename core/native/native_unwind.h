/* native_unwind.h - native (C/C++) thread stacks through elfutils' libdwfl: CFI from every
 * module's .eh_frame/.debug_frame, memory and registers through heapscope's own target (so a core
 * is read through its sorted region table, not libdwfl's per-word scan of program headers),
 * modules from the target's file mappings, and symbols and lines per PC, cached. */
#ifndef HS_NATIVE_UNWIND_H
#define HS_NATIVE_UNWIND_H

#include <stddef.h>
#include <stdint.h>

#include "../target/target.h"
#include "../util/err.h"
#include "../views/records.h"

/* The most frames taken from one thread: a stack deeper than this ends in a `?` frame. */
#define NATIVE_MAX_FRAMES 256
/* The most inlined calls shown at one PC. */
#define NATIVE_MAX_INLINED 16

typedef struct native_unwinder native_unwinder;

/* One thread's walk: its PCs (innermost first; all but the first are return addresses) are
 * pcs[first .. first+n) of native_unwind_all's array. */
typedef struct native_stack {
    uint32_t first, n;
    uint8_t truncated; /* the walk ended on an error, a non-advancing stack or the frame cap */
} native_stack;

/* A libdwfl session that unwinders of several targets use in turn, one at a time (a caller
 * reading many targets of one program, as the fuzz target does): a module reported again with
 * the same path and addresses keeps what libdwfl has read of it (libc's debug file with its
 * DWARF decompressed, CFI); a module whose file may have changed must come under another path. */
typedef struct native_dwfl native_dwfl;
int native_dwfl_new(native_dwfl **out, hs_err *err);
void native_dwfl_free(native_dwfl *d);

/* The unwinder of t's threads, in shared (NULL: a session of its own, closed with it). */
int native_unwinder_open(native_unwinder **u, hs_target *t, native_dwfl *shared, hs_err *err);
void native_unwinder_close(native_unwinder *u);

/* Walks every thread of the target: stacks[i] is t->threads[i]'s, its PCs in *pcs (malloc'd). */
int native_unwind_all(native_unwinder *u, native_stack *stacks, uint64_t **pcs, size_t *npcs,
                      hs_err *err);

/* native_unwind_all, with the stack pointer of each frame in *sps (malloc'd, parallel to *pcs):
 * the thread's own for the innermost, for a caller the value libdwfl unwinds for its SP (on
 * amd64 the CFA of the frame it called: just above the return address into it); 0 when libdwfl
 * gives none. */
int native_unwind_sps(native_unwinder *u, native_stack *stacks, uint64_t **pcs, uint64_t **sps,
                      size_t *npcs, hs_err *err);

/* The module that maps pc (its file's base name, living as long as the unwinder) and pc's
 * offset from the module's start, as a frame without a symbol is named ("libfoo.so+0x1a2b");
 * -1 when no module maps it. */
int native_module_of(native_unwinder *u, uint64_t pc, const char **module, uint64_t *offset);

/* The frames of a PC (a return address when !innermost: its call is looked up), innermost
 * first: one per function DWARF says is inlined there, then the physical function. Function: the
 * ELF symbol (C++ demangled, with parameters) or, for an inlined call, its qualified DWARF name
 * (no parameters, as gdb shows it); source file:line where
 * debug info has them (also from a separate debug file found by build-id or .gnu_debuglink),
 * else the module's path and line 0; "module+0xOFF" as the function when no symbol covers it.
 * *frames and its strings live as long as the unwinder. */
int native_symbolize(native_unwinder *u, uint64_t pc, int innermost, const hs_frame **frames,
                     uint32_t *n, hs_err *err);

/* The symbol covering a data address ("g_db_lock", "g_rw+0x8") into buf; 0 when none does. Sets
 * *offset to the address's distance from the symbol's start. */
int native_data_symbol(native_unwinder *u, uint64_t addr, char *buf, size_t cap, uint64_t *offset);

#endif
