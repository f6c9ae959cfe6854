/* rt_world.h - a stored Go core opened once for the runtime-walker fuzz targets: the core and
 * its executable, an overlay target over the core, the Go runtime model opened on the overlay,
 * and "anchors": addresses of runtime structures (allgs, each g, each m, stacks, ...) that fuzz
 * records patch relative to, so a few input bytes land on bytes that matter. */
#ifndef HS_FUZZ_RT_WORLD_H
#define HS_FUZZ_RT_WORLD_H

#include "fuzz_util.h"
#include "go/go_runtime.h"
#include "overlay_target.h"

enum { W_MAX_KINDS = 24, W_MAX_ANCHORS = 256 };

typedef struct w_anchors {
    const char *what;
    uint64_t addr[W_MAX_ANCHORS];
    size_t n;
} w_anchors;

typedef struct rt_world {
    const char *name;   /* "go1.26.10/blocked" */
    hs_target *core;
    hs_image *exe;
    ov_target ov;
    go_rt *rt;
    w_anchors kinds[W_MAX_KINDS];
    size_t nkinds;
} rt_world;

/* Opens DATA/<name>/{core,exe} and the runtime model; NULL when the files are missing or the
 * model does not open (the message goes to stderr). Anchors: allgs header, allm variable, the
 * allgs array, every g, every m, each g's saved SP, runtime.sched, the scratch area, each
 * thread's SP; add more with w_anchor. */
rt_world *w_open(const char *name);
void w_anchor(rt_world *w, const char *what, uint64_t addr);
/* Starts a new kind of anchors; returns its index. */
size_t w_kind(rt_world *w, const char *what);

/* A word of the (unpatched) core, 0 when unreadable; a symbol's run-time address, 0 when absent. */
uint64_t w_read(rt_world *w, uint64_t addr);
uint64_t w_sym(rt_world *w, const char *name);

/* Applies an input as patch records until it runs out (see fuzz_goroutines.c for the format). */
void w_apply(rt_world *w, fz_cursor *c);

#endif
