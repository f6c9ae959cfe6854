/* progress.h - a line saying how far long work has got ("reading spans 1234/5678", "marking
 * objects 12.3M", "dominators 40%", "walking the glibc heap 512 MiB"), for a front to show on a
 * terminal. A session owns one; its targets point to it, and the long loops of the models and
 * the graph report to it. Nothing is shown before the work has run for a delay, then at most four
 * times a second: 1 s, or HEAPSCOPE_PROGRESS_DELAY_MS=N milliseconds, and then at most every N
 * ms when that is less than 250 (tests see every phase of a small target that way).
 * hs_progress_tick is cheap enough for an inner loop: it counts calls and reads the clock every
 * 256th. */
#ifndef HS_PROGRESS_H
#define HS_PROGRESS_H

#include <stdint.h>

typedef enum { HS_PROG_COUNT, HS_PROG_BYTES, HS_PROG_PERCENT } hs_prog_unit;

typedef struct hs_progress {
    void (*show)(void *ctx, const char *line); /* "" clears the line; NULL: nothing is reported */
    void *ctx;
    int64_t start_ns, next_ns, delay_ns, every_ns;
    uint32_t calls;
    int shown;
    const char *phase; /* a string literal */
    uint64_t total;    /* 0: unknown */
    hs_prog_unit unit;
} hs_progress;

/* Where lines go (show NULL: nowhere); reads HEAPSCOPE_PROGRESS_DELAY_MS. */
void hs_progress_init(hs_progress *p, void (*show)(void *ctx, const char *line), void *ctx);
/* A command begins: the delay counts from now. */
void hs_progress_start(hs_progress *p);
/* What is being done now, and out of how much (0: unknown). p may be NULL. */
void hs_progress_phase(hs_progress *p, const char *phase, uint64_t total, hs_prog_unit unit);
/* done so far: shows a line when it is time (reads the clock on every call). */
void hs_progress_update(hs_progress *p, uint64_t done);
/* Clears the line if one is shown (before other output, and when the work ends). */
void hs_progress_clear(hs_progress *p);

/* The same as hs_progress_update, reading the clock only every 256th call. */
static inline void hs_progress_tick(hs_progress *p, uint64_t done)
{
    if (p && p->show && (++p->calls & 255) == 0)
        hs_progress_update(p, done);
}

#endif
