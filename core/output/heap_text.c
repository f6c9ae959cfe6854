/* heap_text.c - heap-top as text: a header with the runtime's own statistics and the walk's
 * totals, then aligned rows with human sizes, percent and cumulative percent. */
#include <stdio.h>
#include <string.h>

#include "../util/human.h"
#include "heap_report.h"

#define TEXT_SITE_FRAMES 4

static void memstats_text(const go_memstats *m, strbuf *out)
{
    static const enum go_memstat sizes[] = {GO_MS_HEAP_ALLOC, GO_MS_HEAP_SYS, GO_MS_HEAP_INUSE,
                                            GO_MS_HEAP_IDLE, GO_MS_HEAP_RELEASED, GO_MS_TOTAL_ALLOC,
                                            GO_MS_SYS, GO_MS_NEXT_GC};
    static const enum go_memstat counts[] = {GO_MS_HEAP_OBJECTS, GO_MS_MALLOCS, GO_MS_FREES,
                                             GO_MS_NUM_GC};
    char b[48];
    int n = 0;
    sb_puts(out, "runtime.MemStats:");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (m->have[sizes[i]]) {
            hs_format_bytes(m->v[sizes[i]], b, sizeof b);
            sb_printf(out, "%s %s %s", n++ % 4 == 3 ? "\n   " : "", go_memstat_name(sizes[i]), b);
        }
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        if (m->have[counts[i]])
            sb_printf(out, "%s %s %llu", n++ % 4 == 3 ? "\n   " : "", go_memstat_name(counts[i]),
                      (unsigned long long)m->v[counts[i]]);
    if (m->have[GO_MS_LAST_GC]) {
        hs_format_unix_ns(m->v[GO_MS_LAST_GC], b, sizeof b);
        sb_printf(out, "\n    LastGC %s", b);
    }
    sb_putc(out, '\n');
}

static void stats_text(const heap_report *r, strbuf *out)
{
    char b[48];
    sb_printf(out, "%s:", r->stats_title);
    for (size_t i = 0; i < r->nstats; i++) {
        if (r->stats[i].bytes)
            hs_format_bytes(r->stats[i].v, b, sizeof b);
        else
            snprintf(b, sizeof b, "%llu", (unsigned long long)r->stats[i].v);
        sb_printf(out, "%s %s %s", i && i % 5 == 0 ? "\n   " : "", r->stats[i].key, b);
    }
    sb_putc(out, '\n');
}

static void reach_text(const heap_report *r, strbuf *out)
{
    const heap_reach *x = r->reach;
    char n[32], b[48];
    if (r->reach_note) {
        sb_printf(out, "%s\n", r->reach_note);
        return;
    }
    if (!x) {
        sb_puts(out, "reachability unknown (see the warnings)\n");
        return;
    }
    hs_format_count(x->unreachable_objects, n, sizeof n);
    hs_format_bytes(x->unreachable_bytes, b, sizeof b);
    sb_printf(out, "garbage not yet collected: %s objects, %s", n, b);
    hs_format_count(x->live_objects, n, sizeof n);
    hs_format_bytes(x->live_bytes, b, sizeof b);
    sb_printf(out, "; reachable: %s objects, %s\n", n, b);
    hs_format_bytes(x->conservative_bytes, b, sizeof b);
    sb_printf(out, "(marked from globals, %llu goroutines' stacks (%llu of %llu frames by their stack "
              "maps) and finalizers; %s of stacks and registers scanned conservatively)\n",
              (unsigned long long)x->goroutines, (unsigned long long)x->frames_precise,
              (unsigned long long)x->frames, b);
}

static void header_text(const heap_report *r, strbuf *out)
{
    char b[48];
    hs_format_bytes(r->bytes, b, sizeof b);
    static const char *const what[] = {"allocated objects (heap walk)",
                                       "reachable objects (marked from every root)",
                                       "unreachable objects (garbage not yet collected)"};
    sb_printf(out, "%s, %s: %s in %llu %s\n", r->version, r->target->description, b,
              (unsigned long long)r->objects, r->objects_word ? r->objects_word : what[r->which]);
    if (r->memstats)
        memstats_text(r->memstats, out);
    else if (r->stats_title)
        stats_text(r, out);
    reach_text(r, out);
    if (r->have_typed && r->bytes)
        sb_printf(out, "types known for %.1f%% of the bytes\n", 100.0 * (double)r->typed_bytes / (double)r->bytes);
    if (r->notes && *r->notes)
        sb_puts(out, r->notes);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* A site: where the allocation happened, then who called it. */
static void site_frames(const heap_row *row, strbuf *out)
{
    sb_printf(out, "%41s at %s:%d\n", "", base_name(row->frames[0].file), row->frames[0].line);
    for (uint32_t i = 1; i < row->nframes && i <= TEXT_SITE_FRAMES; i++)
        sb_printf(out, "%41s <- %s %s:%d\n", "", row->symbols ? row->symbols[i] : row->frames[i].function,
                  base_name(row->frames[i].file), row->frames[i].line);
    if (row->nframes > TEXT_SITE_FRAMES + 1)
        sb_printf(out, "%41s ...%u more frames (--json shows all)\n", "",
                  (unsigned)(row->nframes - TEXT_SITE_FRAMES - 1));
}

static const char *name_column(enum heap_by by)
{
    return by == HEAP_BY_SITE ? "allocation site" : by == HEAP_BY_TYPE ? "type"
           : by == HEAP_BY_ROOT ? "root (what it alone keeps alive)" : "size class";
}

void heap_render_text(const heap_report *r, strbuf *out)
{
    header_text(r, out);
    size_t shown = r->limit > 0 && (size_t)r->limit < r->nrows ? (size_t)r->limit : r->nrows;
    sb_printf(out, "\n%12s %7s %7s %12s  ", r->by == HEAP_BY_ROOT ? "retained" : "inuse", "%", "cum%",
              "objects");
    if (r->have_retained)
        sb_printf(out, "%12s  ", "retained");
    sb_printf(out, "%s\n", name_column(r->by));
    double cum = 0;
    for (size_t i = 0; i < shown; i++) {
        const heap_row *row = &r->rows[i];
        char b[48], k[48];
        hs_format_bytes(row->bytes, b, sizeof b);
        double pct = r->rows_bytes ? 100.0 * (double)row->bytes / (double)r->rows_bytes : 0;
        cum += pct;
        sb_printf(out, "%12s %6.1f%% %6.1f%% %12llu  ", b, pct, cum, (unsigned long long)row->objects);
        if (r->have_retained) {
            hs_format_bytes(row->retained_bytes, k, sizeof k);
            sb_printf(out, "%12s  ", k);
        }
        sb_printf(out, "%s\n", row->name);
        if (row->nframes)
            site_frames(row, out);
    }
    if (shown < r->nrows)
        sb_printf(out, "...%zu more rows; use -n 0 to show all\n", r->nrows - shown);
}
