/* leakcheck_report.h - what `heapscope leakcheck` says about a program as it exits: the
 * goroutines still alive (threads-blocked's groups, with their leak verdicts), the live heap
 * when asked, as text for stderr and as the JSON object its --json FILE holds. */
#ifndef HS_LEAKCHECK_REPORT_H
#define HS_LEAKCHECK_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "heap_report.h"
#include "threads_report.h"

typedef struct leakcheck_report {
    const char *program;
    int exit_status;           /* the program's, as a shell gives it (128+N: killed by signal N) */
    const char *not_checked;   /* why it was not checked; NULL when it was */
    const threads_report *threads; /* the goroutines alive at exit that count; NULL unless checked */
    const char *const *ignore; /* functions left out (--ignore and heapscope's own) */
    size_t nignore;
    const heap_report *heap;   /* --heap: the live heap at exit; NULL otherwise */
    uint64_t heap_max;         /* --heap-max, 0 when none */
    double started_s;          /* hs_mono_s() when the command began: JSON read_seconds */
} leakcheck_report;

/* Goroutines alive that count as leaked (exit status 3), and those among them with the leak
 * verdict (blocked on objects nothing that can run reaches). */
size_t leakcheck_alive(const leakcheck_report *r);
size_t leakcheck_verdict_leaked(const leakcheck_report *r);
/* 1 when --heap-max is set and the live heap exceeds it. */
int leakcheck_heap_over(const leakcheck_report *r);

/* The report for people: nothing when the program is clean, else the groups and one summary
 * line "leakcheck: 3 goroutines leaked (main.leakyWorker ...)". */
void leakcheck_render_text(const leakcheck_report *r, strbuf *out);
/* {"command":"leakcheck","program":...,"exit_status":N,"checked":bool,"alive":N,
 *  "leaked":N|null,"groups":[...threads-blocked groups...],"heap":{...heap-top...}|null, ...} */
struct cJSON *leakcheck_report_json(const leakcheck_report *r);

#endif
