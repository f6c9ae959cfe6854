/* user_frame.h - which frame of a stored goroutine stack names the group for a reader: the
 * first (innermost) frame of the program's own code, as one reads a threads-blocked stack. */
#ifndef HS_USER_FRAME_H
#define HS_USER_FRAME_H

#include <cjson/cJSON.h>

/* The innermost frame whose function is not part of the Go distribution (GOROOT's standard
 * library and runtime); failing that the innermost frame outside package runtime; failing that
 * the innermost frame. NULL for an empty or non-array frames. Frames are the snapshot's objects
 * with "function" and "file". */
const cJSON *snapshot_user_frame(const cJSON *frames);

#endif
