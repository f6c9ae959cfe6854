/* heap_holders_glibc.h - who holds what on a C/C++ program's glibc heap, for heap-paths and
 * heap-top --by root: the conservative graph with its global variables as roots of their own
 * (glibc_graph.h, GLIBC_GRAPH_HOLDERS) in the structures heap_holders.h gives Go's heap: root
 * units (a global variable; a module's other data; a thread: its stack and registers), the
 * shortest paths and their chains (a step per block, named by its class or size), the dominator
 * tree. Roots are named as glibc_root_label says: `g_cache+0x18`, `stack of thread 42`,
 * `thread 42 register rax`; with HOLD_PATHS a stack word by its thread and the frame that holds
 * it (stack_frames.h): `thread 42 frame #1 worker(void*) (server.cpp:57)`. */
#ifndef HS_HEAP_HOLDERS_GLIBC_H
#define HS_HEAP_HOLDERS_GLIBC_H

#include "../glibc/glibc_graph.h"
#include "heap_holders.h"

/* A session's glibc heap, walked and marked for who holds what. */
typedef struct glibc_analysis {
    glibc_heap h;
    vtable_names *vt;
    glibc_graph gg;
    char version[32]; /* "glibc 2.36" */
    int open;
} glibc_analysis;

/* Opens s's glibc heap (classes from vtables: a warning into msgs when they cannot be read) and
 * builds and marks its graph for holders. */
int glibc_analysis_open(glibc_analysis *ga, hs_session *s, strbuf *msgs, hs_err *err);
void glibc_analysis_close(glibc_analysis *ga);

/* Builds what `what` asks (HOLD_PATHS | HOLD_DOMINATORS) over gg (built with
 * GLIBC_GRAPH_HOLDERS) of target t; close with heap_holders_close. Paths name a stack word by
 * its frame; when the threads cannot be unwound, by its thread only, with a warning into msgs
 * (NULL: none). */
int glibc_holders_open(heap_holders *hh, glibc_graph *gg, hs_target *t, const char *version, int what,
                       strbuf *msgs, hs_err *err);

#endif
