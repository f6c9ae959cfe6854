/* pprof_heap.h - a heap profile from allocation sites, laid out as runtime/pprof writes one
 * (heap-top --by site --pprof FILE): sample types alloc_objects/count, alloc_space/bytes,
 * inuse_objects/count, inuse_space/bytes (the default), period type space/bytes with the
 * sampling rate as period, values unbiased for sampling, a numeric "bytes" label with the
 * object size, locations with their inlined frames, and the executable's text mapping. */
#ifndef HS_PPROF_HEAP_H
#define HS_PPROF_HEAP_H

#include "../util/err.h"
#include "../views/site_rows.h"

/* Writes every site (also those with nothing in use, as the runtime does). comment may be NULL;
 * time_nanos 0 leaves the profile's time unset. */
int hs_pprof_write_heap(const char *path, const hs_alloc_sites *s, const char *comment,
                        int64_t time_nanos, hs_err *err);

#endif
