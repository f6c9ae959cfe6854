/* wait_objects.h - what each goroutine blocked on a channel or lock waits on, named for
 * threads-blocked: the channel (its type, buffer and address) or the sync object (Mutex,
 * RWMutex, WaitGroup, Cond: from the wait reason and the frames; the field it is), and who
 * holds it: the shortest path to it from a root that is no waiter's stack, never through wait
 * queues — or none, "reachable from nothing". */
#ifndef HS_WAIT_OBJECTS_H
#define HS_WAIT_OBJECTS_H

#include "../go/go_waits.h"
#include "../graph/strtab.h"
#include "heap_holders.h"

typedef struct wait_objects {
    hs_waits_on *v;      /* per goroutine, in the order of gs */
    hs_strtab *names;    /* what the strings of v point into */
    const char **steps;  /* the holders' steps, back to back */
} wait_objects;

/* Fills out for the goroutines w says wait on something (tasks[i].waits_on point into it).
 * hh: paths built with the waiters' stacks and the wait queues left out. */
int wait_objects_describe(heap_holders *hh, const go_goroutines *gs, const go_waits *w,
                          hs_task *tasks, wait_objects *out, hs_err *err);
void wait_objects_free(wait_objects *wo);

#endif
