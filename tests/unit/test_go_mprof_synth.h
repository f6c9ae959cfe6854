/* test_go_mprof_synth.h - part of test_go_mprof.c: go_mprof_read on constructed memory. A fake
 * target serves the runtime's globals (at the addresses a real test executable's symbol table
 * gives) and a heap of buckets laid out as runtime/mprof.go declares them: bucket {next,
 * allnext, typ, hash, size, nstk} (48 bytes), nstk PCs, memRecord {active, future[3]} of
 * memRecordCycle {allocs, frees, alloc_bytes, free_bytes}. Expected results follow from
 * MemProfile's rules: active + future[C % 3], or every cycle when nothing is published. */

#define HEAP 0x7f0000000000ull

typedef struct region {
    uint64_t addr;
    size_t len;
    uint8_t *b;
} region;

typedef struct synth {
    hs_target t; /* first: the fake's read op casts back */
    region r[5];
    hs_image *img;
    go_rt rt;
    uint8_t g[4][8]; /* mbuckets, MemProfileRate, mProfCycle, disableMemoryProfiling */
    uint8_t heap[65536];
} synth;

typedef struct cyc4 {
    uint64_t allocs, frees, abytes, fbytes;
} cyc4;

static int fake_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    synth *s = (synth *)t;
    for (int i = 0; i < 5; i++)
        if (addr >= s->r[i].addr && addr - s->r[i].addr + len <= s->r[i].len) {
            memcpy(buf, s->r[i].b + (addr - s->r[i].addr), len);
            return 0;
        }
    return hs_errf(err, "no memory at 0x%llx", (unsigned long long)addr);
}

static void fake_close(hs_target *t) { (void)t; }

static const hs_target_ops fake_ops = {fake_read, NULL, fake_close};

static void put64(uint8_t *b, uint64_t v) { memcpy(b, &v, 8); }

/* A synthetic target over the newest stored heap executable whose memRecordCycle keeps byte
 * counts (1.19-1.26; 1.27 keeps counts only, covered by the tests against real profiles);
 * fails without test data. */
static synth *synth_new(void)
{
    release rs[MAXREL];
    size_t n = list_releases("heap", rs);
    while (n > 0 && strstr(rs[n - 1].dir, "/go1.27") != NULL)
        n--;
    hs_need_data(n, "heap cores of 1.19-1.26");
    synth *s = calloc(1, sizeof *s);
    char exe[1100], ver[128], mod[256];
    hs_err err;
    snprintf(exe, sizeof exe, "%s/exe", rs[n - 1].dir);
    if (hs_image_open(&s->img, exe, &err) < 0 || go_buildinfo_read(s->img, ver, sizeof ver, mod, sizeof mod, &err) < 0 ||
        go_version_parse(ver, &s->rt.ver, &err) < 0)
        fail_msg("%s: %s", exe, err.msg);
    static const char *const names[4] = {"runtime.mbuckets", "runtime.MemProfileRate",
                                         "runtime.mProfCycle", "runtime.disableMemoryProfiling"};
    for (int i = 0; i < 4; i++) {
        hs_symbol sym;
        assert_int_equal(hs_image_symbol(s->img, names[i], &sym), 0);
        s->r[i] = (region){sym.value, i == 3 ? 1 : (i == 2 ? 4 : 8), s->g[i]};
    }
    s->r[4] = (region){HEAP, sizeof s->heap, s->heap};
    s->t.ops = &fake_ops;
    s->t.kind = "core";
    s->t.description = (char *)"synthetic memory";
    s->rt.t = &s->t;
    s->rt.exe = s->img;
    s->rt.src = (go_layout_src){NULL, s->rt.ver.minor, &go_tables_amd64};
    put64(s->g[1], 1); /* MemProfileRate */
    return s;
}

static void synth_free(synth *s)
{
    hs_image_close(s->img);
    free(s);
}

static void set_cycle(synth *s, uint32_t value) { memcpy(s->g[2], &value, 4); }

/* Writes a memProfile bucket at heap offset off; c = {active, future[0], future[1], future[2]}. */
static uint64_t put_bucket(synth *s, size_t off, uint64_t allnext, uint64_t typ, uint64_t nstk,
                           const cyc4 c[4])
{
    uint8_t *b = s->heap + off;
    put64(b + 8, allnext);
    put64(b + 16, typ);
    put64(b + 24, 0x5eed);
    put64(b + 32, 64);
    put64(b + 40, nstk);
    for (uint64_t i = 0; c && i < nstk; i++)
        put64(b + 48 + 8 * i, 0x401000 + 16 * i);
    for (int k = 0; c && k < 4; k++) {
        uint8_t *rc = b + 48 + 8 * nstk + 32 * k;
        put64(rc, c[k].allocs);
        put64(rc + 8, c[k].frees);
        put64(rc + 16, c[k].abytes);
        put64(rc + 24, c[k].fbytes);
    }
    return HEAP + off;
}

static void expect_record(const go_mprof *p, size_t i, uint64_t ao, uint64_t ab, uint64_t fo, uint64_t fb)
{
    const go_mprof_record *r = go_mprof_get(p, i);
    assert_non_null(r);
    assert_int_equal(r->alloc_objects, ao);
    assert_int_equal(r->alloc_bytes, ab);
    assert_int_equal(r->free_objects, fo);
    assert_int_equal(r->free_bytes, fb);
}

static void scale_is_pprofs_unbiasing(void **state)
{
    (void)state;
    double c, b, e1 = 1 / (1 - exp(-1.0)); /* an object of exactly the rate's size */
    go_mprof_scale(2, 1048576, 524288, &c, &b);
    assert_true(fabs(c - 2 * e1) < 1e-9 && fabs(b - 1048576 * e1) < 1e-6);
    go_mprof_scale(3, 96, 1, &c, &b); /* rate 1: every allocation was recorded */
    assert_true(c == 3 && b == 96);
    go_mprof_scale(3, 96, 0, &c, &b); /* rate unknown: no adjustment */
    assert_true(c == 3 && b == 96);
    go_mprof_scale(0, 96, 512, &c, &b);
    assert_true(c == 0 && b == 0);
    go_mprof_scale(5, 0, 512, &c, &b);
    assert_true(c == 0 && b == 0);
    go_mprof_scale(10, 160, 512, &c, &b); /* 16-byte objects at 512: 1/(1-e^-(1/32)) = 32.50...*/
    assert_true(fabs(c - 10 / (1 - exp(-16.0 / 512))) < 1e-9 && fabs(c - 325.0260) < 1e-3);
}

static void combines_cycles_like_memprofile(void **state)
{
    (void)state;
    synth *s = synth_new();
    set_cycle(s, 7u << 1 | 1); /* cycle 7, flushed: MemProfile reads active + future[7 % 3] */
    const cyc4 a[4] = {{10, 2, 1000, 200}, {5, 0, 500, 0}, {1, 1, 100, 100}, {0, 3, 0, 300}};
    const cyc4 b[4] = {{0, 0, 0, 0}, {2, 0, 128, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    uint64_t second = put_bucket(s, 4096, 0, 1, 1, b);
    put64(s->g[0], put_bucket(s, 0, second, 1, 3, a));
    go_mprof *p;
    hs_err err;
    assert_int_equal(go_mprof_read(&s->rt, &p, &err), 0);
    assert_int_equal(go_mprof_count(p), 2); /* all records, as MemProfile(p, true) */
    expect_record(p, 0, 11, 1100, 3, 300);
    expect_record(p, 1, 0, 0, 0, 0);
    assert_int_equal(go_mprof_get(p, 0)->nstack, 3);
    assert_int_equal(go_mprof_get(p, 0)->stack[2], 0x401020);
    assert_int_equal(go_mprof_cycle(p), 7);
    assert_int_equal(go_mprof_rate(p), 1);
    assert_string_equal(go_mprof_warnings(p), "");
    go_mprof_close(p);
    synth_free(s);
}

static void unpublished_profile_sums_every_cycle(void **state)
{
    (void)state;
    synth *s = synth_new();
    set_cycle(s, 0); /* no GC yet: nothing in active or future[0] */
    const cyc4 a[4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {3, 0, 96, 0}, {1, 1, 32, 32}};
    const cyc4 b[4] = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}, {2, 0, 64, 0}};
    uint64_t second = put_bucket(s, 4096, 0, 1, 2, b);
    put64(s->g[0], put_bucket(s, 0, second, 1, 2, a));
    go_mprof *p;
    hs_err err;
    assert_int_equal(go_mprof_read(&s->rt, &p, &err), 0);
    expect_record(p, 0, 4, 128, 1, 32);
    expect_record(p, 1, 2, 64, 0, 0);
    go_mprof_close(p);
    synth_free(s);
}

static void looping_list_is_cut_without_repeats(void **state)
{
    (void)state;
    synth *s = synth_new();
    const cyc4 a[4] = {{1, 0, 8, 0}, {0}, {0}, {0}};
    size_t offs[3] = {0, 4096, 8192};
    for (int len = 1; len <= 3; len++) { /* b0 -> ... -> b(len-1) -> b0 */
        for (int i = 0; i < len; i++)
            put_bucket(s, offs[i], HEAP + offs[(i + 1) % len], 1, 1, a);
        put64(s->g[0], HEAP);
        go_mprof *p;
        hs_err err;
        assert_int_equal(go_mprof_read(&s->rt, &p, &err), 0);
        assert_int_equal(go_mprof_count(p), len);
        assert_non_null(strstr(go_mprof_warnings(p), "loops back"));
        go_mprof_close(p);
    }
    synth_free(s);
}

static void corrupt_buckets_are_reported(void **state)
{
    (void)state;
    synth *s = synth_new();
    const cyc4 a[4] = {{1, 0, 8, 0}, {0}, {0}, {0}};
    go_mprof *p;
    hs_err err;
    put64(s->g[0], put_bucket(s, 0, 0, 1, 5000, NULL)); /* more PCs than any release keeps */
    assert_int_equal(go_mprof_read(&s->rt, &p, &err), -1);
    assert_non_null(strstr(err.msg, "corrupt"));
    put64(s->g[0], HEAP + 4);
    assert_int_equal(go_mprof_read(&s->rt, &p, &err), -1);
    assert_non_null(strstr(err.msg, "misaligned"));
    uint64_t bad[3] = {put_bucket(s, 4096, 0, 2, 1, a), 0x6000000000ull, HEAP + 8192 + 3};
    for (int i = 0; i < 3; i++) { /* a block-profile bucket, unmapped, misaligned */
        put64(s->g[0], put_bucket(s, 0, bad[i], 1, 1, a));
        assert_int_equal(go_mprof_read(&s->rt, &p, &err), 0);
        assert_int_equal(go_mprof_count(p), 1);
        assert_non_null(strstr(go_mprof_warnings(p), "cut short after 1"));
        go_mprof_close(p);
    }
    synth_free(s);
}

static void empty_profile_says_why(void **state)
{
    (void)state;
    synth *s = synth_new();
    go_mprof *p;
    hs_err err;
    put64(s->g[0], 0);
    s->g[3][0] = 1;
    put64(s->g[1], 0);
    assert_int_equal(go_mprof_read(&s->rt, &p, &err), -1);
    assert_non_null(strstr(err.msg, "memory profiling was compiled out"));
    assert_non_null(strstr(err.msg, "use --by type"));
    s->g[3][0] = 0;
    assert_int_equal(go_mprof_read(&s->rt, &p, &err), -1);
    assert_non_null(strstr(err.msg, "MemProfileRate is 0"));
    put64(s->g[1], 524288);
    assert_int_equal(go_mprof_read(&s->rt, &p, &err), -1);
    assert_non_null(strstr(err.msg, "no allocation was sampled yet"));
    /* a start-up bucket in a program without profiling (Go 1.25+) changes nothing */
    const cyc4 a[4] = {{1, 0, 1152, 0}, {0}, {0}, {0}};
    put64(s->g[0], put_bucket(s, 0, 0, 1, 2, a));
    s->g[3][0] = 1;
    assert_int_equal(go_mprof_read(&s->rt, &p, &err), -1);
    assert_non_null(strstr(err.msg, "memory profiling was compiled out"));
    /* profiling turned off at run time: the records stay, with a warning */
    s->g[3][0] = 0;
    put64(s->g[1], 0);
    assert_int_equal(go_mprof_read(&s->rt, &p, &err), 0);
    assert_int_equal(go_mprof_count(p), 1);
    assert_non_null(strstr(go_mprof_warnings(p), "MemProfileRate is 0"));
    go_mprof_close(p);
    synth_free(s);
}

/* The rows view on constructed sites: equal stacks merge, values are unbiased per site with
 * the rate (here 512: 1/(1-e^-(avg/512)) for each site's own average size), freed-only
 * sites are left out unless asked for, and rows come largest in-use bytes first. */
static void rows_group_scale_and_sort(void **state)
{
    (void)state;
    static const hs_frame fa[2] = {{"main.a", "/m.go", 10, 0, 0}, {"main.main", "/m.go", 3, 0, 0}};
    static const hs_frame fb[1] = {{"main.b", "/m.go", 20, 0, 0}};
    static const hs_frame fc[1] = {{"main.c", "/m.go", 30, 0, 0}};
    hs_alloc_site v[4] = {
        {fa, NULL, NULL, 2, NULL, 0, 10, 160, 4, 64},  /* 16-byte objects, 6 in use */
        {fb, NULL, NULL, 1, NULL, 0, 1, 4096, 0, 0},   /* one 4 KiB object */
        {fa, NULL, NULL, 2, NULL, 0, 2, 2048, 0, 0},   /* same stack, 1 KiB objects */
        {fc, NULL, NULL, 1, NULL, 0, 5, 80, 5, 80},    /* all freed */
    };
    hs_alloc_sites s = {v, 4, 512, go_mprof_scale, {0, 0, 0, NULL, NULL}};
    hs_site_rows r;
    hs_err err;
    assert_int_equal(hs_site_rows_build(&s, 0, &r, &err), 0);
    assert_int_equal(r.n, 2);
    double k16 = 1 / (1 - exp(-16.0 / 512)), k1k = 1 / (1 - exp(-1024.0 / 512)), k4k = 1 / (1 - exp(-8.0));
    /* main.a: 96 B * 32.5 + 2048 B * 1.157 = 5488 B beats main.b: 4096 B * 1.0003 = 4097 B */
    assert_string_equal(r.v[0].name, "main.a");
    assert_int_equal(r.v[0].nsites, 2);
    assert_int_equal(r.v[0].nframes, 2);
    assert_int_equal(r.v[0].inuse_objects, (int64_t)(6 * k16) + (int64_t)(2 * k1k));
    assert_int_equal(r.v[0].inuse_bytes, (int64_t)(96 * k16) + (int64_t)(2048 * k1k));
    assert_int_equal(r.v[0].alloc_bytes, (int64_t)(160 * k16) + (int64_t)(2048 * k1k));
    assert_int_equal(r.v[0].inuse_bytes, 5488);
    assert_string_equal(r.v[1].name, "main.b");
    assert_int_equal(r.v[1].inuse_bytes, (int64_t)(4096 * k4k));
    assert_int_equal(r.v[1].inuse_bytes, 4097);
    assert_int_equal(r.inuse_bytes, r.v[0].inuse_bytes + r.v[1].inuse_bytes);
    hs_site_rows_free(&r);
    assert_int_equal(hs_site_rows_build(&s, 1, &r, &err), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.v[2].name, "main.c");
    assert_int_equal(r.v[2].inuse_bytes, 0);
    assert_int_equal(r.v[2].alloc_objects, (int64_t)(5 / (1 - exp(-16.0 / 512))));
    hs_site_rows_free(&r);
}
