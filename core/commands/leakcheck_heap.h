/* leakcheck_heap.h - leakcheck --heap: the live heap of a program at exit by type, heap-top's
 * rows with the program's own packages' types first. */
#ifndef HS_LEAKCHECK_HEAP_H
#define HS_LEAKCHECK_HEAP_H

#include "heap_top.h"

typedef struct leakcheck_heap {
    heap_analysis an;
    heap_top_result res;
    go_memstats ms;
    strbuf warnings;
    heap_report report; /* what leakcheck_report.heap points to */
} leakcheck_heap;

/* Reads and marks the heap, and fills h->report with the reachable objects by type (limit rows
 * in text), types of the package mainpath names (the build info's, "x.test" for a test binary)
 * and of package main first. Returns HS_OK or HS_FAIL; h is freed on failure. */
int leakcheck_heap_read(leakcheck_heap *h, hs_session *s, go_rt *rt, const char *mainpath,
                        long limit, strbuf *msgs, hs_err *err);
void leakcheck_heap_free(leakcheck_heap *h);

#endif
