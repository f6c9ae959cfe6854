/* err.c - formatting of error values (see err.h). */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int hs_errf(hs_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int hs_errctx(hs_err *e, const char *fmt, ...)
{
    if (!e)
        return -1;
    char prefix[256];
    char old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    old[sizeof old - 1] = 0;
    size_t pl = strlen(prefix); /* < 256, so the ": " and a part of the old message fit */
    size_t ol = strnlen(old, sizeof e->msg - pl - 3);
    memcpy(e->msg, prefix, pl);
    memcpy(e->msg + pl, ": ", 2);
    memcpy(e->msg + pl + 2, old, ol);
    e->msg[pl + 2 + ol] = 0;
    return -1;
}
