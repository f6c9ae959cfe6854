/* group_waits.c - a task group's waits summed up (see group_waits.h). */
#include "group_waits.h"

#include <stdint.h>
#include <stdlib.h>

static int by_addr(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int same_path(const hs_waits_on *a, const hs_waits_on *b)
{
    if (a->holder != b->holder || a->nsteps != b->nsteps) /* interned: equal strings, equal pointers */
        return 0;
    for (uint32_t i = 0; i < a->nsteps; i++)
        if (a->steps[i] != b->steps[i])
            return 0;
    return 1;
}

static size_t distinct(uint64_t *addrs, size_t n)
{
    if (n > 1)
        qsort(addrs, n, sizeof *addrs, by_addr);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += i == 0 || addrs[i] != addrs[i - 1];
    return d;
}

int hs_group_waits_sum(const hs_task *tasks, const hs_task_group *g, hs_group_waits *out)
{
    *out = (hs_group_waits){NULL, NULL, 0, 1, 1, 1, 0};
    uint64_t *addrs = malloc((g->count + 1) * sizeof *addrs);
    size_t n = 0;
    for (size_t i = 0; i < g->count; i++) {
        const hs_waits_on *w = tasks[g->members[i]].waits_on;
        if (!w)
            continue;
        if (!out->first)
            out->first = w;
        if (w->holder && !out->held)
            out->held = w;
        const hs_waits_on *f = out->first;
        out->same_type &= w->type == f->type;
        out->same_buffer &= w->len == f->len && w->cap == f->cap;
        out->nheld += w->holder != NULL;
        if (w->holder)
            out->same_holder &= same_path(w, out->held);
        if (addrs && w->addr)
            addrs[n++] = w->addr;
    }
    int ok = addrs != NULL;
    out->nobjects = distinct(addrs, n);
    free(addrs);
    return ok ? 0 : -1;
}
