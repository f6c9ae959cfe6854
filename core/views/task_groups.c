/* task_groups.c - grouping tasks by state and stack (see task_groups.h). */
#include "task_groups.h"

#include <stdlib.h>
#include <string.h>

typedef struct sort_ctx_item {
    const hs_task *t;
    size_t index;
} item;

static int same_frame(const hs_frame *a, const hs_frame *b)
{
    return a->line == b->line && strcmp(a->function, b->function) == 0 &&
           strcmp(a->file, b->file) == 0;
}

static int item_cmp(const void *pa, const void *pb)
{
    const hs_task *a = ((const item *)pa)->t, *b = ((const item *)pb)->t;
    if (a->stack_id != b->stack_id)
        return a->stack_id < b->stack_id ? -1 : 1;
    int c = strcmp(a->state, b->state);
    if (c)
        return c;
    if (a->leaked != b->leaked)
        return a->leaked > b->leaked ? -1 : 1;
    size_t ia = ((const item *)pa)->index, ib = ((const item *)pb)->index;
    return ia < ib ? -1 : ia > ib;
}

static int group_cmp(const void *pa, const void *pb)
{
    const hs_task_group *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->max_wait_ns != b->max_wait_ns)
        return a->max_wait_ns > b->max_wait_ns ? -1 : 1;
    int c = strcmp(a->first->state, b->first->state);
    if (c)
        return c;
    if (a->first->leaked != b->first->leaked)
        return a->first->leaked > b->first->leaked ? -1 : 1;
    return a->first->id < b->first->id ? -1 : a->first->id > b->first->id;
}

int hs_labels_next(const char **pos, const char **key, size_t *nkey, const char **value,
                   size_t *nvalue)
{
    const char *p = *pos;
    if (!p || !*p)
        return 0;
    const char *us = strchr(p, HS_LABEL_US);
    if (!us)
        return 0;
    const char *rs = strchr(us + 1, HS_LABEL_RS), *end = rs ? rs : us + 1 + strlen(us + 1);
    *key = p;
    *nkey = (size_t)(us - p);
    *value = us + 1;
    *nvalue = (size_t)(end - us - 1);
    *pos = *end ? end + 1 : end;
    return 1;
}

int hs_labels_has(const char *labels, const char *kv)
{
    const char *eq = strchr(kv, '='), *pos = labels, *k, *v;
    size_t nk, nv;
    if (!eq)
        return 0;
    while (hs_labels_next(&pos, &k, &nk, &v, &nv))
        if (nk == (size_t)(eq - kv) && memcmp(k, kv, nk) == 0 && strlen(eq + 1) == nv &&
            memcmp(v, eq + 1, nv) == 0)
            return 1;
    return 0;
}

/* 1 when one of t's frames is in one of the functions f ignores (goleak's IgnoreAnyFunction). */
static int ignored(const hs_task *t, const hs_group_filter *f)
{
    for (uint32_t i = 0; i < t->nframes; i++)
        for (size_t k = 0; k < f->nignore; k++)
            if (t->frames[i].function && strcmp(t->frames[i].function, f->ignore[k]) == 0)
                return 1;
    return 0;
}

static int keep(const hs_task *t, const hs_group_filter *f)
{
    if ((!f->system && t->system) || (!f->all && !t->blocked) || ignored(t, f))
        return 0;
    if (f->label && !hs_labels_has(t->labels, f->label))
        return 0;
    if (f->min_wait_ns > 0 && (t->wait_ns < 0 || t->wait_ns < f->min_wait_ns))
        return 0;
    return !f->leaked_only || t->leaked == 1;
}

static void add_creator(hs_task_group *g, const hs_frame *cb)
{
    if (!cb->function)
        return;
    for (size_t i = 0; i < g->ncreators; i++)
        if (same_frame(&g->creators[i].frame, cb)) {
            g->creators[i].count++;
            return;
        }
    hs_creator_count *v = realloc(g->creators, (g->ncreators + 1) * sizeof *v);
    if (!v)
        return;
    g->creators = v;
    g->creators[g->ncreators++] = (hs_creator_count){*cb, 1};
}

static void add_labels(hs_task_group *g, const char *labels)
{
    if (!labels || !*labels)
        return;
    for (size_t i = 0; i < g->nlabelsets; i++)
        if (strcmp(g->labelsets[i].labels, labels) == 0) {
            g->labelsets[i].count++;
            return;
        }
    hs_labels_count *v = realloc(g->labelsets, (g->nlabelsets + 1) * sizeof *v);
    if (!v)
        return;
    g->labelsets = v;
    g->labelsets[g->nlabelsets++] = (hs_labels_count){labels, 1};
}

static int labels_cmp(const void *pa, const void *pb)
{
    const hs_labels_count *a = pa, *b = pb;
    return a->count != b->count ? (a->count > b->count ? -1 : 1) : strcmp(a->labels, b->labels);
}

static int creator_cmp(const void *pa, const void *pb)
{
    const hs_creator_count *a = pa, *b = pb;
    return a->count != b->count ? (a->count > b->count ? -1 : 1) : 0;
}

/* Closes the run items[start, end) into one group. */
static int make_group(hs_task_groups *out, const item *items, size_t start, size_t end)
{
    hs_task_group *g = &out->v[out->n];
    memset(g, 0, sizeof *g);
    g->first = items[start].t;
    g->count = end - start;
    g->max_wait_ns = -1;
    g->members = malloc(g->count * sizeof *g->members);
    if (!g->members)
        return -1;
    for (size_t i = start; i < end; i++) {
        const hs_task *t = items[i].t;
        g->members[i - start] = items[i].index;
        if (t->wait_ns > g->max_wait_ns)
            g->max_wait_ns = t->wait_ns;
        add_creator(g, &t->created_by);
        add_labels(g, t->labels);
    }
    if (g->nlabelsets > 1)
        qsort(g->labelsets, g->nlabelsets, sizeof *g->labelsets, labels_cmp);
    if (g->ncreators > 1)
        qsort(g->creators, g->ncreators, sizeof *g->creators, creator_cmp);
    out->n++;
    out->ntasks += g->count;
    return 0;
}

int hs_task_groups_build(const hs_task *tasks, size_t n, const hs_group_filter *f,
                         hs_task_groups *out)
{
    memset(out, 0, sizeof *out);
    item *items = malloc((n ? n : 1) * sizeof *items);
    out->v = malloc((n ? n : 1) * sizeof *out->v);
    if (!items || !out->v) {
        free(items);
        free(out->v);
        out->v = NULL;
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (keep(&tasks[i], f))
            items[k++] = (item){&tasks[i], i};
    if (k > 1)
        qsort(items, k, sizeof *items, item_cmp);
    int r = 0;
    for (size_t s = 0, e; s < k && r == 0; s = e) {
        for (e = s + 1; e < k && items[e].t->stack_id == items[s].t->stack_id &&
                        strcmp(items[e].t->state, items[s].t->state) == 0 &&
                        items[e].t->leaked == items[s].t->leaked;
             e++)
            ;
        r = make_group(out, items, s, e);
    }
    free(items);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, group_cmp);
    if (r < 0)
        hs_task_groups_free(out);
    return r;
}

void hs_task_groups_free(hs_task_groups *g)
{
    for (size_t i = 0; g->v && i < g->n; i++) {
        free(g->v[i].members);
        free(g->v[i].creators);
        free(g->v[i].labelsets);
    }
    free(g->v);
    memset(g, 0, sizeof *g);
}
