/* threads_native.h - threads-blocked on a native (C/C++) target: the native-threads model's tasks
 * grouped by state and stack and rendered; and, with --threads, a Go program's own threads (their
 * C stacks under cgo, the runtime's Ms) after its goroutines. */
#ifndef HS_THREADS_NATIVE_H
#define HS_THREADS_NATIVE_H

#include <cjson/cJSON.h>

#include "session.h"

int threads_native_run(hs_session *s, int all, int json, long limit, strbuf *out, strbuf *msgs,
                       hs_err *err);

/* The native threads of a Go program: json != NULL adds them to it as "threads" (the fields of
 * the native JSON, each group with its "role"); else appends their text to out. */
int threads_native_mixed(hs_session *s, int all, long limit, cJSON *json, strbuf *out, strbuf *msgs,
                         hs_err *err);

#endif
