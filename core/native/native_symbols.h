/* native_symbols.h - inside the native unwinder (native_unwind.c walks, native_names.c names,
 * native_inline.c expands inlined calls, native_condvar.c reads glibc's condition-variable
 * waits): the unwinder's state and the frames one PC names (an inlined call adds a frame for each
 * function inlined there, innermost first, as gdb shows them), cached per PC. */
#ifndef HS_NATIVE_SYMBOLS_H
#define HS_NATIVE_SYMBOLS_H

#include <elf.h>
#include <elfutils/libdwfl.h>
#include <stdint.h>
#include <uthash.h>

#include "../graph/strtab.h"
#include "native_unwind.h"

typedef struct pc_entry {
    uint64_t key; /* the PC looked up (a return address minus one) */
    uint32_t n;   /* frames[0] is the innermost (inlined) function, frames[n-1] the physical one */
    hs_frame frames[NATIVE_MAX_INLINED + 1];
    UT_hash_handle hh;
} pc_entry;

/* Whether a PC is where a Go thread's stack ends (native_go_stack_end), cached: libdwfl's symbol
 * lookup scans the whole symbol table. */
typedef struct end_entry {
    uint64_t pc;
    int end;
    UT_hash_handle hh;
} end_entry;

/* A libdwfl session (native_dwfl.c): attached once to thread callbacks that read the threads
 * of cur, the unwinder using it now, with amd64's backend taken from arch_elf (an ELF header of
 * our own), never from a module, whose header may be anything a core names. */
struct native_dwfl {
    Dwfl *dwfl;
    char *debuginfo_path;
    Dwfl_Callbacks callbacks;
    native_unwinder *cur;
    int attached;
    Elf64_Ehdr arch_header;
    Elf *arch_elf;
};

struct native_unwinder {
    hs_target *t;
    native_dwfl *d;  /* the session: its own (own_d) or one the caller shares among targets */
    int own_d;
    Dwfl *dwfl;      /* d->dwfl */
    hs_strtab *strs;
    pc_entry *cache;
    end_entry *ends;
    /* during native_unwind_all */
    native_stack *stacks;
    uint64_t *pcs;
    uint64_t *sps;   /* each frame's stack pointer, when asked (native_unwind_sps); else NULL */
    int want_sps;
    size_t npcs, cap;
    uint64_t last_sp;
    int oom;
    /* glibc's condition-variable wait (native_condvar_layout): 0 not looked up, 1 found, -1 not */
    int cv_state;
    uint64_t cv_cleanup_off, cv_routine;
};

/* s kept as long as the unwinder (NULL when out of memory). */
const char *native_intern(native_unwinder *u, const char *s);

/* A function name as people read it: C++ demangled (libiberty), a symbol version and a Go
 * assembly symbol's .abi0 cut. */
const char *native_readable(native_unwinder *u, const char *name);

/* The compile unit whose ranges hold key, into *cu (with the module's bias): the one libdwfl's
 * address table names when it does hold key, else the first that does (a Go program's own units
 * are not in .debug_aranges: libdwfl names the preceding C unit for them). -1 when none. */
int native_cu(Dwfl_Module *mod, uint64_t key, Dwarf_Die *cu, Dwarf_Addr *bias);

/* The source line at key in cu: file into *file (NULL when none), line into *line. */
void native_line(Dwarf_Die *cu, Dwarf_Addr bias, uint64_t key, const char **file, int *line);

/* Where DWARF says functions are inlined at key: names e->frames[0 .. n-2] after them and gives
 * each caller the inlined call's file and line; e->frames[0] holds the line table's file:line
 * and e->n is 1 on entry. Returns -1 when out of memory. */
int native_inlined(native_unwinder *u, Dwarf_Die *cu, Dwarf_Addr bias, uint64_t key, pc_entry *e);

/* glibc's condition-variable wait as libc's DWARF and symbols describe it: the offset of
 * `cleanup` in struct pthread and the address of __condvar_cleanup_waiting (native_condvar.c);
 * -1 when libc has no debug information (libc6-dbg). native_condvar_layout caches the search. */
int native_condvar_layout_find(Dwfl *dwfl, uint64_t *cleanup_off, uint64_t *routine);
int native_condvar_layout(native_unwinder *u, uint64_t *cleanup_off, uint64_t *routine);

#endif
