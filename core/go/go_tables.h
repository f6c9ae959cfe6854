/* go_tables.h - per-release Go runtime layouts for linux/amd64, for binaries without DWARF.
 * The data (go_tables_amd64.c) is generated from measured offsets; index = minor version - 19. */
#ifndef HS_GO_TABLES_H
#define HS_GO_TABLES_H

#include <stddef.h>
#include <stdint.h>

#define GO_TABLE_FIRST_MINOR 19
#define GO_TABLE_NVERSIONS 9 /* 1.19 .. 1.27 */

typedef struct go_table_field {
    const char *type, *field, *field_type;
    int32_t off[GO_TABLE_NVERSIONS];
} go_table_field;

typedef struct go_table_size {
    const char *type;
    int32_t size[GO_TABLE_NVERSIONS];
} go_table_size;

typedef struct go_table_const {
    const char *name;
    int64_t val[GO_TABLE_NVERSIONS];
    uint8_t present[GO_TABLE_NVERSIONS];
} go_table_const;

typedef struct go_table_waitreasons {
    const char *const *names;
    size_t n;
} go_table_waitreasons;

extern const go_table_field go_table_fields[];
extern const go_table_size go_table_sizes[];
extern const go_table_const go_table_consts[];
extern const go_table_waitreasons go_table_wait[GO_TABLE_NVERSIONS];

#endif
