/* leakcheck_heap.c - the live heap at exit for leakcheck --heap (see leakcheck_heap.h). */
#include "leakcheck_heap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The package name a type of the program's own package is printed with: the last element of
 * the main package's path, without the ".test" go test adds; "" when there is none. */
static void own_package(const char *mainpath, char *buf, size_t cap)
{
    const char *slash = strrchr(mainpath, '/'), *p = slash ? slash + 1 : mainpath;
    size_t n = strlen(p);
    if (n > 5 && strcmp(p + n - 5, ".test") == 0)
        n -= 5;
    snprintf(buf, cap, "%.*s", (int)n, p);
}

/* 1 when the type name names package pkg ("pkg.T", "[]*pkg.T", "map[string]pkg.T"). */
static int names_package(const char *name, const char *pkg)
{
    size_t n = strlen(pkg);
    for (const char *p = name; n && (p = strstr(p, pkg)) != NULL; p++) {
        int start = p == name || strchr("*[]( ,", p[-1]) != NULL;
        if (start && p[n] == '.')
            return 1;
    }
    return 0;
}

static int own(const heap_row *r, const char *pkg)
{
    return r->name && (names_package(r->name, "main") || names_package(r->name, pkg));
}

/* Stable partition: the program's own types first, each part in heap-top's order. */
static int own_first(heap_row *rows, size_t n, const char *pkg)
{
    heap_row *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return -1;
    size_t k = 0;
    for (int pass = 1; pass >= 0; pass--)
        for (size_t i = 0; i < n; i++)
            if (own(&rows[i], pkg) == pass)
                tmp[k++] = rows[i];
    memcpy(rows, tmp, n * sizeof *rows);
    free(tmp);
    return 0;
}

int leakcheck_heap_read(leakcheck_heap *h, hs_session *s, go_rt *rt, const char *mainpath,
                        long limit, strbuf *msgs, hs_err *err)
{
    memset(h, 0, sizeof *h);
    sb_init(&h->warnings);
    heap_top_options o = {HEAP_BY_TYPE, limit, 0, NULL, HS_REACH_LIVE, 0};
    hs_err merr;
    int have_ms = go_memstats_read(rt, &h->ms, &merr) == 0;
    if (heap_analysis_open(&h->an, rt, HEAP_NEED_GRAPH, err) < 0) {
        sb_free(&h->warnings);
        return HS_FAIL;
    }
    int status = heap_top_collect(&h->an, &o, &h->res, msgs, err);
    char pkg[256];
    own_package(mainpath, pkg, sizeof pkg);
    if (status == HS_OK && own_first(h->res.rows, h->res.nrows, pkg) < 0) {
        hs_errf(err, "out of memory ordering %zu heap rows", h->res.nrows);
        status = HS_FAIL;
    }
    if (status != HS_OK) {
        leakcheck_heap_free(h);
        return HS_FAIL;
    }
    h->report = (heap_report){"go", rt->ver.full, HEAP_BY_TYPE, s->target, have_ms ? &h->ms : NULL,
                              h->res.objects, h->res.bytes, h->res.rows_objects, h->res.rows_bytes,
                              h->res.typed_bytes, 1, h->res.rows, h->res.nrows, limit,
                              sb_str(&h->res.notes), heap_analysis_warnings(&h->an, &h->warnings),
                              HS_REACH_LIVE, h->an.have_graph ? &h->an.reach : NULL, 0, NULL, NULL, 0, NULL, NULL};
    return HS_OK;
}

void leakcheck_heap_free(leakcheck_heap *h)
{
    heap_top_result_free(&h->res);
    sb_free(&h->warnings);
    heap_analysis_close(&h->an);
}
