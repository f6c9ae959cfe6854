/* go_scanplan.h - for one Go type, the words a heap walker must follow and what each holds:
 * pointers with their target type, slices, strings, interfaces, maps, channels and closures,
 * flattened through nested structs and short arrays. Plans are built once per type and cached,
 * so walking millions of values costs one lookup per value. */
#ifndef HS_GO_SCANPLAN_H
#define HS_GO_SCANPLAN_H

#include <stdint.h>

#include "go_types.h"

enum go_scan_kind {
    GO_SCAN_PTR,    /* word 0 points to a value of `type` */
    GO_SCAN_SLICE,  /* {ptr, len, cap}: ptr points to cap values of `type` */
    GO_SCAN_STRING, /* {ptr, len}: ptr points to string bytes */
    GO_SCAN_EFACE,  /* {*type, data} */
    GO_SCAN_IFACE,  /* {*itab, data} */
    GO_SCAN_MAP,    /* word 0 points to the map header; `type` is the map type */
    GO_SCAN_CHAN,   /* word 0 points to the hchan; `type` is the channel type */
    GO_SCAN_FUNC,   /* word 0 points to a closure (funcval) */
    GO_SCAN_ARRAY,  /* `count` values of `type` (an array too long to flatten) */
};

typedef struct go_scan_entry {
    uint32_t offset;
    uint8_t kind;
    uint32_t count;        /* GO_SCAN_ARRAY */
    const go_type *type;   /* target / element / map / channel type; NULL for STRING, FUNC, ifaces */
} go_scan_entry;

typedef struct go_scanplan {
    const go_type *type;
    const go_scan_entry *e;
    uint32_t n;
} go_scanplan;

typedef struct go_scanplans go_scanplans;

/* Finds the type descriptor at an address (go_types_get, or one that also knows synthesized
 * types such as go_synth_get). */
typedef const go_type *(*go_type_resolver)(void *ctx, uint64_t addr);

go_scanplans *go_scanplans_new(go_type_resolver get, void *ctx);
void go_scanplans_free(go_scanplans *p);

/* The plan of the type at addr (cached), or NULL when the type cannot be read. A type without
 * pointers has a plan with n == 0. */
const go_scanplan *go_scanplan_get(go_scanplans *p, uint64_t type_addr);

#endif
