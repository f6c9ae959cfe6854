/* heap_top_roots.c - heap-top's rows from the dominator tree: --by root (every root unit, a
 * global or a goroutine, with the objects and bytes it alone keeps alive) and --retained (per
 * type, what its objects keep alive). */
#include <stdlib.h>
#include <string.h>

#include "heap_holders.h"

static int row_cmp(const void *pa, const void *pb)
{
    const heap_row *a = pa, *b = pb;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* The rows; their names are interned in the graph's string table, which outlives them. */
static int unit_rows(heap_holders *hh, heap_top_result *res)
{
    hs_strtab *names = hs_graph_names(hh->g);
    if (!(res->rows = calloc(hh->units.n + 1, sizeof *res->rows)))
        return -1;
    for (uint32_t u = 0; u < hh->units.n; u++) {
        uint64_t objects, bytes;
        hs_dom_retained_unit(hh->dom, u, &objects, &bytes);
        if (!objects)
            continue;
        char buf[512];
        hs_path_root d;
        uint32_t r = heap_holders_unit_root(hh, u), n;
        const hs_oid *e = hs_graph_root_edges(hh->g, r, &n);
        int global = hs_graph_root(hh->g, r)->kind == HS_ROOT_GLOBAL; /* named by what it points to
                                                                          when it has no symbol */
        heap_holders_describe(hh, r, global ? 0 : UINT32_MAX, global && n ? e[0] : HS_NO_OBJ, &d, buf, sizeof buf);
        uint32_t id = hs_strtab_intern(names, buf);
        if (id == UINT32_MAX)
            return -1;
        res->rows[res->nrows++] = (heap_row){.name = hs_strtab_str(names, id), .objects = objects, .bytes = bytes,
                                             .typed = 1, .size_class = -1, .kind = d.kind,
                                             .goroutine = d.goroutine};
        res->rows_objects += objects;
    }
    return 0;
}

int heap_top_root_rows(heap_holders *hh, uint64_t live_objects, uint64_t live_bytes, heap_top_result *res,
                       hs_err *err)
{
    if (unit_rows(hh, res) < 0)
        return hs_errf(err, "out of memory"), HS_FAIL;
    if (res->nrows > 1)
        qsort(res->rows, res->nrows, sizeof *res->rows, row_cmp);
    res->objects = live_objects;
    res->bytes = res->rows_bytes = live_bytes;
    uint64_t alone = 0;
    for (size_t i = 0; i < res->nrows; i++)
        alone += res->rows[i].bytes;
    sb_printf(&res->notes, "(each root's objects and bytes are what it alone keeps alive: freed if it "
              "let go; %.1f%% of the reachable bytes are kept alive by more than one root and are in "
              "no row)\n", live_bytes ? 100.0 * (double)(live_bytes - alone) / (double)live_bytes : 0.0);
    return HS_OK;
}

int heap_top_by_root(heap_analysis *a, heap_top_result *res, hs_err *err)
{
    heap_holders hh;
    if (heap_holders_open(&hh, a, HOLD_DOMINATORS, err) < 0)
        return HS_FAIL;
    int r = heap_top_root_rows(&hh, a->hg.live_objects, a->hg.live_bytes, res, err);
    heap_holders_close(&hh);
    return r;
}

int heap_top_rows_retained(heap_holders *hh, heap_top_result *res, hs_err *err)
{
    const hs_strtab *names = hs_graph_names(hh->g);
    uint32_t count = hs_strtab_count(names);
    uint64_t *objects = calloc(count + 1, sizeof *objects), *bytes = calloc(count + 1, sizeof *bytes);
    int r = objects && bytes ? HS_OK : (hs_errf(err, "out of memory"), HS_FAIL);
    if (r == HS_OK)
        hs_dom_type_retained(hh->dom, hh->g, objects, bytes, count);
    for (uint32_t id = 1; r == HS_OK && id < count; id++) { /* rows are few: look each up */
        if (!bytes[id])
            continue;
        const char *name = hs_strtab_str(names, id);
        for (size_t i = 0; i < res->nrows; i++)
            if (!strcmp(res->rows[i].name, name)) {
                res->rows[i].retained_objects = objects[id];
                res->rows[i].retained_bytes = bytes[id];
                break;
            }
    }
    free(objects);
    free(bytes);
    return r;
}

int heap_top_add_retained(heap_analysis *a, heap_top_result *res, hs_err *err)
{
    heap_holders hh;
    if (heap_holders_open(&hh, a, HOLD_DOMINATORS, err) < 0)
        return HS_FAIL;
    int r = heap_top_rows_retained(&hh, res, err);
    heap_holders_close(&hh);
    return r;
}
