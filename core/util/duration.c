/* duration.c - Go-style durations (see duration.h). */
#include "duration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *unit; double ns; } units[] = {
    {"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9},
    {"d", 86400e9},
};

int hs_duration_parse(const char *s, int64_t *ns, hs_err *err)
{
    const char *p = s;
    double total = 0;
    if (!*p)
        return hs_errf(err, "empty duration");
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || v < 0)
            return hs_errf(err, "bad duration \"%s\" (use e.g. 30s, 5m, 1h30m)", s);
        p = end;
        if (!*p && total == 0) { /* a bare number means seconds */
            total = v * 1e9;
            break;
        }
        size_t best = 0, bi = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t l = strlen(units[i].unit);
            if (strncmp(p, units[i].unit, l) == 0 && l > best) {
                best = l;
                bi = i;
            }
        }
        if (!best)
            return hs_errf(err, "bad duration \"%s\" (units: ms, s, m, h, d)", s);
        total += v * units[bi].ns;
        p += best;
    }
    if (total > 9.2e18)
        return hs_errf(err, "duration \"%s\" is too long", s);
    *ns = (int64_t)total;
    return 0;
}

void hs_duration_format(int64_t ns, char *buf, size_t cap)
{
    int64_t s = ns / 1000000000;
    if (ns < 0)
        snprintf(buf, cap, "?");
    else if (s < 1)
        snprintf(buf, cap, "<1s");
    else if (s < 60)
        snprintf(buf, cap, "%llds", (long long)s);
    else if (s < 3600)
        snprintf(buf, cap, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else if (s < 86400)
        snprintf(buf, cap, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else
        snprintf(buf, cap, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}
