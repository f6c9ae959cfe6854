/* native_report.h - threads-blocked for a native (C/C++) process, as text (groups of threads by
 * state and stack, what each waits on and who holds it, deadlocks in the manner of jstack) and as
 * the JSON object of DESIGN.md with "runtime": "native", groups' "threads" and "deadlocks". */
#ifndef HS_NATIVE_REPORT_H
#define HS_NATIVE_REPORT_H

#include "../native/native_threads.h"
#include "../views/task_groups.h"

typedef struct native_report {
    const hs_target *target;
    const native_threads *nt;
    const hs_task_groups *groups;
    long limit; /* groups to show, 0 = all */
    int all;
} native_report;

void native_render_text(const native_report *r, strbuf *out);
void native_render_json(const native_report *r, strbuf *out);

#endif
