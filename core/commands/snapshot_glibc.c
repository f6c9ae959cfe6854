/* snapshot_glibc.c - the glibc malloc heap of a C/C++ program in a snapshot (snapshot_take.h):
 * the rows heap-top --by type and --by size show, from one walk, with the totals heap-top
 * prints and mallinfo2's fields as the snapshot's "memstats". */
#include <stdio.h>
#include <string.h>

#include "../output/json_util.h"
#include "glibc_rows.h"
#include "snapshot_take.h"

static cJSON *mallinfo_json(const glibc_heap *h)
{
    heap_stat st[16];
    size_t n = glibc_mallinfo_stats(h, st);
    cJSON *m = cJSON_CreateObject();
    for (size_t i = 0; i < n; i++)
        json_add_u64(m, st[i].key, st[i].v);
    return m;
}

/* heap.by_type (with totals) and heap.by_size from the tallies of one walk. */
static int add_rows(glibc_rows *g, const glibc_heap *h, cJSON *heap, hs_err *err)
{
    static const struct { enum heap_by by; const char *key, *totals; } kinds[] = {
        {HEAP_BY_TYPE, "by_type", "totals"}, {HEAP_BY_SIZE, "by_size", NULL}};
    for (size_t i = 0; i < 2; i++) {
        heap_top_result res;
        memset(&res, 0, sizeof res);
        int r = glibc_rows_take(g, h, kinds[i].by, &res, err);
        if (r == HS_OK)
            snapshot_add_rows(heap, kinds[i].key, kinds[i].totals, kinds[i].by, &res);
        heap_top_result_free(&res);
        if (r != HS_OK)
            return -1;
    }
    return 0;
}

int snapshot_add_glibc(hs_session *s, cJSON *o, strbuf *msgs, hs_err *err)
{
    glibc_heap h;
    if (hs_session_release(s, msgs, err) < 0 || glibc_heap_open(&h, s->target, err) < 0)
        return -1;
    glibc_rows g = {0};
    hs_err verr;
    if (vtable_names_open(&g.vt, s->target, &verr) < 0)
        sb_printf(msgs, "warning: C++ classes not named: %s\n", verr.msg);
    cJSON *heap = cJSON_CreateObject();
    char version[32];
    snprintf(version, sizeof version, "glibc %s", h.version);
    cJSON_AddStringToObject(heap, "runtime", "glibc");
    cJSON_AddStringToObject(heap, "version", version);
    int r = glibc_rows_walk(&g, &h, 1, 1, err) < 0 || add_rows(&g, &h, heap, err) < 0 ? -1 : 0;
    if (r == 0) {
        cJSON_AddItemToObject(o, "heap", heap);
        cJSON_AddItemToObject(o, "memstats", mallinfo_json(&h));
        glibc_rows_warnings(&h, msgs);
    } else {
        cJSON_Delete(heap);
    }
    glibc_rows_free(&g);
    vtable_names_close(g.vt);
    glibc_heap_close(&h);
    return r;
}
