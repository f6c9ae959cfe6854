/* threads_native.c - threads-blocked for native targets, and the native threads of a Go program
 * with cgo (threads_native.h). */
#include "threads_native.h"

#include "../native/native_threads.h"
#include "../output/native_report.h"

/* The native threads read, grouped and ready to render. */
typedef struct native_view {
    native_threads nt;
    hs_task_groups groups;
    native_report r;
} native_view;

static int view_open(native_view *v, hs_session *s, int all, long limit, int mixed, hs_err *err)
{
    if (native_threads_read(s->target, &v->nt, err) < 0)
        return -1;
    hs_group_filter f = {.all = all, .system = all};
    if (hs_task_groups_build(v->nt.tasks, v->nt.n, &f, &v->groups) < 0) {
        native_threads_free(&v->nt);
        return hs_errf(err, "out of memory grouping %zu threads", v->nt.n);
    }
    v->r = (native_report){s->target, &v->nt, &v->groups, limit, all, mixed};
    return 0;
}

static void view_close(native_view *v)
{
    hs_task_groups_free(&v->groups);
    native_threads_free(&v->nt);
}

int threads_native_run(hs_session *s, int all, int json, long limit, strbuf *out, strbuf *msgs,
                       hs_err *err)
{
    native_view v;
    if (view_open(&v, s, all, limit, 0, err) < 0)
        return HS_FAIL;
    (json ? native_render_json : native_render_text)(&v.r, out);
    if (!json)
        sb_puts(msgs, sb_str(&v.nt.warnings));
    view_close(&v);
    return HS_OK;
}

int threads_native_mixed(hs_session *s, int all, long limit, cJSON *json, strbuf *out, strbuf *msgs,
                         hs_err *err)
{
    native_view v;
    if (view_open(&v, s, all, limit, 1, err) < 0)
        return HS_FAIL;
    if (json) {
        cJSON *o = cJSON_CreateObject();
        native_report_json(&v.r, o);
        cJSON_AddItemToObject(json, "threads", o);
    } else {
        sb_putc(out, '\n');
        native_render_text(&v.r, out);
        sb_puts(msgs, sb_str(&v.nt.warnings));
    }
    view_close(&v);
    return HS_OK;
}
