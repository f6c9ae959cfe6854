/* core_target.h - an ELF core dump (kernel or gdb `gcore`) as a target, optionally completed
 * by the executable (and the shared libraries named in the core) for the read-only file-backed
 * memory the dumper left out. */
#ifndef HS_CORE_TARGET_H
#define HS_CORE_TARGET_H

#include "../image/elf_image.h"
#include "target.h"

/* Maps the core read-only and reads its threads, auxiliary vector and file mappings.
 * t->exe_path is the executable the core records (NT_FILE entry holding AT_PHDR/AT_ENTRY, else
 * AT_EXECFN, else the process name). A truncated core opens with a warning (see below); a core
 * truncated so badly that its notes are gone fails. */
int hs_core_target_open(hs_target **out, const char *core_path, hs_err *err);

/* Lets the executable supply the bytes the core left out (core bytes always win). Checks that
 * the executable matches the core (entry point, build id when the core holds the note page).
 * The image is borrowed: keep it open until the target is closed. After this call, file-backed
 * gaps of other files named in NT_FILE (shared libraries) are read lazily from those files. */
int hs_core_target_set_exe(hs_target *t, hs_image *exe, hs_err *err);

/* One-line warning about the core ("core X is truncated: ..."), or NULL when there is none
 * (also NULL when t is not a core target). */
const char *hs_core_target_warning(const hs_target *t);

/* The file the executable is read from (hs_core_target_set_exe: --exe, or the debugger's), or
 * NULL when none was given or t is not a core target. */
const char *hs_core_target_exe_file(const hs_target *t);

/* The command line the core records (NT_PRPSINFO pr_psargs, at most 80 bytes), or NULL. */
const char *hs_core_target_cmdline(const hs_target *t);

/* Nonzero when t was opened by hs_core_target_open. */
int hs_is_core_target(const hs_target *t);

#endif
