/* test_go_mprof_cores.h - part of test_go_mprof.c: the stored cores of every release against
 * what the Go runtime itself reported (see the comment at the top of test_go_mprof.c). */

#include "util/strbuf.h"

static void reads_every_release(void **state)
{
    (void)state;
    release rs[MAXREL];
    size_t n = list_releases("heap", rs);
    hs_need_data(n, "heap cores");
    for (size_t i = 0; i < n; i++) {
        opened o;
        open_release(&rs[i], &o);
        go_mprof *p;
        hs_err err;
        if (go_mprof_read(o.rt, &p, &err) < 0)
            fail_msg("%s: %s", rs[i].name, err.msg);
        assert_true(go_mprof_count(p) > 100);
        assert_int_equal(go_mprof_rate(p), 1);                /* main.go sets MemProfileRate = 1 */
        assert_int_equal(go_mprof_cycle(p), num_gc(&rs[i]));   /* one profile cycle per GC */
        assert_string_equal(go_mprof_warnings(p), "");
        for (size_t k = 0; k < go_mprof_count(p); k++) {
            const go_mprof_record *r = go_mprof_get(p, k);
            /* default depths: maxStack 32; profstackdepth 128 (1.26 records up to depth + 2) */
            int minor = o.rt->ver.minor;
            assert_in_range(r->nstack, 1, minor < 23 ? 32 : minor < 26 ? 128 : 130);
            assert_true(r->alloc_objects >= r->free_objects && r->alloc_bytes >= r->free_bytes);
        }
        go_mprof_close(p);
        close_release(&o);
    }
}

/* The blocked test program does not link runtime/pprof: the linker set
 * runtime.disableMemoryProfiling in the executable's data (read from the file, not memory). */
static void compiled_out_is_explained(void **state)
{
    (void)state;
    release rs[MAXREL];
    size_t n = list_releases("blocked", rs);
    hs_need_data(n, "blocked cores");
    for (size_t i = 0; i < n; i++) {
        opened o;
        open_release(&rs[i], &o);
        hs_symbol sym;
        uint8_t flag = 0;
        hs_err err;
        assert_int_equal(hs_image_symbol(o.img, "runtime.disableMemoryProfiling", &sym), 0);
        assert_int_equal(hs_image_read(o.img, sym.value, &flag, 1, &err), 0);
        assert_int_equal(flag, 1);
        go_mprof *p;
        assert_int_equal(go_mprof_read(o.rt, &p, &err), -1);
        assert_non_null(strstr(err.msg, "memory profiling was compiled out"));
        close_release(&o);
    }
}

/* ---- stacks and values, site by site ---- */

typedef struct entry {
    UT_hash_handle hh;
    int64_t prof[4], core[4];
    int nprof, ncore, main_alloc, flat_main;
    char key[];
} entry;

static entry *entry_get(entry **h, const char *key)
{
    entry *e = NULL;
    HASH_FIND_STR(*h, key, e);
    if (!e) {
        e = calloc(1, sizeof *e + strlen(key) + 1);
        strcpy(e->key, key);
        HASH_ADD_STR(*h, key, e);
    }
    return e;
}

static void add_line(strbuf *k, const char *func, const char *file, long line, long start)
{
    sb_printf(k, "%s|%s|%ld|%ld;", func ? func : "", file ? file : "", line, start);
}

/* "addr{func|file|line|start;...}" per location of a -raw sample; notes main.* frames. */
static void prof_stack(const raw_profile *r, const raw_sample *s, strbuf *k, entry *flags)
{
    for (int i = 0; i < s->nlocs; i++) {
        const raw_loc *l = raw_loc_by_id(r, s->locs[i]);
        assert_non_null(l);
        sb_printf(k, "%llx{", (unsigned long long)l->addr);
        for (int j = 0; j < l->nlines; j++) {
            const raw_line *ln = &l->lines[j];
            add_line(k, ln->func, ln->file, ln->line, ln->start);
            flags->main_alloc |= ln->func && !strcmp(ln->func, "main.allocate");
            flags->flat_main |= i == 0 && j == 0 && ln->func && !strncmp(ln->func, "main.", 5);
        }
        sb_puts(k, "}");
    }
}

static void site_stack(const hs_alloc_site *s, strbuf *k)
{
    for (uint32_t i = 0; i < s->nlocs; i++) {
        const hs_site_loc *l = &s->locs[i];
        sb_printf(k, "%llx{", (unsigned long long)l->address);
        for (uint32_t j = l->first; j < l->first + l->n; j++)
            add_line(k, s->symbols[j], s->frames[j].file, s->frames[j].line, s->start_lines[j]);
        sb_puts(k, "}");
    }
}

/* Profile samples and core sites keyed by "S:" stack and by "B:" stack + object size (the
 * runtime keys buckets by stack and size, and labels each sample with the size). */
static void collect(entry **h, const raw_profile *r, const hs_alloc_sites *sites)
{
    for (size_t i = 0; i < r->ns; i++) {
        strbuf k;
        sb_init(&k);
        entry fl = {0};
        prof_stack(r, &r->s[i], &k, &fl);
        entry_get(h, sb_str(&k))->nprof++;
        const char *b = strstr(r->s[i].labels, "bytes:[");
        char key[65536];
        snprintf(key, sizeof key, "B:%s#%ld", sb_str(&k), b ? strtol(b + 7, NULL, 10) : 0L);
        entry *e = entry_get(h, key);
        for (int v = 0; v < 4; v++)
            e->prof[v] += r->s[i].v[v];
        e->nprof++;
        e->main_alloc = fl.main_alloc;
        e->flat_main = fl.flat_main;
        sb_free(&k);
    }
    for (size_t i = 0; i < sites->n; i++) {
        const hs_alloc_site *s = &sites->v[i];
        strbuf k;
        sb_init(&k);
        site_stack(s, &k);
        entry_get(h, sb_str(&k))->ncore++;
        char key[65536];
        snprintf(key, sizeof key, "B:%s#%llu", sb_str(&k),
                 (unsigned long long)(s->alloc_objects ? s->alloc_bytes / s->alloc_objects : 0));
        entry *e = entry_get(h, key);
        int64_t v[4];
        hs_alloc_site_values(sites, s, &v[0], &v[1], &v[2], &v[3]);
        for (int j = 0; j < 4; j++)
            e->core[j] += v[j];
        e->ncore++;
        sb_free(&k);
    }
}

/* Asserts the theory above; counts what it compared. */
static void check_entries(const release *rel, entry *h, int *nmain, int *nlive)
{
    for (entry *e = h; e; e = e->hh.next) {
        if (strncmp(e->key, "B:", 2) != 0) {
            if (e->nprof && !e->ncore)
                fail_msg("%s: the program's profile has a stack heapscope lacks: %s", rel->name, e->key);
            continue;
        }
        if (!e->main_alloc || !e->nprof)
            continue;
        if (!e->ncore || e->core[0] != e->prof[0] || e->core[1] != e->prof[1] ||
            e->core[2] > e->prof[2] || e->core[3] > e->prof[3])
            fail_msg("%s: %s: profile %lld %lld %lld %lld, core %lld %lld %lld %lld", rel->name, e->key,
                     (long long)e->prof[0], (long long)e->prof[1], (long long)e->prof[2],
                     (long long)e->prof[3], (long long)e->core[0], (long long)e->core[1],
                     (long long)e->core[2], (long long)e->core[3]);
        (*nmain)++;
        if (e->flat_main && e->prof[2] == e->prof[0] && e->prof[3] == e->prof[1]) {
            if (e->core[2] != e->prof[2] || e->core[3] != e->prof[3])
                fail_msg("%s: live site %s: in use %lld/%lld in the profile, %lld/%lld in the core",
                         rel->name, e->key, (long long)e->prof[2], (long long)e->prof[3],
                         (long long)e->core[2], (long long)e->core[3]);
            (*nlive)++;
        }
    }
}

static void sites_match_program_profile(void **state)
{
    (void)state;
    release rs[MAXREL];
    char go[1024];
    size_t n = list_releases("heap", rs);
    hs_need_data(n, "heap cores");
    hs_need_go(raw_find_go(go, sizeof go));
    for (size_t i = 0; i < n; i++) {
        opened o;
        open_release(&rs[i], &o);
        go_mprof *p;
        const hs_alloc_sites *sites;
        hs_err err;
        if (go_mprof_read(o.rt, &p, &err) < 0 || go_mprof_sites(p, &sites, &err) < 0)
            fail_msg("%s: %s", rs[i].name, err.msg);
        raw_profile r;
        char prof[1100];
        snprintf(prof, sizeof prof, "%s/heap.pprof", rs[i].dir);
        assert_int_equal(raw_read(go, prof, &r), 0);
        assert_int_equal(r.period, go_mprof_rate(p));
        entry *h = NULL, *e, *tmp;
        collect(&h, &r, sites);
        int nmain = 0, nlive = 0;
        check_entries(&rs[i], h, &nmain, &nlive);
        assert_true(nmain >= 20);
        assert_true(nlive >= 8);
        HASH_ITER(hh, h, e, tmp) {
            HASH_DEL(h, e);
            free(e);
        }
        raw_free(&r);
        go_mprof_close(p);
        close_release(&o);
    }
}

/* ---- the written profile, through go tool pprof -top ---- */

/* -top output from the "Showing nodes" line on (the header names files and times). */
static char *top(const char *go, const char *profile, const char *index, const char *focus)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%.2000s' tool pprof -top -relative_percentages -nodecount=1000 "
             "-nodefraction=0 -symbolize=none -sample_index=%s -focus='%s' '%s'", go, index, focus, profile);
    int st;
    char *out = raw_run(cmd, &st);
    assert_true(out && st == 0);
    char *from = strstr(out, "Showing nodes");
    assert_non_null(from);
    memmove(out, from, strlen(from) + 1);
    return out;
}

static void compare_tops(const char *go, const release *rel, const char *theirs, const char *ours)
{
    /* Anchored: pprof also matches focus against file and mapping paths, and an unanchored
       "main.build" matches a checkout under .../main/build/. */
    static const char *const q[2][2] = {{"alloc_space", "^main\\.allocate$"},
                                        {"inuse_space", "^main\\.build$|^strings\\.Repeat$"}};
    for (int k = 0; k < 2; k++) {
        char *a = top(go, theirs, q[k][0], q[k][1]), *b = top(go, ours, q[k][0], q[k][1]);
        assert_non_null(strstr(a, "main.allocate"));
        if (strcmp(a, b) != 0)
            fail_msg("%s: -top -sample_index=%s differs:\n--- program\n%s--- heapscope\n%s",
                     rel->name, q[k][0], a, b);
        free(a);
        free(b);
    }
}

/* "1: START/LIMIT/OFFSET PATH BUILDID [FN]" -> the range, and what follows the path. */
static void split_mapping(const char *m, char range[128], char tail[256])
{
    const char *a = strchr(m, ' ');
    assert_non_null(a);
    const char *b = strchr(a + 1, ' ');
    assert_non_null(b);
    snprintf(range, 128, "%.*s", (int)(b - a - 1), a + 1);
    const char *c = strchr(b + 1, ' ');
    snprintf(tail, 256, "%s", c ? c : "");
}

static void written_profile_matches_program_profile(void **state)
{
    (void)state;
    release rs[MAXREL];
    char go[1024], dir[] = "/tmp/hs-mprof-XXXXXX";
    size_t n = list_releases("heap", rs);
    hs_need_data(n, "heap cores");
    hs_need_go(raw_find_go(go, sizeof go));
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < n; i++) {
        opened o;
        open_release(&rs[i], &o);
        go_mprof *p;
        const hs_alloc_sites *sites;
        hs_err err;
        char ours[256], theirs[1100];
        snprintf(ours, sizeof ours, "%.64s/%.63s.pb.gz", dir, rs[i].name);
        snprintf(theirs, sizeof theirs, "%s/heap.pprof", rs[i].dir);
        if (go_mprof_read(o.rt, &p, &err) < 0 || go_mprof_sites(p, &sites, &err) < 0 ||
            hs_pprof_write_heap(ours, sites, NULL, 0, &err) < 0)
            fail_msg("%s: %s", rs[i].name, err.msg);
        compare_tops(go, &rs[i], theirs, ours);
        raw_profile a, b; /* the same text mapping: range, offset and build id */
        assert_int_equal(raw_read(go, theirs, &a), 0);
        assert_int_equal(raw_read(go, ours, &b), 0);
        assert_string_equal(a.types, "alloc_objects/count alloc_space/bytes inuse_objects/count "
                                     "inuse_space/bytes");
        assert_string_equal(b.types, "alloc_objects/count alloc_space/bytes inuse_objects/count "
                                     "inuse_space/bytes[dflt]");
        char ra[128], rb[128], ta[256], tb[256];
        split_mapping(a.mapping1, ra, ta);
        split_mapping(b.mapping1, rb, tb);
        assert_string_equal(ra, rb);
        assert_string_equal(ta, tb);
        assert_int_equal(a.period, b.period);
        raw_free(&a);
        raw_free(&b);
        remove(ours);
        go_mprof_close(p);
        close_release(&o);
    }
    rmdir(dir);
}
