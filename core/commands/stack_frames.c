/* stack_frames.c - the frame that holds a stack word (stack_frames.h).
 *
 * Which memory is a frame's (amd64, the only architecture the native unwinder walks): call
 * pushes the return address, so a frame's canonical frame address (CFA) is its caller's stack
 * pointer at the call, just above that return address. libdwfl unwinds a caller's SP to the CFA
 * of the frame it called; with SP[0] the thread's rsp and SP[i+1] = CFA[i], frame i owns
 * [SP[i], SP[i+1]): its locals, saved registers and spilled arguments, and, at its top, the
 * return address into its caller. The innermost frame also owns the 128-byte red zone below
 * rsp (the System V ABI lets a leaf function keep data there; glibc_roots.c scans it). The
 * outermost frame walked has no known top: words at or above its SP, or above any frame whose
 * caller's SP libdwfl could not give, have no frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack_frames.h"

#define RED_ZONE 128

struct stack_frames {
    native_unwinder *u;
    stack_frame *v;     /* every thread's frames, innermost first */
    size_t n;
    uint32_t *first;    /* per thread of the target: its frames v[first[i] .. first[i+1]) */
    size_t nthreads;
};

/* Frame j of stack st (physical), named as the native model names it; its number counted in
 * *number (the frames listed before it). */
static int name_frame(native_unwinder *u, const native_stack *st, const uint64_t *pcs, uint32_t j,
                      uint32_t *number, stack_frame *f, hs_err *err)
{
    const hs_frame *fs;
    uint32_t k;
    uint64_t pc = pcs[st->first + j];
    if (native_symbolize(u, pc, j == 0, &fs, &k, err) < 0)
        return -1;
    f->number = *number + (k ? k - 1 : 0);
    *number += k;
    const hs_frame *phys = k ? &fs[k - 1] : NULL;
    f->function = phys ? phys->function : "?";
    f->file = phys ? phys->file : "?";
    f->line = phys ? phys->line : 0;
    if (native_module_of(u, j == 0 || pc == 0 ? pc : pc - 1, &f->module, &f->offset) < 0)
        f->module = NULL;
    return 0;
}

/* Thread i's frames with a known top into sf->v. */
static int add_thread(stack_frames *sf, const native_stack *st, const uint64_t *pcs, const uint64_t *sps,
                      hs_err *err)
{
    uint32_t number = 0;
    for (uint32_t j = 0; j + 1 < st->n; j++) {
        uint64_t lo = sps[st->first + j], hi = sps[st->first + j + 1];
        if (!lo || hi <= lo)
            break;
        stack_frame *f = &sf->v[sf->n];
        memset(f, 0, sizeof *f);
        if (name_frame(sf->u, st, pcs, j, &number, f, err) < 0)
            return -1;
        f->lo = j == 0 && lo > RED_ZONE ? lo - RED_ZONE : lo;
        f->hi = hi;
        sf->n++;
    }
    return 0;
}

int stack_frames_open(stack_frames **out, hs_target *t, hs_err *err)
{
    *out = NULL;
    stack_frames *sf = calloc(1, sizeof *sf);
    native_stack *st = calloc(t->nthreads ? t->nthreads : 1, sizeof *st);
    uint64_t *pcs = NULL, *sps = NULL;
    size_t npcs = 0;
    int rc = !sf || !st ? hs_errf(err, "out of memory for %zu threads' frames", t->nthreads)
                        : native_unwinder_open(&sf->u, t, NULL, err);
    if (rc == 0)
        rc = native_unwind_sps(sf->u, st, &pcs, &sps, &npcs, err);
    if (rc == 0 && (!(sf->v = calloc(npcs ? npcs : 1, sizeof *sf->v)) ||
                    !(sf->first = calloc(t->nthreads + 1, sizeof *sf->first))))
        rc = hs_errf(err, "out of memory for %zu frames", npcs);
    for (size_t i = 0; rc == 0 && i < t->nthreads; i++) {
        sf->first[i] = (uint32_t)sf->n;
        rc = add_thread(sf, &st[i], pcs, sps, err);
    }
    if (rc == 0) {
        sf->first[t->nthreads] = (uint32_t)sf->n;
        sf->nthreads = t->nthreads;
    }
    free(st);
    free(pcs);
    free(sps);
    if (rc < 0) {
        stack_frames_close(sf);
        return -1;
    }
    *out = sf;
    return 0;
}

void stack_frames_close(stack_frames *sf)
{
    if (!sf)
        return;
    native_unwinder_close(sf->u);
    free(sf->v);
    free(sf->first);
    free(sf);
}

const stack_frame *stack_frames_find(const stack_frames *sf, size_t thread, uint64_t addr)
{
    if (!sf || thread >= sf->nthreads)
        return NULL;
    for (uint32_t i = sf->first[thread]; i < sf->first[thread + 1]; i++)
        if (addr >= sf->v[i].lo && addr < sf->v[i].hi)
            return &sf->v[i];
    return NULL;
}

void stack_frame_label(const stack_frame *f, char *buf, size_t cap)
{
    const char *base = strrchr(f->file, '/');
    char place[300] = "";
    if (f->line > 0)
        snprintf(place, sizeof place, "%s:%d", base ? base + 1 : f->file, f->line);
    else if (f->module)
        snprintf(place, sizeof place, "%s+0x%llx", f->module, (unsigned long long)f->offset);
    if (!place[0] || !strcmp(place, f->function)) /* no symbol: the function is module+offset */
        snprintf(buf, cap, "frame #%u %s", f->number, f->function);
    else
        snprintf(buf, cap, "frame #%u %s (%s)", f->number, f->function, place);
}
