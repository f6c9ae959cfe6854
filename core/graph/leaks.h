/* leaks.h - which blocked waiters nothing can ever wake, for any runtime: a waiter (a goroutine,
 * a thread) blocked on objects (a channel, a lock) can be woken only by someone who can reach
 * one of them. Marking starts from every root but the stacks of such waiters (their root
 * groups), without following the objects flagged as wait queues (waiters reach each other
 * through them, which wakes nobody); a waiter one of whose objects gets marked is runnable after
 * all, and its stack is marked from in turn; this repeats until nothing changes. Waiters left
 * are leaked. The same definition as Go's goroutine leak detector (mgc.go findGoroutineLeaks). */
#ifndef HS_LEAKS_H
#define HS_LEAKS_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

enum hs_wait_kind {
    HS_WAIT_NONE,    /* no verdict applies (sleep, I/O, running): its stack is a root */
    HS_WAIT_OBJECTS, /* blocked on objects: leaked unless one of them is reachable */
    HS_WAIT_NEVER,   /* blocked on nothing that exists (a nil channel, select {}): leaked */
};

typedef struct hs_waiter {
    uint32_t group;        /* the root group holding its stack (hs_root.group, > 0) */
    uint8_t kind;          /* enum hs_wait_kind */
    uint8_t reachable;     /* HS_WAIT_OBJECTS: one of its objects lies outside the heap where
                              roots always reach it (a global variable): never leaked */
    const hs_oid *objects; /* HS_WAIT_OBJECTS: the heap objects it waits on */
    uint32_t nobjects;
} hs_waiter;

/* leaked[i] = 1 when waiter i is leaked, else 0 (HS_WAIT_NONE: 0). skip_flags: the flag bits
 * (hs_graph_flags) of wait-queue objects, marked but not followed. poll as hs_mark_run.
 * 0, or -1 out of memory or interrupted. */
int hs_leak_verdicts(const hs_graph *g, const hs_waiter *w, size_t n, uint8_t skip_flags,
                     uint8_t *leaked, int (*poll)(void *ctx), void *ctx, hs_err *err);

#endif
