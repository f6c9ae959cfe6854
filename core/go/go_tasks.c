/* go_tasks.c - goroutines to task records (see go_tasks.h). */
#include "go_tasks.h"

#include <stdlib.h>
#include <string.h>

/* "created by F" as the runtime prints it: the function holding the go statement (not an
 * inlined callee), with the file and line of the statement itself. Like the runtime's crash
 * traceback (and like heapscope's stacks, which show runtime frames), also for goroutines the
 * runtime started itself ("created by runtime.gcenable"); never for goroutine 1. */
static hs_frame creator(const go_rt *rt, go_goroutines *gs, const go_goroutine *g)
{
    hs_frame f = {0};
    uint32_t n, id = g->created_by;
    const hs_frame *fr = id == UINT32_MAX ? NULL : go_stacks_frames(gs->stacks, rt->pcln, id, &n);
    if (!fr || n == 0 || g->goid == 1 || !strchr(fr[n - 1].function, '.'))
        return f;
    f = fr[0];
    f.function = fr[n - 1].function;
    f.inlined = 0;
    return f;
}

int go_tasks_build(const go_rt *rt, go_goroutines *gs, hs_task **out, hs_err *err)
{
    hs_task *v = calloc(gs->n ? gs->n : 1, sizeof *v);
    if (!v)
        return hs_errf(err, "out of memory for %zu task records", gs->n);
    const go_offsets *o = &rt->off;
    for (size_t i = 0; i < gs->n; i++) {
        const go_goroutine *g = &gs->v[i];
        hs_task *t = &v[i];
        int truncated = 0;
        uint32_t npcs;
        go_stacks_pcs(gs->stacks, g->stack, &npcs, &truncated);
        t->id = g->goid;
        t->addr = g->g;
        t->state = go_goroutine_state(rt, g);
        t->blocked = g->status == (uint32_t)o->gwaiting || g->status == (uint32_t)o->gsyscall ||
                     (o->gleaked >= 0 && g->status == (uint32_t)o->gleaked);
        t->system = g->system;
        t->truncated = (uint8_t)truncated;
        t->tid = g->tid;
        t->stack_id = g->stack;
        t->frames = go_stacks_frames(gs->stacks, rt->pcln, g->stack, &t->nframes);
        t->created_by = creator(rt, gs, g);
        t->parent_id = g->parent_goid;
        t->labels = g->labels ? hs_strtab_str(gs->labels, g->labels) : NULL;
        t->wait_ns = -1;
        t->leaked = -1;
        if (g->waitsince > 0 && gs->now >= g->waitsince)
            t->wait_ns = gs->now - g->waitsince;
    }
    *out = v;
    return 0;
}
