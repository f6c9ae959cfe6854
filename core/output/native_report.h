/* native_report.h - threads-blocked for a native (C/C++) process, as text (groups of threads by
 * state and stack, what each waits on and who holds it, deadlocks in the manner of jstack) and as
 * the JSON object of DESIGN.md with "runtime": "native", groups' "threads" and "deadlocks". */
#ifndef HS_NATIVE_REPORT_H
#define HS_NATIVE_REPORT_H

#include <cjson/cJSON.h>

#include "../native/native_threads.h"
#include "../views/task_groups.h"

typedef struct native_report {
    const hs_target *target;
    const native_threads *nt;
    const hs_task_groups *groups;
    long limit; /* groups to show, 0 = all */
    int all;
    int mixed; /* the native threads of a Go program (--threads): each group says its role */
} native_report;

void native_render_text(const native_report *r, strbuf *out);
void native_render_json(const native_report *r, strbuf *out);
/* The fields native_render_json prints after command, runtime and target ("total", "shown",
 * "groups", "groups_total", "deadlocks", "warnings"), added to o: threads-blocked --threads puts
 * them in the goroutines' object as "threads". */
void native_report_json(const native_report *r, cJSON *o);

#endif
