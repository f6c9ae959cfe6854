/* module_symbols.h - every module the target maps (its executable and shared libraries), each
 * once, with its ELF symbol table (a stripped module's from its debug file) at run-time
 * addresses; for naming what lies in the modules: vtables, global variables. */
#ifndef HS_MODULE_SYMBOLS_H
#define HS_MODULE_SYMBOLS_H

#include "../image/elf_image.h"
#include "../target/target.h"

/* Calls fn for every module: its mapping at file offset 0, its symbols and their load bias
 * (run-time address = bias + value). A module that cannot be opened is left out. fn returning
 * nonzero stops and is returned. */
int glibc_each_module(hs_target *t, int (*fn)(void *ctx, const hs_mapping *m, const hs_symbol *syms,
                                              size_t n, uint64_t bias),
                      void *ctx);

#endif
