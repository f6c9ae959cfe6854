/* threads_collect.h - goroutines of the session's target read, turned into task records and
 * grouped: what threads-blocked shows and what a snapshot records. */
#ifndef HS_THREADS_COLLECT_H
#define HS_THREADS_COLLECT_H

#include "../go/go_goroutines.h"
#include "../views/task_groups.h"
#include "session.h"
#include "wait_objects.h"

typedef struct threads_data {
    go_rt *rt;
    go_goroutines gs;
    hs_task *tasks;
    size_t ntasks;
    hs_task_groups groups;
    size_t total;   /* as runtime.NumGoroutine counts them, plus system ones if filter->system */
    size_t nsystem;
    size_t nleaked; /* goroutines leaked (when the filter asked for verdicts) */
    strbuf notes;   /* why there are no verdicts, when there are none */
    wait_objects waits; /* what the tasks' waits_on point into (filter->waits_on) */
} threads_data;

/* With release_msgs, a live process is copied and let go once its goroutines are read, before
 * the verdicts' heap mark (as heap-top: its stated pause is then the copy's, not the mark's). */
int threads_collect(hs_session *s, const hs_group_filter *f, threads_data *d, strbuf *release_msgs,
                    hs_err *err);
void threads_data_free(threads_data *d);

#endif
