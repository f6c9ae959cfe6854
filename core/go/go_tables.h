/* go_tables.h - per-release Go runtime layouts for linux/amd64 and linux/arm64, for binaries
 * without DWARF. The data (go_tables_<arch>.c) is generated from measured offsets by
 * scripts/dev/gen_go_tables.py; index = minor version - 19. */
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

/* One architecture's tables; fields, sizes and consts end with a NULL name. */
typedef struct go_tables {
    const go_table_field *fields;
    const go_table_size *sizes;
    const go_table_const *consts;
    const go_table_waitreasons *wait; /* [GO_TABLE_NVERSIONS] */
} go_tables;

extern const go_tables go_tables_amd64, go_tables_arm64;

#endif
