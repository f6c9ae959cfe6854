/* snapshot_take.h - one snapshot of the session's target as the JSON object snapshot files hold
 * (core/snapshot/snapshot_file.h): heap rows by type, size and (when available) site, the
 * runtime's statistics, goroutine groups, and when and of what. */
#ifndef HS_SNAPSHOT_TAKE_H
#define HS_SNAPSHOT_TAKE_H

#include <cjson/cJSON.h>

#include "session.h"

/* Returns the snapshot object (cJSON_Delete it), or NULL with err set. Notes for the user (e.g.
 * no heap-profile records) go to msgs. */
cJSON *snapshot_take(hs_session *s, strbuf *msgs, hs_err *err);

#endif
