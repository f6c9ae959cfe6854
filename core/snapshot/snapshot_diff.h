/* snapshot_diff.h - what grew or appeared between two snapshots: heap rows by type, site and
 * size, and the roots keeping the most alive, with their deltas (largest growth in bytes first), goroutine groups that appeared, grew,
 * shrank or went away, and the runtime statistics' deltas. */
#ifndef HS_SNAPSHOT_DIFF_H
#define HS_SNAPSHOT_DIFF_H

#include "snapshot_file.h"

typedef struct diff_row {
    const char *name;
    int64_t dobjects, dbytes;
    uint64_t objects, bytes; /* in the newer snapshot */
    const cJSON *frames;     /* sites */
} diff_row;

typedef struct diff_rows {
    diff_row *v;
    size_t n;
    int present; /* both snapshots have these rows */
} diff_rows;

typedef struct diff_group {
    const char *state;
    const cJSON *frames;
    int64_t dcount;
    uint64_t count; /* in the newer snapshot */
    const char *change; /* "appeared", "grew", "shrank", "gone" */
} diff_group;

typedef struct diff_stat {
    const char *key;
    double old_value, new_value;
} diff_stat;

typedef struct snap_diff {
    const snapshot *a, *b;
    double elapsed; /* seconds from a to b */
    int live;       /* rows and totals count reachable objects (both snapshots were marked) */
    int heap;       /* both snapshots hold a heap (a native one may hold threads only) */
    int64_t dheap_objects, dheap_bytes, dgoroutines;
    diff_rows types, sites, sizes;
    diff_rows roots; /* what roots alone keep alive (retained objects and bytes) */
    diff_group *groups;
    size_t ngroups;
    diff_stat *stats;
    size_t nstats;
} snap_diff;

/* 1 when a and b come from the same executable (build id, else path and Go version). */
int snapshot_same_program(const snapshot *a, const snapshot *b);

/* Seconds from a to b: by the process's own clock when both come from the same process (also
 * through cores), else by wall-clock time. */
double snapshot_elapsed(const snapshot *a, const snapshot *b);

/* Rows and groups with no change are left out. */
int snapshot_diff(const snapshot *a, const snapshot *b, snap_diff *d, hs_err *err);
void snap_diff_free(snap_diff *d);

#endif
