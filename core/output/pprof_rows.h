/* pprof_rows.h - a profile of named rows (heap-top --by type --pprof FILE): one sample per row
 * with a single location named after the row, sample types inuse_objects/count and
 * inuse_space/bytes (the default), so `go tool pprof -top` lists the rows. */
#ifndef HS_PPROF_ROWS_H
#define HS_PPROF_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

typedef struct hs_pprof_row {
    const char *name; /* e.g. a type name, "main.Session" */
    int64_t objects, bytes;
} hs_pprof_row;

/* Writes n rows to path (gzipped profile.proto). comment may be NULL. */
int hs_pprof_write_rows(const char *path, const hs_pprof_row *rows, size_t n, const char *comment,
                        hs_err *err);

#endif
