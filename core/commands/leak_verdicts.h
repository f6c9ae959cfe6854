/* leak_verdicts.h - the leak verdict of every goroutine blocked on a channel or sync object
 * (issue: goroutine leak verdict): the heap marked from every root but the stacks of such
 * goroutines, their wait queues (sudogs) not followed, then woken one by one as what they wait
 * on turns out reachable (graph/leaks.h); goroutines the runtime marked leaked are leaked. */
#ifndef HS_LEAK_VERDICTS_H
#define HS_LEAK_VERDICTS_H

#include "../go/go_goroutines.h"
#include "../views/records.h"
#include "../util/strbuf.h"

typedef struct wait_objects wait_objects;

/* Sets tasks[i].leaked (tasks in the order of gs) to 1, 0, or -1 where no verdict applies. When
 * the heap cannot be read, every verdict stays -1 and msgs says why; fails only when out of
 * memory or interrupted. *nleaked: how many are leaked. With wo (may be NULL), also names what
 * each waits on and who holds it (wait_objects.h; tasks[i].waits_on point into wo, which the
 * caller frees with wait_objects_free when it was filled: wo->v not NULL). */
int leak_verdicts(go_rt *rt, const go_goroutines *gs, hs_task *tasks, size_t *nleaked,
                  wait_objects *wo, strbuf *msgs, hs_err *err);

#endif
