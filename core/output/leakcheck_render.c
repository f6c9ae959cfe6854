/* leakcheck_render.c - the leakcheck report as text and as JSON (see leakcheck_report.h). */
#include <stdio.h>
#include <string.h>

#include "../snapshot/user_frame.h"
#include "../util/clock.h"
#include "../util/human.h"
#include "json_util.h"
#include "leakcheck_report.h"

#define SUMMARY_NAMES 3

size_t leakcheck_alive(const leakcheck_report *r) { return r->threads ? r->threads->groups->ntasks : 0; }

size_t leakcheck_verdict_leaked(const leakcheck_report *r)
{
    size_t n = 0;
    for (size_t i = 0; r->threads && i < r->threads->groups->n; i++)
        if (r->threads->groups->v[i].first->leaked == 1)
            n += r->threads->groups->v[i].count;
    return n;
}

int leakcheck_heap_over(const leakcheck_report *r)
{
    return r->heap && r->heap_max && r->heap->reach && r->heap->reach->live_bytes > r->heap_max;
}

/* The function that names a group: its innermost frame of the program's own code. */
static void group_name(const hs_task_group *g, char *buf, size_t cap)
{
    cJSON *frames = json_frames(g->first->frames, NULL, g->first->nframes);
    const cJSON *f = snapshot_user_frame(frames);
    const cJSON *fn = f ? cJSON_GetObjectItemCaseSensitive(f, "function") : NULL;
    snprintf(buf, cap, "%s", cJSON_IsString(fn) ? fn->valuestring : g->first->state);
    cJSON_Delete(frames);
}

/* "leakcheck: 3 goroutines leaked (main.leakyWorker, main.other ...)": distinct names, largest
 * group first. */
static void summary(const leakcheck_report *r, size_t alive, strbuf *out)
{
    char names[SUMMARY_NAMES][256];
    size_t n = 0, more = 0;
    const hs_task_groups *gs = r->threads->groups;
    for (size_t i = 0; i < gs->n; i++) {
        char name[256];
        int seen = 0;
        group_name(&gs->v[i], name, sizeof name);
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(names[k], name) == 0;
        if (!seen && n < SUMMARY_NAMES)
            memcpy(names[n++], name, sizeof name);
        else if (!seen)
            more = 1;
    }
    sb_printf(out, "leakcheck: %zu goroutine%s leaked (", alive, alive == 1 ? "" : "s");
    for (size_t k = 0; k < n; k++)
        sb_printf(out, "%s%s", k ? ", " : "", names[k]);
    sb_puts(out, more ? " ...)\n" : ")\n");
}

static void heap_text(const leakcheck_report *r, strbuf *out)
{
    sb_puts(out, "\nlive heap at exit:\n");
    heap_render_text(r->heap, out);
    if (leakcheck_heap_over(r)) {
        char live[32], max[32];
        hs_format_bytes(r->heap->reach->live_bytes, live, sizeof live);
        hs_format_bytes(r->heap_max, max, sizeof max);
        sb_printf(out, "leakcheck: live heap %s exceeds --heap-max %s\n", live, max);
    }
}

void leakcheck_render_text(const leakcheck_report *r, strbuf *out)
{
    if (r->not_checked || !r->threads)
        return;
    size_t alive = leakcheck_alive(r), verdict = leakcheck_verdict_leaked(r);
    if (alive) {
        sb_printf(out, "leakcheck: %s (%s): %zu goroutine%s still alive at exit besides the "
                  "runtime's own and main", r->program, r->threads->version, alive,
                  alive == 1 ? "" : "s");
        if (verdict)
            sb_printf(out, "; %zu leaked: blocked on objects no running goroutine can reach",
                      verdict);
        sb_putc(out, '\n');
        threads_render_groups_text(r->threads, out);
    }
    if (r->heap)
        heap_text(r, out);
    if (alive)
        summary(r, alive, out);
}

cJSON *leakcheck_report_json(const leakcheck_report *r)
{
    cJSON *o = r->threads ? threads_report_json(r->threads) : cJSON_CreateObject();
    if (cJSON_GetObjectItemCaseSensitive(o, "command"))
        cJSON_ReplaceItemInObjectCaseSensitive(o, "command", cJSON_CreateString("leakcheck"));
    else
        cJSON_AddStringToObject(o, "command", "leakcheck");
    cJSON_AddStringToObject(o, "program", r->program ? r->program : "");
    cJSON_AddNumberToObject(o, "exit_status", r->exit_status);
    cJSON_AddBoolToObject(o, "checked", !r->not_checked);
    if (r->not_checked) {
        cJSON_AddStringToObject(o, "not_checked", r->not_checked);
        return o;
    }
    cJSON_AddNumberToObject(o, "alive", (double)leakcheck_alive(r));
    cJSON *ign = cJSON_AddArrayToObject(o, "ignored_functions");
    for (size_t i = 0; i < r->nignore; i++)
        cJSON_AddItemToArray(ign, cJSON_CreateString(r->ignore[i]));
    cJSON_AddItemToObject(o, "heap", r->heap ? heap_report_json(r->heap) : cJSON_CreateNull());
    if (r->heap_max)
        json_add_u64(o, "heap_max", r->heap_max);
    cJSON_AddBoolToObject(o, "heap_over", leakcheck_heap_over(r));
    cJSON_AddNumberToObject(o, "read_seconds", hs_mono_s() - r->started_s);
    return o;
}
