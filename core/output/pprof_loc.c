/* pprof_loc.c - deduplicated functions and locations of a profile, each encoded once as its
 * profile.proto message when first seen (see pprof.h). */
#include "pprof_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The id of key in h, adding it (id = count+1) when new; 0 when out of memory. */
static uint64_t intern_key(hs_pprof *p, pp_key **h, uint64_t *count, const void *key, size_t klen,
                           int *isnew)
{
    pp_key *e = NULL;
    *isnew = 0;
    HASH_FIND(hh, *h, key, klen, e);
    if (e)
        return e->id;
    e = malloc(sizeof *e + klen);
    if (!e) {
        p->failed = 1;
        return 0;
    }
    memcpy(e->key, key, klen);
    e->klen = klen;
    e->id = ++*count;
    HASH_ADD(hh, *h, key, klen, e);
    *isnew = 1;
    return e->id;
}

static uint64_t function_id_by_content(hs_pprof *p, const hs_pprof_line *l, int64_t str[3])
{
    const char *name = l->name ? l->name : "";
    int64_t key[4] = {pp_string(p, name), pp_string(p, l->system_name ? l->system_name : name),
                      pp_string(p, l->file), l->start_line};
    memcpy(str, key, 3 * sizeof *key);
    int isnew;
    uint64_t id = intern_key(p, &p->fns, &p->nfns, key, sizeof key, &isnew);
    if (id && isnew) {
        pb_buf *m = &p->scratch2;
        pb_reset(m);
        pb_u64(m, FN_ID, id);
        pb_i64(m, FN_NAME, key[0]);
        pb_i64(m, FN_SYSTEM_NAME, key[1]);
        pb_i64(m, FN_FILENAME, key[2]);
        pb_i64(m, FN_START_LINE, key[3]);
        pb_msg(&p->functions, PF_FUNCTION, m);
    }
    return id;
}

/* Callers pass the same (interned) name and file pointers again and again: look the function
 * up by those pointers first and confirm the strings still match (a caller may reuse a
 * buffer); on a miss or a mismatch, by content. */
static int same_strings(const hs_pprof *p, const pp_fnptr *e, const hs_pprof_line *l)
{
    const char *name = l->name ? l->name : "";
    return !strcmp(p->strs[e->str[0]], name) &&
           !strcmp(p->strs[e->str[1]], l->system_name ? l->system_name : name) &&
           !strcmp(p->strs[e->str[2]], l->file ? l->file : "");
}

static uint64_t function_id(hs_pprof *p, const hs_pprof_line *l)
{
    pp_fnkey key;
    memset(&key, 0, sizeof key); /* no padding bytes left undefined in the hashed key */
    key.name = l->name;
    key.sys = l->system_name;
    key.file = l->file;
    key.start_line = l->start_line;
    pp_fnptr *e = NULL;
    HASH_FIND(hh, p->fnptrs, &key, sizeof key, e);
    if (e && same_strings(p, e, l))
        return e->id;
    int64_t str[3];
    uint64_t id = function_id_by_content(p, l, str);
    if (!e && id && (e = malloc(sizeof *e)) != NULL) {
        e->key = key;
        HASH_ADD(hh, p->fnptrs, key, sizeof key, e);
    }
    if (e) {
        e->id = id;
        memcpy(e->str, str, sizeof str);
    }
    return id;
}

static uint64_t mapping_of(const hs_pprof *p, uint64_t address)
{
    for (size_t i = 0; address && i < p->nmaps; i++)
        if (p->maps[i].start <= address && address < p->maps[i].limit)
            return i + 1;
    return 0;
}

static void encode_location(hs_pprof *p, uint64_t id, uint64_t address, const uint64_t *key,
                            size_t n)
{
    pb_buf *m = &p->scratch, *line = &p->scratch2;
    pb_reset(m);
    pb_u64(m, LOC_ID, id);
    pb_u64(m, LOC_MAPPING_ID, mapping_of(p, address));
    pb_u64(m, LOC_ADDRESS, address);
    for (size_t i = 0; i < n; i++) {
        pb_reset(line);
        pb_u64(line, LINE_FUNCTION_ID, key[1 + 2 * i]);
        pb_i64(line, LINE_LINE, (int64_t)key[2 + 2 * i]);
        pb_msg(m, LOC_LINE, line);
    }
    pb_msg(&p->locations, PF_LOCATION, m);
}

uint64_t hs_pprof_location_lines(hs_pprof *p, uint64_t address, const hs_pprof_line *lines,
                                 size_t n)
{
    if (n > (SIZE_MAX / sizeof(uint64_t) - 1) / 2)
        return 0;
    uint64_t *key = malloc((1 + 2 * n) * sizeof *key); /* address, then (function, line)... */
    if (!key) {
        p->failed = 1;
        return 0;
    }
    key[0] = address;
    for (size_t i = 0; i < n; i++) {
        key[1 + 2 * i] = function_id(p, &lines[i]);
        key[2 + 2 * i] = (uint64_t)lines[i].line;
    }
    int isnew;
    uint64_t id = p->failed ? 0 : intern_key(p, &p->locs, &p->nlocs, key, (1 + 2 * n) * sizeof *key, &isnew);
    if (id && isnew)
        encode_location(p, id, address, key, n);
    free(key);
    return p->failed ? 0 : id;
}

uint64_t hs_pprof_location(hs_pprof *p, uint64_t address, const hs_frame *frames, size_t n)
{
    hs_pprof_line small[32] = {{0}};
    hs_pprof_line *l = n <= 32 ? small : malloc(n * sizeof *l);
    if (!l) {
        p->failed = 1;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        l[i] = (hs_pprof_line){frames[i].function, NULL, frames[i].file, frames[i].line, 0};
    uint64_t id = hs_pprof_location_lines(p, address, l, n);
    if (l != small)
        free(l);
    return id;
}

uint64_t hs_pprof_name_location(hs_pprof *p, const char *name)
{
    /* pprof shortens function names as C++ and drops what is between angle brackets, so
     * "<noscan 48B>" would print as <unknown>: it is written "untyped noscan 48B" */
    char buf[256];
    size_t len = strlen(name);
    if (len > 2 && len < sizeof buf - 10 && name[0] == '<' && name[len - 1] == '>') {
        snprintf(buf, sizeof buf, "untyped %.*s", (int)(len - 2), name + 1);
        name = buf;
    }
    hs_pprof_line l = {name, NULL, NULL, 0, 0};
    return hs_pprof_location_lines(p, 0, &l, 1);
}
