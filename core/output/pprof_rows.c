/* pprof_rows.c - a by-name profile of rows (see pprof_rows.h). */
#include "pprof_rows.h"

#include "pprof.h"

int hs_pprof_write_rows(const char *path, const hs_pprof_row *rows, size_t n, const char *comment,
                        hs_err *err)
{
    static const char *const types[2][2] = {{"inuse_objects", "count"}, {"inuse_space", "bytes"}};
    hs_pprof *p = hs_pprof_new(types, 2);
    if (!p)
        return hs_errf(err, "out of memory for the profile %s", path);
    hs_pprof_set_default(p, "inuse_space");
    if (comment)
        hs_pprof_add_comment(p, comment);
    for (size_t i = 0; i < n; i++) {
        uint64_t loc = hs_pprof_name_location(p, rows[i].name ? rows[i].name : "?");
        int64_t values[2] = {rows[i].objects, rows[i].bytes};
        if (!loc || hs_pprof_sample(p, &loc, 1, values, NULL, 0) < 0)
            break; /* hs_pprof_write reports the failure */
    }
    int rc = hs_pprof_write(p, path, err);
    hs_pprof_free(p);
    return rc;
}
