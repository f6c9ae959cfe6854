/* target_files.h - which file on this machine holds what a target mapped from a path: the
 * executable given for a core (--exe), a core's libraries under the sysroot, the path itself. */
#ifndef HS_TARGET_FILES_H
#define HS_TARGET_FILES_H

#include <stddef.h>

#include "target.h"

/* The sysroot: HEAPSCOPE_SYSROOT (the CLI's --sysroot, gdb's `set sysroot`), or NULL when it is
 * unset, empty or "/". */
const char *hs_sysroot(void);

/* The file to open for what t mapped from path (buf: PATH_MAX bytes, may hold the answer): for
 * a core, the executable from where it was given when path is the one the core records, as an
 * absolute path; SYSROOT/path when a sysroot is set and has it; else path. */
const char *hs_target_file(const hs_target *t, const char *path, char *buf);

/* Whether m maps a shared library ("/x/libfoo.so", "/x/libfoo.so.6"; not the executable) from
 * its start (file offset 0): each library once. */
int hs_target_is_library(const hs_target *t, const hs_mapping *m);

/* How many shared libraries a core's mappings name that are on neither this machine nor under
 * the sysroot; their paths, comma-separated, into names (cut at cap). 0 for a live target. */
size_t hs_target_missing_libs(const hs_target *t, char *names, size_t cap);

#endif
