/* threads_text.c - threads-blocked as text a person scans in a terminal. */
#include <stdio.h>
#include <string.h>

#include "../util/duration.h"
#include "threads_report.h"
#include "waits_render.h"

#define TEXT_MAX_FRAMES 40
#define TEXT_MAX_IDS 10

static void state_line(const hs_task *t, int64_t wait_ns, size_t count, strbuf *out)
{
    if (count)
        sb_printf(out, "%zu goroutine%s [%s", count, count == 1 ? "" : "s", t->state);
    else
        sb_printf(out, "goroutine %llu [%s", (unsigned long long)t->id, t->state);
    if (t->leaked == 1 && !strstr(t->state, "leaked")) /* the runtime's own mark says it already */
        sb_puts(out, ", leaked");
    if (wait_ns >= 0) {
        char d[32];
        hs_duration_format(wait_ns, d, sizeof d);
        sb_printf(out, ", %s%s", count > 1 ? "longest " : "", d);
    }
    sb_puts(out, "]");
}

static void frames_text(const hs_task *t, size_t max, strbuf *out)
{
    for (uint32_t i = 0; i < t->nframes && i < max; i++) {
        const hs_frame *f = &t->frames[i];
        sb_printf(out, "    %s%s%s\n        %s:%d\n", f->function, f->inlined ? " (inlined)" : "",
                  f->wrapper ? " (wrapper)" : "", f->file, f->line);
    }
    if (t->nframes > max)
        sb_printf(out, "    ...%u more frames (--goroutine %llu shows all)\n",
                  (unsigned)(t->nframes - max), (unsigned long long)t->id);
    if (t->truncated)
        sb_puts(out, "    ...the stack could not be walked further\n");
}

static void creators_text(const hs_task_group *g, strbuf *out)
{
    for (size_t i = 0; i < g->ncreators; i++) {
        const hs_creator_count *c = &g->creators[i];
        sb_printf(out, "    created by %s\n        %s:%d", c->frame.function, c->frame.file, c->frame.line);
        if (g->ncreators > 1 || c->count != g->count)
            sb_printf(out, "   (%zu)", c->count);
        sb_putc(out, '\n');
    }
}

/* s[0..n) quoted as Go's %q quotes plain strings. */
static void quoted(strbuf *out, const char *s, size_t n)
{
    sb_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            sb_printf(out, "\\%c", c);
        else if (c == '\n')
            sb_puts(out, "\\n");
        else if (c == '\t')
            sb_puts(out, "\\t");
        else if (c < 0x20 || c == 0x7f)
            sb_printf(out, "\\x%02x", c);
        else
            sb_putc(out, (char)c);
    }
    sb_putc(out, '"');
}

/* A label set as runtime/pprof prints it in a goroutine profile: {"k":"v", "k2":"v2"}. */
static void labels_text(strbuf *out, const char *labels)
{
    const char *pos = labels, *k, *v;
    size_t nk, nv, i = 0;
    sb_putc(out, '{');
    while (hs_labels_next(&pos, &k, &nk, &v, &nv)) {
        if (i++)
            sb_puts(out, ", ");
        quoted(out, k, nk);
        sb_putc(out, ':');
        quoted(out, v, nv);
    }
    sb_putc(out, '}');
}

static void labelsets_text(const hs_task_group *g, strbuf *out)
{
    for (size_t i = 0; i < g->nlabelsets; i++) {
        sb_puts(out, "    labels: ");
        labels_text(out, g->labelsets[i].labels);
        if (g->nlabelsets > 1 || g->labelsets[i].count != g->count)
            sb_printf(out, "   (%zu)", g->labelsets[i].count);
        sb_putc(out, '\n');
    }
}

static void ids_text(const threads_report *r, const hs_task_group *g, strbuf *out)
{
    sb_puts(out, g->count == 1 ? "    goroutine" : "    goroutines");
    for (size_t i = 0; i < g->count && i < TEXT_MAX_IDS; i++)
        sb_printf(out, " %llu", (unsigned long long)r->tasks[g->members[i]].id);
    if (g->count > TEXT_MAX_IDS)
        sb_printf(out, " ... (%zu more)", g->count - TEXT_MAX_IDS);
    sb_putc(out, '\n');
}

static void header_text(const threads_report *r, strbuf *out)
{
    const hs_task_groups *gs = r->groups;
    sb_printf(out, "%s, %s: %zu goroutines", r->version, r->target->description, r->total);
    if (r->all)
        sb_printf(out, " (%zu of them runtime goroutines)", r->nsystem);
    sb_printf(out, "; %zu %s in %zu group%s\n", gs->ntasks, r->all ? "shown" : "blocked", gs->n,
              gs->n == 1 ? "" : "s");
    if (!r->clock_exact)
        sb_puts(out, "(wait times from a core are counted up to the last time the runtime "
                     "recorded, so they are lower bounds)\n");
}

void threads_render_text(const threads_report *r, strbuf *out)
{
    header_text(r, out);
    if (r->nleaked > 0)
        sb_printf(out, "%ld goroutine%s leaked: blocked on objects no running goroutine can reach\n",
                  r->nleaked, r->nleaked == 1 ? "" : "s");
    threads_render_groups_text(r, out);
}

void threads_render_groups_text(const threads_report *r, strbuf *out)
{
    const hs_task_groups *gs = r->groups;
    size_t shown = r->limit > 0 && (size_t)r->limit < gs->n ? (size_t)r->limit : gs->n;
    for (size_t i = 0; i < shown; i++) {
        const hs_task_group *g = &gs->v[i];
        sb_putc(out, '\n');
        state_line(g->first, g->max_wait_ns, g->count, out);
        sb_puts(out, ":\n");
        waits_render_text(r->tasks, g, out);
        frames_text(g->first, TEXT_MAX_FRAMES, out);
        creators_text(g, out);
        labelsets_text(g, out);
        ids_text(r, g, out);
    }
    threads_render_rest_text(gs, shown, "goroutines", out);
}

void threads_render_rest_text(const hs_task_groups *gs, size_t shown, const char *members, strbuf *out)
{
    if (shown >= gs->n)
        return;
    size_t rest = 0;
    for (size_t i = shown; i < gs->n; i++)
        rest += gs->v[i].count;
    sb_printf(out, "\n...%zu more group%s (%zu %s) not shown; use -n 0 to show all\n",
              gs->n - shown, gs->n - shown == 1 ? "" : "s", rest, members);
}

void task_render_text(const threads_report *r, const hs_task *t, strbuf *out)
{
    state_line(t, t->wait_ns, 0, out);
    if (t->tid)
        sb_printf(out, " on thread %d", t->tid);
    sb_puts(out, ":\n");
    size_t self = (size_t)(t - r->tasks);
    hs_task_group alone = {.first = t, .count = 1, .members = &self};
    waits_render_text(r->tasks, &alone, out);
    frames_text(t, (size_t)-1, out);
    if (t->created_by.function) {
        sb_printf(out, "created by %s", t->created_by.function);
        if (t->parent_id)
            sb_printf(out, " in goroutine %llu", (unsigned long long)t->parent_id);
        sb_printf(out, "\n        %s:%d\n", t->created_by.file, t->created_by.line);
    }
    if (t->labels && *t->labels) {
        sb_puts(out, "labels: ");
        labels_text(out, t->labels);
        sb_putc(out, '\n');
    }
}
