/* progress.c - throttled progress lines (progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "human.h"

#define EVERY_NS 250000000LL  /* at most four lines a second */
#define DELAY_NS 1000000000LL /* nothing for work shorter than this */

void hs_progress_init(hs_progress *p, void (*show)(void *ctx, const char *line), void *ctx)
{
    *p = (hs_progress){.show = show, .ctx = ctx, .delay_ns = DELAY_NS, .every_ns = EVERY_NS};
    const char *env = getenv("HEAPSCOPE_PROGRESS_DELAY_MS");
    if (env && *env)
        p->delay_ns = strtoll(env, NULL, 10) * 1000000LL;
    if (p->delay_ns < 0)
        p->delay_ns = 0;
    if (p->delay_ns < p->every_ns)
        p->every_ns = p->delay_ns;
}

void hs_progress_start(hs_progress *p)
{
    p->start_ns = hs_mono_ns();
    p->next_ns = p->start_ns + p->delay_ns;
    p->phase = NULL;
}

void hs_progress_phase(hs_progress *p, const char *phase, uint64_t total, hs_prog_unit unit)
{
    if (!p || !p->show)
        return;
    p->phase = phase, p->total = total, p->unit = unit;
    hs_progress_update(p, 0);
}

/* "12.3M" for a count. */
static void short_count(uint64_t n, char *buf, size_t cap)
{
    if (n >= 1000000)
        snprintf(buf, cap, "%.1fM", (double)n / 1e6);
    else if (n >= 10000)
        snprintf(buf, cap, "%.1fk", (double)n / 1e3);
    else
        snprintf(buf, cap, "%llu", (unsigned long long)n);
}

static void amount(const hs_progress *p, uint64_t n, char *buf, size_t cap)
{
    if (p->unit == HS_PROG_BYTES)
        hs_format_bytes(n, buf, cap);
    else
        short_count(n, buf, cap);
}

void hs_progress_update(hs_progress *p, uint64_t done)
{
    if (!p || !p->show || !p->phase)
        return;
    int64_t now = hs_mono_ns();
    if (now < p->next_ns)
        return;
    p->next_ns = now + p->every_ns;
    char line[160], d[32], t[32];
    amount(p, done, d, sizeof d);
    amount(p, p->total, t, sizeof t);
    if (p->unit == HS_PROG_PERCENT && p->total)
        snprintf(line, sizeof line, "%s %.0f%%", p->phase, 100.0 * (double)done / (double)p->total);
    else if (p->total)
        snprintf(line, sizeof line, "%s %s/%s", p->phase, d, t);
    else
        snprintf(line, sizeof line, "%s %s", p->phase, d);
    p->shown = 1;
    p->show(p->ctx, line);
}

void hs_progress_clear(hs_progress *p)
{
    if (p && p->show && p->shown)
        p->show(p->ctx, "");
    if (p)
        p->shown = 0;
}
