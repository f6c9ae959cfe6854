/* pprof_heap.c - writing allocation sites as a runtime/pprof-style heap profile (see
 * pprof_heap.h). */
#include "pprof_heap.h"

#include <stdlib.h>

#include "pprof.h"

enum { LINES_MAX = 256 }; /* logical frames of one location written (deeper inlining is cut) */

static uint64_t site_location(hs_pprof *p, const hs_alloc_site *site, const hs_site_loc *loc)
{
    hs_pprof_line lines[LINES_MAX];
    uint32_t n = 0;
    for (uint32_t k = 0; k < loc->n && n < LINES_MAX; k++) {
        uint32_t i = loc->first + k;
        if (i >= site->nframes)
            break;
        const hs_frame *f = &site->frames[i];
        const char *sym = site->symbols ? site->symbols[i] : f->function;
        lines[n++] = (hs_pprof_line){sym, sym, f->file, f->line,
                                     site->start_lines ? site->start_lines[i] : 0};
    }
    return hs_pprof_location_lines(p, loc->address, lines, n);
}

static int add_sample(hs_pprof *p, const hs_alloc_sites *s, const hs_alloc_site *site, uint64_t *locs)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < site->nlocs; k++) {
        locs[n] = site_location(p, site, &site->locs[k]);
        if (!locs[n++])
            return -1;
    }
    int64_t v[4];
    hs_alloc_site_values(s, site, &v[0], &v[1], &v[2], &v[3]);
    /* runtime/pprof labels each sample with the object size, AllocBytes/AllocObjects */
    int64_t size = site->alloc_objects ? (int64_t)(site->alloc_bytes / site->alloc_objects) : 0;
    hs_pprof_label label = {"bytes", NULL, size, NULL};
    return hs_pprof_sample_labels(p, locs, n, v, &label, size != 0);
}

int hs_pprof_write_heap(const char *path, const hs_alloc_sites *s, const char *comment,
                        int64_t time_nanos, hs_err *err)
{
    static const char *const types[4][2] = {{"alloc_objects", "count"}, {"alloc_space", "bytes"},
                                            {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
    hs_pprof *p = hs_pprof_new(types, 4);
    uint32_t maxlocs = 1;
    for (size_t i = 0; i < s->n; i++)
        maxlocs = s->v[i].nlocs > maxlocs ? s->v[i].nlocs : maxlocs;
    uint64_t *locs = malloc(maxlocs * sizeof *locs);
    if (!p || !locs) {
        hs_pprof_free(p);
        free(locs);
        return hs_errf(err, "out of memory for the profile %s", path);
    }
    hs_pprof_set_period(p, "space", "bytes", s->rate);
    hs_pprof_set_default(p, "inuse_space");
    hs_pprof_set_time(p, time_nanos);
    if (comment)
        hs_pprof_add_comment(p, comment);
    if (s->text.limit > s->text.start)
        hs_pprof_add_mapping(p, s->text.start, s->text.limit, s->text.offset, s->text.file,
                             s->text.build_id, 1);
    for (size_t i = 0; i < s->n; i++)
        if (add_sample(p, s, &s->v[i], locs) < 0)
            break; /* out of memory: hs_pprof_write reports it */
    free(locs);
    int rc = hs_pprof_write(p, path, err);
    hs_pprof_free(p);
    return rc;
}
