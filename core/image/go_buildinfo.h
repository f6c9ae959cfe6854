/* go_buildinfo.h - the Go build information blob ("\xff Go buildinf:") of an executable: the
 * toolchain version (runtime.Version()) and the main package path, as debug/buildinfo reads
 * them, from the .go.buildinfo section or, without section headers, from writable segments. */
#ifndef HS_GO_BUILDINFO_H
#define HS_GO_BUILDINFO_H

#include <stddef.h>

#include "../util/err.h"
#include "elf_image.h"

/* Fills version ("go1.23.5", "go1.25.12 X:greenteagc") and mainpath (the main package or
 * module path; "" when the build recorded none), each truncated to its capacity. Fails with
 * "PATH is not a Go program (no Go build information found)" when there is no blob. */
int go_buildinfo_read(const hs_image *img, char *version, size_t cap, char *mainpath,
                      size_t pcap, hs_err *err);

#endif
