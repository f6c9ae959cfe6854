/* heap_holders_glibc.c - who holds what on a glibc heap (heap_holders_glibc.h). */
#include <stdio.h>
#include <string.h>

#include "heap_holders_glibc.h"
#include "stack_frames.h"

static int poll_target(void *ctx) { return hs_interrupted(ctx); }

int glibc_analysis_open(glibc_analysis *ga, hs_session *s, strbuf *msgs, hs_err *err)
{
    memset(ga, 0, sizeof *ga);
    if (hs_session_release(s, msgs, err) < 0 || glibc_heap_open(&ga->h, s->target, err) < 0)
        return -1;
    ga->open = 1;
    snprintf(ga->version, sizeof ga->version, "glibc %s", ga->h.version);
    hs_err verr;
    if (vtable_names_open(&ga->vt, s->target, &verr) < 0)
        sb_printf(msgs, "warning: C++ classes not named: %s\n", verr.msg);
    if (glibc_graph_build(&ga->h, ga->vt, GLIBC_GRAPH_HOLDERS, &ga->gg, err) < 0) {
        glibc_analysis_close(ga);
        return -1;
    }
    return 0;
}

void glibc_analysis_close(glibc_analysis *ga)
{
    glibc_graph_free(&ga->gg);
    vtable_names_close(ga->vt);
    if (ga->open)
        glibc_heap_close(&ga->h);
    memset(ga, 0, sizeof *ga);
}

/* A block is a step named by its class, or its size. */
static uint32_t step(void *ctx, hs_oid obj, uint32_t name, uint32_t tag)
{
    (void)ctx, (void)obj, (void)tag;
    return name;
}

int glibc_holders_open(heap_holders *hh, glibc_graph *gg, hs_target *t, const char *version, int what,
                       strbuf *msgs, hs_err *err)
{
    memset(hh, 0, sizeof *hh);
    hh->g = gg->g;
    hh->version = version;
    hh->native = 1;
    hh->arch = t->arch;
    const uint8_t *live = hs_mark_bits(gg->m);
    int r = hs_units_build(gg->g, &hh->units, err);
    if (r == 0 && (what & HOLD_PATHS)) {
        hs_err ferr; /* no walk (arm64, no CFI): stack words fall back to `stack of thread N` */
        if (stack_frames_open(&hh->frames, t, &ferr) < 0) {
            hh->frames = NULL;
            if (msgs)
                sb_printf(msgs, "warning: stack roots named by thread only, not by frame: %s\n", ferr.msg);
        }
        hs_chain_namer nm = {heap_holders_label, step, hh};
        r = hs_paths_build(&hh->paths, gg->g, live, hh->units.unit_of, hh->units.n, poll_target, t,
                           t->progress, err);
        if (r == 0)
            r = hs_chains_build(&hh->chains, gg->g, hh->paths, &hh->units, &nm, err);
    }
    if (r == 0 && (what & HOLD_DOMINATORS))
        r = hs_dom_build(&hh->dom, gg->g, live, hh->units.unit_of, hh->units.n, poll_target, t,
                         t->progress, err);
    if (r < 0)
        heap_holders_close(hh);
    return r;
}
