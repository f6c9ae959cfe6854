/* snapshot_trend.h - the "keeps rising" signal over a series of snapshots: heap rows (by type,
 * by site) and goroutine groups whose value grew in every interval, with their growth rate. */
#ifndef HS_SNAPSHOT_TREND_H
#define HS_SNAPSHOT_TREND_H

#include "snapshot_file.h"

typedef struct trend_item {
    const char *name;     /* type or site name, or the group's state */
    const cJSON *frames;  /* sites and groups */
    double per_second;    /* bytes per second (rows) or goroutines per second (groups) */
    double objects_per_second;
    uint64_t first, last; /* bytes (rows) or count (groups) in the first and last snapshot */
} trend_item;

typedef struct snap_trend {
    trend_item *types, *sites, *roots, *groups;
    size_t ntypes, nsites, nroots, ngroups;
    /* Objects of unknown type (rows named "<...>") of a Go heap are not flagged one by one:
     * garbage awaiting the next GC grows between collections too. Their growth over the whole
     * series instead (a native heap's "<malloc N B>" rows are flagged as any other): */
    double untyped_per_second;
} snap_trend;

/* Needs at least two snapshots; items rising in every interval, fastest first (types: only rows
 * with a known type). */
int snapshot_trend(const snapshot *snaps, size_t n, snap_trend *t, hs_err *err);
void snap_trend_free(snap_trend *t);

#endif
