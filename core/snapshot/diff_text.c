/* diff_text.c - snapshot-diff as text: totals, the runtime statistics (or glibc's mallinfo2) that
 * changed, heap rows by growth, and goroutine (or thread) groups that changed. */
#include <stdio.h>
#include <string.h>

#include "../util/human.h"
#include "diff_report.h"
#include "user_frame.h"

static void signed_bytes(int64_t v, char *buf, size_t cap)
{
    char b[40];
    hs_format_bytes((uint64_t)(v < 0 ? -v : v), b, sizeof b);
    snprintf(buf, cap, "%c%s", v < 0 ? '-' : '+', b);
}

/* "function file:line" of the frame a reader names the group by. */
static void group_where(const cJSON *frames, char *buf, size_t cap)
{
    const cJSON *pick = snapshot_user_frame(frames);
    const cJSON *fn = pick ? cJSON_GetObjectItemCaseSensitive(pick, "function") : NULL;
    const cJSON *file = pick ? cJSON_GetObjectItemCaseSensitive(pick, "file") : NULL;
    const cJSON *line = pick ? cJSON_GetObjectItemCaseSensitive(pick, "line") : NULL;
    const char *base = cJSON_IsString(file) ? strrchr(file->valuestring, '/') : NULL;
    snprintf(buf, cap, "%s %s:%d", cJSON_IsString(fn) ? fn->valuestring : "?",
             base ? base + 1 : cJSON_IsString(file) ? file->valuestring : "?",
             cJSON_IsNumber(line) ? line->valueint : 0);
}

static void stats_text(const snap_diff *d, strbuf *out)
{
    int shown = 0;
    const char *title = d->b->native ? "mallinfo2 changes:" : "runtime.MemStats changes:";
    for (size_t i = 0; i < d->nstats; i++) {
        const diff_stat *s = &d->stats[i];
        if (s->old_value == s->new_value)
            continue;
        sb_printf(out, "%s %s %.0f -> %.0f (%+.0f)", shown++ ? "," : title, s->key,
                  s->old_value, s->new_value, s->new_value - s->old_value);
    }
    if (shown)
        sb_putc(out, '\n');
}

static void rows_text(const char *title, const diff_rows *r, long limit, strbuf *out)
{
    if (!r->present || r->n == 0)
        return;
    size_t n = limit > 0 && (size_t)limit < r->n ? (size_t)limit : r->n;
    sb_printf(out, "\nheap %s, largest growth first:\n%12s %12s %12s  %s\n", title, "delta",
              "objects", "now", "name");
    for (size_t i = 0; i < n; i++) {
        char db[48], now[48];
        signed_bytes(r->v[i].dbytes, db, sizeof db);
        hs_format_bytes(r->v[i].bytes, now, sizeof now);
        sb_printf(out, "%12s %+12lld %12s  %s\n", db, (long long)r->v[i].dobjects, now, r->v[i].name);
    }
    if (n < r->n)
        sb_printf(out, "...%zu more rows changed; use -n 0 to show all\n", r->n - n);
}

static void groups_text(const snap_diff *d, long limit, strbuf *out)
{
    if (d->ngroups == 0)
        return;
    size_t n = limit > 0 && (size_t)limit < d->ngroups ? (size_t)limit : d->ngroups;
    sb_printf(out, "\n%s groups that changed:\n%8s %8s  %-10s %s\n", d->b->native ? "thread" : "goroutine",
              "delta", "now", "change", "state, where");
    for (size_t i = 0; i < n; i++) {
        const diff_group *g = &d->groups[i];
        char where[512];
        group_where(g->frames, where, sizeof where);
        sb_printf(out, "%+8lld %8llu  %-10s [%s] %s\n", (long long)g->dcount, (unsigned long long)g->count,
                  g->change, g->state, where);
    }
    if (n < d->ngroups)
        sb_printf(out, "...%zu more groups changed; use -n 0 to show all\n", d->ngroups - n);
}

void diff_render_text(const snap_diff *d, long limit, strbuf *out)
{
    char db[48];
    signed_bytes(d->dheap_bytes, db, sizeof db);
    sb_printf(out, "%s (%s) -> %s (%s), %.1f s apart\n", d->a->path, d->a->description, d->b->path,
              d->b->description, d->elapsed);
    if (d->b->native && d->heap)
        sb_printf(out, "%s heap %s (%+lld blocks), threads %+lld\n", d->b->heap_runtime, db,
                  (long long)d->dheap_objects, (long long)d->dgoroutines);
    else if (d->b->native)
        sb_printf(out, "threads %+lld (no heap: %s holds none)\n", (long long)d->dgoroutines,
                  d->a->heap_runtime ? d->b->path : d->a->path);
    else
        sb_printf(out, "%s %s (%+lld objects), goroutines %+lld\n", d->live ? "reachable heap" : "heap",
                  db, (long long)d->dheap_objects, (long long)d->dgoroutines);
    if (d->live)
        sb_puts(out, "(reachable objects only, as marked from every root: garbage not yet collected "
                "is left out)\n");
    stats_text(d, out);
    rows_text("by type", &d->types, limit, out);
    rows_text("by allocation site", &d->sites, limit, out);
    rows_text("by root (what each keeps alive alone)", &d->roots, limit, out);
    groups_text(d, limit, out);
    if (!d->types.n && !d->sites.n && !d->roots.n && !d->ngroups)
        sb_puts(out, "\nnothing changed\n");
}
