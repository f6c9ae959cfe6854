/* type_rows.h - heap objects aggregated by name (a type, or an untyped size class): objects and
 * bytes per row, sorted by bytes. What heap-top --by type and --by size show. */
#ifndef HS_TYPE_ROWS_H
#define HS_TYPE_ROWS_H

#include <stddef.h>
#include <stdint.h>

typedef struct hs_type_row {
    const char *name;
    uint64_t objects, bytes;
    uint8_t typed; /* 0: objects whose type is unknown, grouped by size */
} hs_type_row;

typedef struct hs_type_rows hs_type_rows;

hs_type_rows *hs_type_rows_new(void);
void hs_type_rows_free(hs_type_rows *r);
/* Adds to the row named `name` (copied the first time it is seen); 0, or -1 out of memory. */
int hs_type_rows_add(hs_type_rows *r, const char *name, int typed, uint64_t objects, uint64_t bytes);
/* All rows, largest bytes first (ties: more objects, then name); valid until the next add. */
const hs_type_row *hs_type_rows_sorted(hs_type_rows *r, size_t *n);
void hs_type_rows_totals(const hs_type_rows *r, uint64_t *objects, uint64_t *bytes,
                         uint64_t *typed_objects, uint64_t *typed_bytes);

#endif
