/* target_files.h - which file on this machine holds what a target mapped from a path: the
 * executable given for a core (--exe), a core's libraries under the sysroot, the path itself. */
#ifndef HS_TARGET_FILES_H
#define HS_TARGET_FILES_H

#include "target.h"

/* The file to open for what t mapped from path (buf: PATH_MAX bytes, may hold the answer): for
 * a core, the executable from where it was given when path is the one the core records, as an
 * absolute path; SYSROOT/path when a sysroot is set and has it; else path. */
const char *hs_target_file(const hs_target *t, const char *path, char *buf);

#endif
