/* debug_file.h - a binary's separate debug information, found as gdb finds it: the build-id
 * path (DIR/.build-id/xx/yyyy.debug) and .gnu_debuglink (next to the binary, in its .debug/, and
 * DIR/<its directory>/), for each DIR of HEAPSCOPE_DEBUG_FILE_DIRECTORY (colon-separated;
 * default /usr/lib/debug); or given (--debug-file). A file is taken only when it matches the
 * binary: the same build id where both have one, else the CRC the debuglink records. */
#ifndef HS_DEBUG_FILE_H
#define HS_DEBUG_FILE_H

#include "../util/err.h"
#include "elf_image.h"

/* Attaches img's debug file (hs_image_set_debug). With path: that file, which must match img
 * (-1 and a one-line error otherwise). Without: looked for only when img lacks a symbol table
 * or DWARF; finding none, or none that matches, is not an error (0, nothing attached). */
int hs_debug_attach(hs_image *img, const char *path, hs_err *err);

/* The debug-file directories searched, colon-separated: HEAPSCOPE_DEBUG_FILE_DIRECTORY when set
 * and not empty, else /usr/lib/debug; then, with a sysroot (HEAPSCOPE_SYSROOT), its
 * /usr/lib/debug. Other readers of debug files (libdwfl for native threads)
 * look in the same ones. */
const char *hs_debug_dirs(void);

#endif
