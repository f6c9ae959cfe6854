/* snapshot_take.h - one snapshot of the session's target as the JSON object snapshot files hold
 * (core/snapshot/snapshot_file.h): heap rows by type, size and (when available) site, the
 * runtime's statistics, goroutine (or native thread) groups, and when and of what. */
#ifndef HS_SNAPSHOT_TAKE_H
#define HS_SNAPSHOT_TAKE_H

#include <cjson/cJSON.h>

#include "heap_top.h"
#include "session.h"

/* Returns the snapshot object (cJSON_Delete it), or NULL with err set. Notes for the user (e.g.
 * no heap-profile records) go to msgs. */
cJSON *snapshot_take(hs_session *s, strbuf *msgs, hs_err *err);

/* Rows of res as heap[key] (by root: the first 100), and with totals, heap[totals] =
 * {inuse_objects, inuse_bytes, typed_bytes}. */
void snapshot_add_rows(cJSON *heap, const char *key, const char *totals, enum heap_by by,
                       const heap_top_result *res);

/* snapshot_glibc.c: a C/C++ program's glibc heap as "heap" (runtime "glibc", version, by_type,
 * by_size, totals as heap-top counts them) and "memstats" (mallinfo2's fields) of o; fails,
 * leaving o as it was, when the target has no glibc heap. */
int snapshot_add_glibc(hs_session *s, cJSON *o, strbuf *msgs, hs_err *err);

#endif
