/* go_mprof.h - the heap-profile records a Go program keeps in memory when it links runtime/pprof
 * (runtime.mbuckets): one per allocation stack, with allocation and free counts combined exactly
 * as runtime.MemProfile reports them, and the sampling rate to scale them as pprof does. */
#ifndef HS_GO_MPROF_H
#define HS_GO_MPROF_H

#include <stddef.h>
#include <stdint.h>

#include "../util/strbuf.h"
#include "../views/site_rows.h"
#include "go_runtime.h"

typedef struct go_mprof_record {
    const uint64_t *stack; /* return PCs as recorded (run-time addresses), innermost first */
    uint32_t nstack;
    uint64_t alloc_objects, alloc_bytes, free_objects, free_bytes;
} go_mprof_record;

typedef struct go_mprof go_mprof;

/* Reads every memory-profile bucket. When the program keeps none, fails with a message saying
 * why: profiling compiled out (runtime.disableMemoryProfiling), MemProfileRate 0, or no sample
 * yet — and that heap-top --by type still works. Records come in the runtime's list order
 * (newest bucket first), all of them, as runtime.MemProfile(p, true) reports them. A list cut
 * short by corrupt memory keeps the records read so far, with a warning. rt must outlive *out. */
int go_mprof_read(go_rt *rt, go_mprof **out, hs_err *err);
void go_mprof_close(go_mprof *p);

size_t go_mprof_count(const go_mprof *p);
const go_mprof_record *go_mprof_get(const go_mprof *p, size_t i);
int64_t go_mprof_rate(const go_mprof *p); /* runtime.MemProfileRate */
uint32_t go_mprof_cycle(const go_mprof *p); /* runtime.mProfCycle's cycle number */
/* One line per problem met while reading (empty when none). */
const char *go_mprof_warnings(const go_mprof *p);

/* The records as neutral allocation sites, symbolized as runtime/pprof writes a heap profile:
 * leading runtime frames hidden, runtime.goexit dropped, one frame per recorded PC grouped into
 * machine locations. Built on first call; valid until go_mprof_close. */
int go_mprof_sites(go_mprof *p, const hs_alloc_sites **out, hs_err *err);

/* pprof's scaleHeapSample: unbiases sampled counts for the rate (identity when rate <= 1). */
void go_mprof_scale(uint64_t count, uint64_t bytes, int64_t rate, double *scount, double *sbytes);

#endif
