/* json_util.h - small helpers over cJSON shared by the JSON renderers. */
#ifndef HS_JSON_UTIL_H
#define HS_JSON_UTIL_H

#include <cjson/cJSON.h>

#include "../target/target.h"
#include "../util/err.h"
#include "../util/strbuf.h"
#include "../views/records.h"

cJSON *json_frame(const hs_frame *f);
/* names: per frame, the name to print instead of the frame's function (NULL: the functions). */
cJSON *json_frames(const hs_frame *frames, const char *const *names, uint32_t n);
/* {"kind":"core","description":...,"pid":N,"executable":...} */
cJSON *json_target(const hs_target *t);
/* Splits newline-separated messages into a JSON array of strings. */
cJSON *json_lines(const char *text);
/* Adds an unsigned 64-bit number exactly (cJSON numbers are doubles: 53 bits). */
void json_add_u64(cJSON *o, const char *key, uint64_t v);
/* Prints obj compactly to out with a trailing newline, and deletes it. */
void json_emit(cJSON *obj, strbuf *out);
/* Writes obj to path (through PATH.tmp, renamed: never half a file); one-line error naming it. */
int json_write_file(const cJSON *obj, const char *path, hs_err *err);

#endif
