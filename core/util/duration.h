/* duration.h - Go-style durations: parsing "1h30m", "90s", "250ms" and printing "2h03m". */
#ifndef HS_DURATION_H
#define HS_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Parses a duration into nanoseconds; a bare number means seconds. */
int hs_duration_parse(const char *s, int64_t *ns, hs_err *err);
/* Formats nanoseconds for people: "45s", "5m10s", "2h03m", "3d04h", "<1s". */
void hs_duration_format(int64_t ns, char *buf, size_t cap);

#endif
