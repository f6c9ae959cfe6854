/* threads_native.h - threads-blocked on a native (C/C++) target: the native-threads model's tasks
 * grouped by state and stack and rendered. */
#ifndef HS_THREADS_NATIVE_H
#define HS_THREADS_NATIVE_H

#include "session.h"

int threads_native_run(hs_session *s, int all, int json, long limit, strbuf *out, strbuf *msgs,
                       hs_err *err);

#endif
