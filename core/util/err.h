/* err.h - error values: every fallible function in core returns -1 and fills an hs_err
 * with a one-line message naming the thing that failed. */
#ifndef HS_ERR_H
#define HS_ERR_H

#include <stddef.h>

typedef struct hs_err {
    char msg[768];
} hs_err;

/* Sets the message (printf-style) and returns -1, so callers can `return hs_errf(...)`. */
int hs_errf(hs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with context ("reading goroutine 7: " + old message); returns -1. */
int hs_errctx(hs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
