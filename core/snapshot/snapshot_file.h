/* snapshot_file.h - the snapshot file: one versioned JSON object holding what heap-top (by type,
 * by site when available, by size), the memstats header and threads-blocked saw, with when and of
 * what (pid, executable, build id, Go version); of a C/C++ program, its thread groups and its glibc
 * heap (heap.runtime "glibc", mallinfo2 as memstats). Aggregates only, so files stay small. Loading
 * validates every field: a snapshot is untrusted input. */
#ifndef HS_SNAPSHOT_FILE_H
#define HS_SNAPSHOT_FILE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

#define HS_SNAPSHOT_FORMAT "heapscope-snapshot"
/* 2: adds heap.live_by_type, live_by_size, live_totals and reachability (rows of reachable
 * objects); version 1 files still load (without live rows). heap.by_root (the roots keeping the
 * most alive, retained_objects and retained_bytes) is optional in version 2. */
#define HS_SNAPSHOT_VERSION 2

typedef struct snap_row {
    const char *key;  /* what rows are matched by: the name, or the stack for sites */
    const char *name;
    uint64_t objects, bytes;
    const cJSON *frames; /* sites: the allocation stack; NULL otherwise */
} snap_row;

typedef struct snap_rows {
    snap_row *v;
    size_t n;
    int present; /* 0: the snapshot has no such rows (e.g. no heap-profile records) */
} snap_rows;

typedef struct snap_group {
    const char *key; /* state + frames */
    const char *state;
    uint64_t count;
    const cJSON *frames;
} snap_group;

typedef struct snap_stat {
    const char *key; /* "heap_alloc", ... */
    double value;
} snap_stat;

typedef struct snapshot {
    cJSON *root; /* owns every string below, but the keys */
    char **keys; /* the keys built for sites and groups */
    size_t nkeys, capkeys;
    const char *path, *executable, *build_id, *version, *description;
    int64_t pid;
    double taken_at; /* unix seconds */
    double runtime_clock; /* the process's monotonic clock in seconds, 0 when unknown */
    uint64_t heap_objects, heap_bytes, goroutines;
    snap_rows types, sites, sizes;
    /* rows and totals of reachable objects (version 2); after snapshot_use_live they trade
     * places with types, sizes, heap_objects and heap_bytes */
    snap_rows live_types, live_sizes;
    snap_rows roots; /* heap.by_root: what the roots that keep the most alive keep (objects and
                        bytes are retained ones) */
    uint64_t live_objects, live_bytes;
    int has_live, live;
    int native; /* runtime "native": thread groups under goroutines */
    /* whose heap the rows count: "go", "glibc"; NULL when the snapshot has none (a native
     * program's threads only) */
    const char *heap_runtime;
    snap_group *groups;
    size_t ngroups;
    snap_stat *stats;
    size_t nstats;
} snapshot;

/* Writes obj (built by the snapshot command) to path, atomically (temp file + rename). */
int snapshot_write(const cJSON *obj, const char *path, hs_err *err);
int snapshot_load(const char *path, snapshot *s, hs_err *err);
/* Parses a snapshot from memory (for tests and fuzzing); path names it in messages. */
int snapshot_parse(const char *text, size_t len, const char *path, snapshot *s, hs_err *err);
void snapshot_free(snapshot *s);
/* Makes the rows and totals of reachable objects the ones comparisons see (when the snapshot has
 * them): garbage not yet collected then no longer looks like growth. */
void snapshot_use_live(snapshot *s);
/* The reverse: all allocated objects again. */
void snapshot_use_all(snapshot *s);
/* Calls snapshot_use_live on each of n snapshots when all of them have live rows; 1 if it did. */
int snapshot_use_live_all(snapshot *s, size_t n);

#endif
