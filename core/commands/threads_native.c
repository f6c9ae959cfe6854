/* threads_native.c - threads-blocked for native targets (threads_native.h). */
#include "threads_native.h"

#include "../native/native_threads.h"
#include "../output/native_report.h"

int threads_native_run(hs_session *s, int all, int json, long limit, strbuf *out, strbuf *msgs,
                       hs_err *err)
{
    native_threads nt;
    if (native_threads_read(s->target, &nt, err) < 0)
        return HS_FAIL;
    hs_group_filter f = {.all = all, .system = all};
    hs_task_groups groups;
    if (hs_task_groups_build(nt.tasks, nt.n, &f, &groups) < 0) {
        native_threads_free(&nt);
        hs_errf(err, "out of memory grouping %zu threads", nt.n);
        return HS_FAIL;
    }
    native_report r = {s->target, &nt, &groups, limit, all};
    (json ? native_render_json : native_render_text)(&r, out);
    if (!json)
        sb_puts(msgs, sb_str(&nt.warnings));
    hs_task_groups_free(&groups);
    native_threads_free(&nt);
    return HS_OK;
}
