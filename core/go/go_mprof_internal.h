/* go_mprof_internal.h - what go_mprof.c (reading the buckets) and go_mprof_sites.c
 * (symbolizing them) share. */
#ifndef HS_GO_MPROF_INTERNAL_H
#define HS_GO_MPROF_INTERNAL_H

#include "go_mprof.h"

typedef struct go_mprof_sitedata go_mprof_sitedata;

struct go_mprof {
    go_rt *rt;
    go_mprof_record *v;
    size_t n, cap;
    uint64_t *pcs; /* every record's stack, one after the other */
    size_t npcs, cappcs;
    int64_t rate;
    uint32_t cycle;
    strbuf warnings;
    go_mprof_sitedata *sites; /* built by go_mprof_sites */
};

void go_mprof_sites_free(go_mprof_sitedata *d);

#endif
