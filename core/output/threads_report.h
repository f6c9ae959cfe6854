/* threads_report.h - what threads-blocked shows, rendered as text for people or as the JSON
 * object DESIGN.md specifies. */
#ifndef HS_THREADS_REPORT_H
#define HS_THREADS_REPORT_H

#include <stddef.h>

#include "../target/target.h"
#include "../util/strbuf.h"
#include "../views/task_groups.h"

typedef struct threads_report {
    const char *runtime;       /* "go" */
    const char *version;       /* "go1.23.5" */
    const hs_target *target;
    const hs_task *tasks;
    size_t ntasks;
    size_t total;              /* as runtime.NumGoroutine counts (plus system ones with --all) */
    size_t nsystem;
    const hs_task_groups *groups;
    long limit;                /* groups to show, 0 = all */
    int all;
    int clock_exact;           /* waits measured against the live clock */
    const char *warnings;      /* lines, may be empty */
    long nleaked;              /* goroutines leaked; -1 when no verdicts were worked out */
} threads_report;

void threads_render_text(const threads_report *r, strbuf *out);
void threads_render_json(const threads_report *r, strbuf *out);
/* The groups alone, as threads_render_text shows them under its header (leakcheck). */
void threads_render_groups_text(const threads_report *r, strbuf *out);
/* "...N more groups (M MEMBERS) not shown" when fewer than all groups were shown. */
void threads_render_rest_text(const hs_task_groups *gs, size_t shown, const char *members, strbuf *out);
/* The object threads_render_json prints (the caller owns it; leakcheck adds to it). */
struct cJSON *threads_report_json(const threads_report *r);
/* One goroutine in full (--goroutine ID). */
void task_render_text(const threads_report *r, const hs_task *t, strbuf *out);
void task_render_json(const threads_report *r, const hs_task *t, strbuf *out);
/* One group as the JSON object threads-blocked --json and snapshots hold. */
struct cJSON *threads_group_json(const hs_task *tasks, const hs_task_group *g, int with_ids);

#endif
