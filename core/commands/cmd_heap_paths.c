/* cmd_heap_paths.c - `heap-paths`: who holds the live objects of a type — their shortest
 * reference paths from roots, grouped by root and by the steps in between, with what each group
 * keeps alive; and, with --pprof, a profile of all live memory whose stacks are those paths. On a
 * Go heap, or on a C/C++ program's glibc heap (heap_holders_glibc.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../output/pprof.h"
#include "../views/path_tally.h"
#include "heap_holders.h"
#include "heap_holders_glibc.h"
#include "models.h"
#include "session.h"

enum { O_LIMIT, O_JSON, O_PPROF, O_TRY_NEWER };

static const hs_opt opts[] = {
    [O_LIMIT] = {"limit", 'n', 1, "show at most N paths (text default 20; 0 = all)"},
    [O_JSON] = {"json", 0, 0, "one JSON object instead of text"},
    [O_PPROF] = {"pprof", 0, 1, "write a profile whose stacks are the reference paths"},
    [O_TRY_NEWER] = HS_OPT_TRY_NEWER,
    {0, 0, 0, 0},
};

typedef struct paths_options {
    const char *type, *pprof;
    long limit;
    int json;
} paths_options;

static int read_options(const hs_args *a, paths_options *o, hs_err *err)
{
    memset(o, 0, sizeof *o);
    o->json = a->v[O_JSON].present;
    o->limit = o->json ? 0 : 20;
    o->pprof = a->v[O_PPROF].arg;
    if (a->npos > 1)
        return hs_errf(err, "unexpected argument \"%s\"", a->pos[1]);
    o->type = a->npos ? a->pos[0] : NULL;
    if (!o->type && !o->pprof)
        return hs_errf(err, "heap-paths wants a TYPE (e.g. main.Session), or --pprof FILE for a "
                       "profile of all live memory");
    if (a->v[O_LIMIT].present && hs_opt_uint("limit", a->v[O_LIMIT].arg, &o->limit, err) < 0)
        return -1;
    return 0;
}

/* ---- the type asked for ---- */

static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[129], cur[129];
    if (la > 128 || lb > 128)
        return 1000;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]), del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

/* The name id of TYPE among the live objects' names, or 0 with an error naming the closest. */
static uint32_t find_type(const heap_holders *hh, const char *type, hs_err *err)
{
    const hs_graph *g = hh->g;
    size_t n;
    const hs_oid *order = hs_paths_order(hh->paths, &n);
    uint32_t count = hs_strtab_count(hs_graph_names(g));
    uint8_t *used = calloc(count / 8 + 1, 1);
    if (!used)
        return hs_errf(err, "out of memory"), 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t nm = hs_graph_name(g, order[i]);
        used[nm >> 3] |= (uint8_t)(1u << (nm & 7));
    }
    uint32_t found = 0, best[3] = {0, 0, 0};
    size_t bestd[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
    for (uint32_t id = 1; id < count && !found; id++) {
        if (!(used[id >> 3] >> (id & 7) & 1))
            continue;
        const char *s = hs_strtab_str(hs_graph_names(g), id);
        if (!strcmp(s, type)) {
            found = id;
            break;
        }
        size_t d = distance(s, type);
        for (int k = 0; k < 3; k++)
            if (d < bestd[k]) {
                memmove(best + k + 1, best + k, (size_t)(2 - k) * sizeof *best);
                memmove(bestd + k + 1, bestd + k, (size_t)(2 - k) * sizeof *bestd);
                best[k] = id, bestd[k] = d;
                break;
            }
    }
    free(used);
    if (!found) {
        const hs_strtab *t = hs_graph_names(g);
        hs_errf(err, "no live object of type %s; closest: %s%s%s%s%s", type, hs_strtab_str(t, best[0]),
                best[1] ? ", " : "", hs_strtab_str(t, best[1]), best[2] ? ", " : "", hs_strtab_str(t, best[2]));
    }
    return found;
}

/* ---- groups ---- */

typedef struct group_text {
    char root[512];
    const char **steps;
} group_text;

static int fill_group(const heap_holders *hh, const hs_path_row *row, paths_group *pg, group_text *gt)
{
    const hs_strtab *names = hs_graph_names(hh->g);
    uint32_t ids[256], tag;
    size_t len = hs_chains_steps(hh->chains, row->chain, ids, 256), n = len < 256 ? len : 256;
    uint32_t root = hs_chains_root(hh->chains, row->chain, &tag);
    memset(pg, 0, sizeof *pg);
    heap_holders_describe(hh, root, tag, HS_NO_OBJ, &pg->root, gt->root, sizeof gt->root);
    snprintf(gt->root, sizeof gt->root, "%s", hs_strtab_str(names, ids[0])); /* the chain's label */
    pg->root.name = gt->root;
    if (n > 1 && !(gt->steps = malloc((n - 1) * sizeof *gt->steps)))
        return -1;
    for (size_t i = 1; i < n; i++)
        gt->steps[i - 1] = hs_strtab_str(names, ids[i]);
    pg->steps = gt->steps;
    pg->nsteps = n - 1;
    pg->objects = row->objects;
    pg->bytes = row->bytes;
    pg->retained_bytes = row->retained_bytes;
    return 0;
}

static int report(heap_holders *hh, hs_session *s, const paths_options *o, strbuf *out, hs_err *err)
{
    uint32_t name = find_type(hh, o->type, err);
    hs_path_row *rows;
    size_t n;
    if (!name || hs_path_tally(hh->g, hh->paths, hh->chains, hh->dom, name, &rows, &n, err) < 0)
        return HS_FAIL;
    paths_group *groups = calloc(n + 1, sizeof *groups);
    group_text *texts = calloc(n + 1, sizeof *texts);
    paths_report r = {hh->version, s->target, o->type, 0, 0, 0, groups, n, o->limit, "",
                      hh->native ? "glibc" : NULL};
    int status = groups && texts ? HS_OK : (hs_errf(err, "out of memory"), HS_FAIL);
    for (size_t i = 0; i < n && status == HS_OK; i++) {
        if (fill_group(hh, &rows[i], &groups[i], &texts[i]) < 0)
            status = (hs_errf(err, "out of memory"), HS_FAIL);
        r.objects += rows[i].objects;
        r.bytes += rows[i].bytes;
        r.retained_bytes += rows[i].retained_bytes;
    }
    if (status == HS_OK)
        (o->json ? paths_render_json : paths_render_text)(&r, out);
    for (size_t i = 0; texts && i < n; i++)
        free(texts[i].steps);
    free(texts);
    free(groups);
    free(rows);
    return status;
}

/* ---- the profile ---- */

static int write_profile(heap_holders *hh, const paths_options *o, hs_err *err)
{
    static const char *const types[2][2] = {{"inuse_objects", "count"}, {"inuse_space", "bytes"}};
    uint32_t name = o->type ? find_type(hh, o->type, err) : 0;
    hs_path_row *rows;
    size_t n;
    if ((o->type && !name) || hs_path_tally(hh->g, hh->paths, hh->chains, NULL, name, &rows, &n, err) < 0)
        return -1;
    hs_pprof *p = hs_pprof_new(types, 2);
    const hs_strtab *names = hs_graph_names(hh->g);
    int r = p ? 0 : hs_errf(err, "out of memory for the profile %s", o->pprof);
    if (p) {
        hs_pprof_set_default(p, "inuse_space");
        hs_pprof_add_comment(p, "heapscope heap-paths: live memory by reference path (root outermost)");
    }
    for (size_t i = 0; i < n && r == 0; i++) {
        uint32_t ids[64];
        uint64_t locs[65];
        size_t len = hs_chains_steps(hh->chains, rows[i].chain, ids, 64), k = len < 64 ? len : 64, nl = 0;
        locs[nl++] = hs_pprof_name_location(p, hs_strtab_str(names, rows[i].name)); /* leaf: the object */
        while (k > 0)
            locs[nl++] = hs_pprof_name_location(p, hs_strtab_str(names, ids[--k]));
        int64_t values[2] = {(int64_t)rows[i].objects, (int64_t)rows[i].bytes};
        hs_pprof_sample(p, locs, nl, values, NULL, 0); /* failures: hs_pprof_write reports them */
    }
    if (p)
        r = hs_pprof_write(p, o->pprof, err);
    hs_pprof_free(p);
    free(rows);
    return r;
}

/* Reports (or writes the profile) from holders opened on some heap. */
static int from_holders(heap_holders *hh, hs_session *s, const paths_options *o, strbuf *out, strbuf *msgs,
                        hs_err *err)
{
    int status = o->type ? report(hh, s, o, out, err) : HS_OK;
    if (status == HS_OK && o->pprof)
        status = write_profile(hh, o, err) < 0 ? HS_FAIL : HS_OK;
    if (status == HS_OK && o->pprof && !o->json)
        sb_printf(msgs, "wrote %s (go tool pprof -top %s; -http=: for a flame graph)\n", o->pprof, o->pprof);
    return status;
}

/* A C/C++ program's glibc heap. */
static int run_glibc(hs_session *s, const paths_options *o, strbuf *out, strbuf *msgs, hs_err *err)
{
    glibc_analysis ga;
    heap_holders hh;
    if (glibc_analysis_open(&ga, s, msgs, err) < 0)
        return HS_FAIL;
    int status = HS_FAIL;
    if (glibc_holders_open(&hh, &ga.gg, s->target, ga.version, HOLD_PATHS | (o->type ? HOLD_DOMINATORS : 0),
                           o->json ? NULL : msgs, err) == 0) {
        status = from_holders(&hh, s, o, out, msgs, err);
        heap_holders_close(&hh);
    }
    if (!o->json)
        sb_puts(msgs, sb_str(&ga.h.warnings));
    glibc_analysis_close(&ga);
    return status;
}

static int run(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err)
{
    paths_options o;
    if (read_options(a, &o, err) < 0)
        return HS_USAGE;
    if (hs_session_model(s) == HS_MODEL_NATIVE)
        return run_glibc(s, &o, out, msgs, err);
    go_rt *rt;
    if (hs_session_go(s, &rt, err) < 0 || hs_session_release(s, msgs, err) < 0)
        return HS_FAIL;
    heap_analysis an;
    heap_holders hh;
    if (heap_analysis_open(&an, rt, HEAP_NEED_GRAPH | HEAP_KEEP_TAGS, err) < 0)
        return HS_FAIL;
    int status = HS_FAIL;
    if (heap_holders_open(&hh, &an, HOLD_PATHS | (o.type ? HOLD_DOMINATORS : 0), err) == 0) {
        status = from_holders(&hh, s, &o, out, msgs, err);
        heap_holders_close(&hh);
    }
    strbuf w;
    sb_init(&w);
    if (!o.json)
        sb_puts(msgs, heap_analysis_warnings(&an, &w));
    sb_free(&w);
    heap_analysis_close(&an);
    return status;
}

const hs_command hs_cmd_heap_paths = {
    "heap-paths",
    "heap-paths TYPE [-n N] [--json] [--pprof FILE] | heap-paths --pprof FILE",
    "heap-paths TYPE [-n N] [--json] [--pprof FILE]\n"
    "heap-paths --pprof FILE\n"
    "  Who holds the live objects of TYPE (as heap-top names it: main.Session, []uint8, ...):\n"
    "  each object's shortest chain of references from a root — a global variable, a\n"
    "  goroutine's stack frame, a finalizer — grouped by root and by the objects passed through\n"
    "  (a map is one step, named by its type), largest group first, with the bytes each group\n"
    "  keeps alive (what would be freed without it: the dominator tree). Every live object of\n"
    "  TYPE is in exactly one group. On a C/C++ program (glibc malloc), TYPE is a class or a\n"
    "  block size as heap-top names it (Node, \"<malloc 48 B>\"), the references conservative,\n"
    "  roots global variables (g_cache+0x18), thread stacks and registers.\n"
    "  -n, --limit N    show at most N paths (text default 20; 0 = all)\n"
    "  --json           one JSON object instead of text\n"
    "  --pprof FILE     write a profile whose stacks are the reference paths, root outermost\n"
    "                   (without TYPE: all live memory), for go tool pprof -top / -http\n"
    "  --try-newer      read a Go release newer than heapscope knows (see README)\n",
    opts,
    1,
    run,
};
