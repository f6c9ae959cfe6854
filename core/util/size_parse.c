/* size_parse.c - byte sizes as people write them on a command line (see size_parse.h). */
#include "size_parse.h"

#include <stdlib.h>
#include <strings.h>

int hs_size_parse(const char *s, uint64_t *bytes, hs_err *err)
{
    static const struct {
        const char *unit;
        uint64_t mult;
    } units[] = {{"", 1},           {"B", 1},           {"K", 1ull << 10}, {"KiB", 1ull << 10},
                 {"KB", 1000},      {"M", 1ull << 20},  {"MiB", 1ull << 20}, {"MB", 1000000},
                 {"G", 1ull << 30}, {"GiB", 1ull << 30}, {"GB", 1000000000}, {"TiB", 1ull << 40},
                 {"TB", 1000000000000ull}};
    char *end;
    if (!s || *s < '0' || *s > '9')
        return hs_errf(err, "a size is a number with an optional unit (64MiB, 10MB, 4096), not \"%s\"",
                       s ? s : "");
    double v = strtod(s, &end);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcasecmp(end, units[i].unit) == 0) {
            double b = v * (double)units[i].mult;
            if (b >= 18446744073709551615.0)
                return hs_errf(err, "size \"%s\" is too large", s);
            *bytes = (uint64_t)b;
            return 0;
        }
    return hs_errf(err, "unknown unit in size \"%s\" (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)", s);
}
