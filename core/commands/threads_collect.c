/* threads_collect.c - reading, recording and grouping goroutines (see threads_collect.h). */
#include "threads_collect.h"

#include <stdlib.h>
#include <string.h>

#include "../go/go_tasks.h"
#include "leak_verdicts.h"

static size_t count_total(const hs_task *t, size_t n, int system, size_t *nsystem)
{
    size_t total = 0;
    *nsystem = 0;
    for (size_t i = 0; i < n; i++) {
        *nsystem += t[i].system;
        total += system || !t[i].system;
    }
    return total;
}

int threads_collect(hs_session *s, const hs_group_filter *f, threads_data *d, strbuf *release_msgs,
                    hs_err *err)
{
    memset(d, 0, sizeof *d);
    sb_init(&d->notes);
    if (hs_session_go(s, &d->rt, err) < 0 || go_goroutines_read(d->rt, &d->gs, err) < 0)
        return -1;
    if (go_tasks_build(d->rt, &d->gs, &d->tasks, err) < 0) {
        threads_data_free(d);
        return -1;
    }
    d->ntasks = d->gs.n;
    if (release_msgs && hs_session_release(s, release_msgs, err) < 0) {
        threads_data_free(d);
        return -1;
    }
    if (f->verdicts && leak_verdicts(d->rt, &d->gs, d->tasks, &d->nleaked, f->waits_on ? &d->waits : NULL, &d->notes, err) < 0) {
        threads_data_free(d);
        return -1;
    }
    if (hs_task_groups_build(d->tasks, d->ntasks, f, &d->groups) < 0) {
        threads_data_free(d);
        return hs_errf(err, "out of memory grouping %zu goroutines", d->ntasks);
    }
    d->total = count_total(d->tasks, d->ntasks, f->system, &d->nsystem);
    return 0;
}

void threads_data_free(threads_data *d)
{
    hs_task_groups_free(&d->groups);
    sb_free(&d->notes);
    wait_objects_free(&d->waits);
    free(d->tasks);
    if (d->gs.stacks || d->gs.v)
        go_goroutines_free(&d->gs);
    memset(d, 0, sizeof *d);
}
