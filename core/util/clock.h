/* clock.h - the monotonic clock, as the live-target code and the sessions time stops with it. */
#ifndef HS_CLOCK_H
#define HS_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
static inline int64_t hs_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CLOCK_MONOTONIC in milliseconds (deadlines of waits). */
static inline int64_t hs_mono_ms(void) { return hs_mono_ns() / 1000000; }

/* CLOCK_MONOTONIC in seconds. */
static inline double hs_mono_s(void) { return (double)hs_mono_ns() / 1e9; }

#endif
