/* target_regions.c - every mapped range of a target, file-backed or anonymous (target.h
 * hs_target_regions): a core's PT_LOAD segments (also when a debugger holds the core), a live
 * process's /proc/PID/maps. What a model that must find blocks outside its own metadata (glibc's
 * mmapped chunks) walks. */
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"
#include "host_target.h"
#include "pid_proc.h"
#include "target.h"

static int push(hs_region **v, size_t *n, size_t *cap, hs_region r)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        hs_region *p = realloc(*v, ncap * sizeof *p);
        if (!p)
            return -1;
        *v = p, *cap = ncap;
    }
    (*v)[(*n)++] = r;
    return 0;
}

typedef struct list {
    hs_region **v;
    size_t *n, cap;
} list;

static int one_map(void *ctx, uint64_t start, uint64_t end, const char *perms, uint64_t off,
                   const char *name)
{
    (void)off;
    list *l = ctx;
    hs_region r = {start, end, (perms[0] == 'r' ? 4u : 0) | (perms[1] == 'w' ? 2u : 0) |
                               (perms[2] == 'x' ? 1u : 0), name[0] != 0};
    return push(l->v, l->n, &l->cap, r);
}

int hs_target_regions(hs_target *t, hs_region **out, size_t *n, hs_err *err)
{
    *out = NULL, *n = 0;
    hs_target *core = hs_host_target_core(t); /* a debugger's core: the core file's segments */
    if (core)
        return hs_target_regions(core, out, n, err);
    if (!strcmp(t->kind, "core")) {
        const hs_core_target *c = (const hs_core_target *)t;
        size_t cap = 0;
        for (size_t i = 0; i < c->nsegs; i++) {
            hs_region r = {c->segs[i].vaddr, c->segs[i].vaddr + c->segs[i].memsz, c->segs[i].flags, 0};
            for (size_t j = 0; j < t->nmaps && !r.named; j++)
                r.named = t->maps[j].start < r.end && r.start < t->maps[j].end;
            if (push(out, n, &cap, r) < 0)
                return hs_errf(err, "out of memory listing the core's segments");
        }
        return 0;
    }
    list l = {out, n, 0};
    if (t->live && t->pid > 0)
        return hs_proc_each_map(t->pid, t->pid, one_map, &l, err);
    return hs_errf(err, "%s does not list its memory mappings", t->description);
}

const hs_mapping *hs_target_module_of(const hs_target *t, uint64_t start, uint64_t end)
{
    const hs_mapping *before = NULL;
    for (size_t i = 0; i < t->nmaps; i++) {
        const hs_mapping *m = &t->maps[i];
        if (m->start < end && start < m->end)
            return m;
        if (m->end == start && !before)
            before = m;
    }
    return before;
}
