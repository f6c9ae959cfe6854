/* pprof.c - building a profile: string table, header fields, mappings and samples (see pprof.h;
 * locations and functions are in pprof_loc.c, encoding and writing in pprof_write.c). */
#include "pprof_internal.h"

#include <stdlib.h>
#include <string.h>

int64_t pp_string(hs_pprof *p, const char *s)
{
    if (!s)
        s = "";
    pp_str *e = NULL;
    HASH_FIND_STR(p->strmap, s, e);
    if (e)
        return e->idx;
    if (p->nstrs == p->capstrs) {
        size_t cap = p->capstrs ? p->capstrs * 2 : 64;
        const char **v = realloc(p->strs, cap * sizeof *v);
        if (!v) {
            p->failed = 1;
            return 0;
        }
        p->strs = v;
        p->capstrs = cap;
    }
    size_t len = strlen(s);
    e = malloc(sizeof *e + len + 1);
    if (!e) {
        p->failed = 1;
        return 0;
    }
    memcpy(e->s, s, len + 1);
    e->idx = (int64_t)p->nstrs;
    p->strs[p->nstrs++] = e->s;
    HASH_ADD_STR(p->strmap, s, e);
    return e->idx;
}

hs_pprof *hs_pprof_new(const char *const (*sample_types)[2], size_t nvalues)
{
    hs_pprof *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->stypes = calloc(nvalues ? nvalues : 1, sizeof *p->stypes);
    if (!p->stypes) {
        free(p);
        return NULL;
    }
    p->nvalues = nvalues;
    pp_string(p, ""); /* index 0 is the empty string */
    for (size_t i = 0; i < nvalues; i++) {
        p->stypes[i][0] = pp_string(p, sample_types[i][0]);
        p->stypes[i][1] = pp_string(p, sample_types[i][1]);
    }
    if (p->failed) {
        hs_pprof_free(p);
        return NULL;
    }
    return p;
}

static void free_keys(pp_key **h)
{
    pp_key *e, *tmp;
    HASH_ITER(hh, *h, e, tmp) {
        HASH_DEL(*h, e);
        free(e);
    }
}

void hs_pprof_free(hs_pprof *p)
{
    if (!p)
        return;
    pp_str *e, *tmp;
    HASH_ITER(hh, p->strmap, e, tmp) {
        HASH_DEL(p->strmap, e);
        free(e);
    }
    free_keys(&p->fns);
    pp_fnptr *fp, *ftmp;
    HASH_ITER(hh, p->fnptrs, fp, ftmp) {
        HASH_DEL(p->fnptrs, fp);
        free(fp);
    }
    free_keys(&p->locs);
    pb_free(&p->samples);
    pb_free(&p->locations);
    pb_free(&p->functions);
    pb_free(&p->scratch);
    pb_free(&p->scratch2);
    free(p->strs);
    free(p->stypes);
    free(p->maps);
    free(p->comments);
    free(p);
}

void hs_pprof_set_period(hs_pprof *p, const char *type, const char *unit, int64_t period)
{
    p->period_type[0] = pp_string(p, type);
    p->period_type[1] = pp_string(p, unit);
    p->has_period_type = 1;
    p->period = period;
}

void hs_pprof_set_default(hs_pprof *p, const char *sample_type) { p->default_type = pp_string(p, sample_type); }

void hs_pprof_set_time(hs_pprof *p, int64_t unix_nanos) { p->time_nanos = unix_nanos; }

void hs_pprof_add_comment(hs_pprof *p, const char *comment)
{
    int64_t *v = realloc(p->comments, (p->ncomments + 1) * sizeof *v);
    if (!v) {
        p->failed = 1;
        return;
    }
    p->comments = v;
    p->comments[p->ncomments++] = pp_string(p, comment);
}

uint64_t hs_pprof_add_mapping(hs_pprof *p, uint64_t start, uint64_t limit, uint64_t file_offset,
                              const char *file, const char *build_id, int has_functions)
{
    pp_mapping *v = realloc(p->maps, (p->nmaps + 1) * sizeof *v);
    if (!v) {
        p->failed = 1;
        return 0;
    }
    p->maps = v;
    p->maps[p->nmaps] = (pp_mapping){start, limit, file_offset, pp_string(p, file),
                                     pp_string(p, build_id), has_functions};
    return ++p->nmaps;
}

static void encode_label(hs_pprof *p, pb_buf *m, const hs_pprof_label *l)
{
    pb_buf *lb = &p->scratch2;
    pb_reset(lb);
    pb_i64(lb, LABEL_KEY, pp_string(p, l->key));
    if (l->str)
        pb_i64(lb, LABEL_STR, pp_string(p, l->str));
    else {
        pb_i64(lb, LABEL_NUM, l->num);
        if (l->unit)
            pb_i64(lb, LABEL_NUM_UNIT, pp_string(p, l->unit));
    }
    pb_msg(m, SAMPLE_LABEL, lb);
}

int hs_pprof_sample_labels(hs_pprof *p, const uint64_t *locs, size_t nlocs, const int64_t *values,
                           const hs_pprof_label *labels, size_t nlabels)
{
    pb_buf *m = &p->scratch;
    pb_reset(m);
    pb_packed_u64(m, SAMPLE_LOCATION, locs, nlocs);
    pb_packed_i64(m, SAMPLE_VALUE, values, p->nvalues);
    for (size_t i = 0; i < nlabels; i++)
        encode_label(p, m, &labels[i]);
    pb_msg(&p->samples, PF_SAMPLE, m);
    if (m->oom || p->samples.oom)
        p->failed = 1;
    return p->failed ? -1 : 0;
}

int hs_pprof_sample(hs_pprof *p, const uint64_t *locs, size_t nlocs, const int64_t *values,
                    const char *const (*labels)[2], size_t nlabels)
{
    hs_pprof_label small[16] = {{0}};
    hs_pprof_label *l = nlabels <= 16 ? small : malloc(nlabels * sizeof *l);
    if (!l) {
        p->failed = 1;
        return -1;
    }
    for (size_t i = 0; i < nlabels; i++)
        l[i] = (hs_pprof_label){labels[i][0], labels[i][1] ? labels[i][1] : "", 0, NULL};
    int rc = hs_pprof_sample_labels(p, locs, nlocs, values, l, nlabels);
    if (l != small)
        free(l);
    return rc;
}
