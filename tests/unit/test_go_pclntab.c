/* test_go_pclntab.c - moduledata and pclntab decoding against independent oracles, for every
 * stored fixture executable (one per Go toolchain): linker symbols and sections (debug/elf),
 * functions, names, files and lines (debug/gosym), SP deltas (binutils readelf over the
 * linker's .debug_frame), and logical frames with inlining as the Go runtime itself reported
 * them (runtime.CallersFrames, runtime.txt). Also: section-less copies, corrupt and
 * constructed tables (must fail cleanly or answer without crashing), and lookup speed. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "go_pcln_fixtures.h"
#include "image/elf_image.h"
#include "image/go_buildinfo.h"
#include "image/go_moduledata.h"
#include "image/go_pclntab.h"
#include "image/go_version.h"
#include "image/go_window.h"
#include "hs_unit.h"

static fx fixtures[FX_MAX];
static size_t nfixtures;

static int setup(void **state)
{
    (void)state;
    const char *data = fx_data_dir();
    if (data)
        nfixtures = fx_list(data, fixtures, FX_MAX);
    return 0;
}

static void need_fixtures(void)
{
    const char *data = hs_data_dir_or_fail();
    if (nfixtures == 0)
        fail_msg("no go*/pcln fixtures under %s: run %s", data, HS_PREPARE_DATA);
}

/* Everything opened for one fixture. */
typedef struct opened {
    hs_image *img;
    go_version v;
    go_moduledata md;
    go_pcln *p;
    fx_oracle o;
} opened;

static void open_fixture(const fx *f, const char *path, opened *op)
{
    hs_err err = {{0}};
    char vers[128];
    memset(op, 0, sizeof *op);
    assert_int_equal(fx_oracle_read(f, "oracle.txt", &op->o), 0);
    if (hs_image_open(&op->img, path, &err) < 0 ||
        go_buildinfo_read(op->img, vers, sizeof vers, NULL, 0, &err) < 0 ||
        go_version_parse(vers, &op->v, &err) < 0 ||
        go_moduledata_find(op->img, &op->v, &op->md, &err) < 0 ||
        go_pcln_open(&op->p, op->img, &op->md, &op->v, &err) < 0)
        fail_msg("%s: %s", f->name, err.msg);
}

static void close_fixture(opened *op)
{
    go_pcln_close(op->p);
    hs_image_close(op->img);
    fx_oracle_free(&op->o);
}

static void test_name_for_print(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"main.F[go.shape.int]", "main.F[...]"},
        {"main.(*T[go.shape.string]).M", "main.(*T[...]).M"},
        {"main.G[go.shape.int,go.shape.string].func1", "main.G[...].func1"},
        {"main.Gen[...]", "main.Gen[...]"},
        {"runtime.main", "runtime.main"},
        {"weird]name[", "weird]name["},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[128];
        go_func_name_for_print(cases[i][0], out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
    char small[8];
    go_func_name_for_print("main.F[go.shape.int]", small, sizeof small);
    assert_string_equal(small, "main.F[");
    go_func_name_for_print("abcdefghijkl", small, sizeof small);
    assert_string_equal(small, "abcdefg");
}

/* First and last "func" lines: the oracle prints function 0 and the last one. */
static void func_bounds(const fx_oracle *o, uint64_t *first, uint64_t *last_end)
{
    *first = *last_end = 0;
    for (size_t i = 0; i < o->n; i++)
        if (strcmp(o->lines[i].f[0], "func") == 0) {
            if (!*first)
                *first = fx_num(o->lines[i].f[1]);
            *last_end = fx_num(o->lines[i].f[2]);
        }
}

static void expect_md_rest(const opened *op, const go_moduledata *md);

/* Compares a decoded moduledata with the linker's symbols and sections (debug/elf). */
static void expect_md(const opened *op, const go_moduledata *md)
{
    const fx_oracle *o = &op->o;
    assert_int_equal(md->addr, fx_addr(o, "sym", "runtime.firstmoduledata", NULL));
    assert_int_equal(md->pcheader, fx_addr(o, "section", ".gopclntab", NULL));
    static const struct { size_t off; const char *sym; } syms[] = {
        {offsetof(go_moduledata, text), "runtime.text"},
        {offsetof(go_moduledata, etext), "runtime.etext"},
        {offsetof(go_moduledata, noptrdata), "runtime.noptrdata"},
        {offsetof(go_moduledata, enoptrdata), "runtime.enoptrdata"},
        {offsetof(go_moduledata, data), "runtime.data"},
        {offsetof(go_moduledata, edata), "runtime.edata"},
        {offsetof(go_moduledata, bss), "runtime.bss"},
        {offsetof(go_moduledata, ebss), "runtime.ebss"},
        {offsetof(go_moduledata, noptrbss), "runtime.noptrbss"},
        {offsetof(go_moduledata, enoptrbss), "runtime.enoptrbss"},
        {offsetof(go_moduledata, end), "runtime.end"},
        {offsetof(go_moduledata, gcdata), "runtime.gcdata"},
        {offsetof(go_moduledata, gcbss), "runtime.gcbss"},
        {offsetof(go_moduledata, types), "runtime.types"},
        {offsetof(go_moduledata, etypes), "runtime.etypes"},
        {offsetof(go_moduledata, rodata), "runtime.rodata"},
        {offsetof(go_moduledata, findfunctab), "runtime.findfunctab"},
        {offsetof(go_moduledata, epclntab), "runtime.epclntab"},
    };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        uint64_t got;
        memcpy(&got, (const char *)md + syms[i].off, sizeof got);
        uint64_t want = fx_addr(o, "sym", syms[i].sym, NULL);
        if (syms[i].off == offsetof(go_moduledata, epclntab) && op->v.minor < 26)
            want = 0; /* the field exists from 1.26 on */
        if (got != want)
            fail_msg("%s: moduledata %s = 0x%llx, linker symbol says 0x%llx", op->v.full,
                     syms[i].sym, (unsigned long long)got, (unsigned long long)want);
    }
    expect_md_rest(op, md);
}

/* The fields of expect_md that are not plain linker symbols. */
static void expect_md_rest(const opened *op, const go_moduledata *md)
{
    const fx_oracle *o = &op->o;
    unsigned long long tsize, isize;
    uint64_t gofunc = fx_addr(o, "sym", op->v.minor >= 20 ? "go:func.*" : "go.func.*", NULL);
    assert_int_equal(md->gofunc, gofunc);
    assert_int_equal(md->typelinks, fx_addr(o, "section", ".typelink", &tsize));
    assert_int_equal(md->ntypelinks, tsize / 4);
    assert_int_equal(md->itablinks, fx_addr(o, "section", ".itablink", &isize));
    assert_int_equal(md->nitablinks, isize / 8);
    uint64_t first, last_end;
    func_bounds(o, &first, &last_end);
    assert_int_equal(md->ftab_len, fx_num(fx_find(o, "nfunc", NULL)->f[1]) + 1);
    assert_int_equal(md->minpc, first);
    assert_int_equal(md->maxpc, last_end);
    assert_int_equal(md->ntextsect, 1);
    assert_int_equal(md->next, 0);
    /* the GC masks are built by the runtime at start-up: zero in the file */
    assert_int_equal(md->gcdata_n, 0);
    assert_int_equal(md->gcbss_ptr, 0);
}

static void test_moduledata(void **state)
{
    (void)state;
    need_fixtures();
    for (size_t i = 0; i < nfixtures; i++) {
        opened op;
        open_fixture(&fixtures[i], fixtures[i].exe, &op);
        expect_md(&op, &op.md);
        go_moduledata m;
        hs_err err = {{0}};
        assert_int_equal(go_moduledata_find_by(op.img, &op.v, GO_MD_BY_SYMBOL, &m, &err), 0);
        expect_md(&op, &m);
        if (go_moduledata_find_by(op.img, &op.v, GO_MD_BY_SCAN, &m, &err) < 0)
            fail_msg("%s: %s", op.v.full, err.msg);
        expect_md(&op, &m);
        int rc = go_moduledata_find_by(op.img, &op.v, GO_MD_BY_SECTION, &m, &err);
        assert_int_equal(rc, op.v.minor >= 26 ? 0 : -1); /* .go.module is new in 1.26 */
        if (rc == 0)
            expect_md(&op, &m);
        /* decoding the same bytes with another release's layout must not validate */
        go_version other = op.v;
        other.minor = op.v.minor == 19 ? 26 : 19;
        assert_int_equal(go_moduledata_find_by(op.img, &other, GO_MD_BY_SYMBOL, &m, &err), -1);
        close_fixture(&op);
    }
}

static void test_moduledata_bad_version(void **state)
{
    (void)state;
    go_version v;
    uint8_t raw[1024] = {0};
    go_moduledata md;
    assert_int_equal(go_version_parse("go1.18.10", &v, NULL), 0);
    assert_int_equal(go_moduledata_size(&v), 0);
    assert_int_equal(go_moduledata_decode(raw, sizeof raw, &v, &md), -1);
    assert_int_equal(go_version_parse("go1.28.0", &v, NULL), 0);
    assert_int_equal(go_moduledata_decode(raw, sizeof raw, &v, &md), -1);
    assert_int_equal(go_version_parse("go1.23.5", &v, NULL), 0);
    assert_int_equal(go_moduledata_size(&v), 584);
    assert_int_equal(go_moduledata_decode(raw, 583, &v, &md), -1);
    assert_int_equal(go_moduledata_decode(raw, 584, &v, &md), 0);
}

/* Compares one "pc" oracle line: gosym's physical function and innermost file:line. */
static void expect_pc_line(const opened *op, const fx_line *l, go_pcache *cache)
{
    uint64_t pc = fx_num(l->f[1]);
    go_func f;
    go_srcframe fr[16];
    if (go_pcln_find(op->p, pc, &f) < 0)
        fail_msg("%s: pc 0x%llx not found", op->v.full, (unsigned long long)pc);
    assert_int_equal(f.entry, fx_num(l->f[2]));
    assert_string_equal(go_pcln_name(op->p, &f), l->f[3]);
    int n = go_pcln_frames_cached(op->p, pc, fr, 16, cache);
    assert_true(n >= 1);
    assert_string_equal(fr[n - 1].func, l->f[3]);
    assert_int_equal(fr[n - 1].inlined, 0);
    if (atoi(l->f[5]) <= 0) { /* gosym found no line (padding after the function) */
        assert_string_equal(fr[0].file, "?");
        assert_int_equal(fr[0].line, 0);
        return;
    }
    if (strcmp(fr[0].file, l->f[4]) != 0 || fr[0].line != atoi(l->f[5]))
        fail_msg("%s: pc 0x%llx: %s:%d, gosym says %s:%s", op->v.full, (unsigned long long)pc,
                 fr[0].file, fr[0].line, l->f[4], l->f[5]);
}

static void expect_func_line(const opened *op, const fx_line *l)
{
    uint64_t entry = fx_num(l->f[1]), end = fx_num(l->f[2]);
    go_func f;
    assert_int_equal(go_pcln_find(op->p, entry, &f), 0);
    assert_int_equal(f.entry, entry);
    assert_int_equal(f.end, end);
    assert_string_equal(go_pcln_name(op->p, &f), l->f[3]);
    assert_int_equal(go_pcln_find(op->p, end - 1, &f), 0);
    assert_int_equal(f.entry, entry);
}

static void expect_sp_line(const opened *op, const fx_line *l, go_pcache *cache)
{
    uint64_t pc = fx_num(l->f[1]);
    go_func f;
    int32_t sp;
    assert_int_equal(go_pcln_find(op->p, pc, &f), 0);
    assert_int_equal(go_pcln_spdelta_cached(op->p, &f, pc, &sp, cache), 0);
    if (sp != atoi(l->f[2]))
        fail_msg("%s: pc 0x%llx: spdelta %d, readelf CFA says %s", op->v.full,
                 (unsigned long long)pc, sp, l->f[2]);
}

static void check_oracle(const opened *op, go_pcache *cache, int *counts)
{
    for (size_t k = 0; k < op->o.n; k++) {
        const fx_line *l = &op->o.lines[k];
        if (strcmp(l->f[0], "func") == 0 && l->nf >= 4)
            expect_func_line(op, l), counts[0]++;
        else if (strcmp(l->f[0], "pc") == 0 && l->nf >= 6)
            expect_pc_line(op, l, cache), counts[1]++;
        else if (strcmp(l->f[0], "sp") == 0 && l->nf >= 3)
            expect_sp_line(op, l, cache), counts[2]++;
    }
}

static void test_pcln_oracle(void **state)
{
    (void)state;
    need_fixtures();
    go_pcache *cache = calloc(1, sizeof *cache);
    for (size_t i = 0; i < nfixtures; i++) {
        opened op;
        open_fixture(&fixtures[i], fixtures[i].exe, &op);
        assert_int_equal(go_pcln_nfunc(op.p), fx_num(fx_find(&op.o, "nfunc", NULL)->f[1]));
        assert_int_equal(go_pcln_hdr(op.p)->ver, op.v.minor >= 20 ? 120 : 118);
        int counts[3] = {0};
        check_oracle(&op, NULL, counts);
        check_oracle(&op, cache, counts); /* fills the cache */
        check_oracle(&op, cache, counts); /* answers from it */
        assert_true(counts[0] > 300 && counts[1] > 900 && counts[2] > 300);
        /* outside every function */
        go_func f;
        go_srcframe fr[4];
        assert_int_equal(go_pcln_find(op.p, op.md.minpc - 1, &f), -1);
        assert_int_equal(go_pcln_find(op.p, op.md.maxpc, &f), -1);
        assert_int_equal(go_pcln_find(op.p, 0, &f), -1);
        assert_int_equal(go_pcln_frames(op.p, op.md.maxpc + 100, fr, 4), -1);
        close_fixture(&op);
    }
    assert_true(cache->hits > 0);
    free(cache);
}

/* Frames of runtime.txt lines k.. : frames(PC) must reproduce the runtime's frames from line k
 * to the physical one, in order, with the runtime's inlined/physical marks. */
static int expect_runtime_frames(const opened *op, const fx_oracle *rt, size_t k, go_pcache *c)
{
    const fx_line *l = &rt->lines[k];
    uint64_t pc = fx_num(l->f[2]);
    go_srcframe fr[16];
    int n = go_pcln_frames_cached(op->p, pc, fr, 16, c);
    if (n < 1)
        fail_msg("%s: runtime frame pc 0x%llx not found", op->v.full, (unsigned long long)pc);
    for (int j = 0; j < n; j++) {
        assert_true(k + (size_t)j < rt->n);
        const fx_line *w = &rt->lines[k + (size_t)j];
        char name[512];
        go_func_name_for_print(fr[j].func, name, sizeof name);
        if (strcmp(name, w->f[5]) != 0 || strcmp(fr[j].file, w->f[6]) != 0 ||
            fr[j].line != atoi(w->f[7]) || fr[j].entry != fx_num(w->f[3]) ||
            fr[j].inlined != (strcmp(w->f[4], "inl") == 0))
            fail_msg("%s: pc 0x%llx frame %d: %s %s:%d inlined=%d; runtime says %s %s:%s %s",
                     op->v.full, (unsigned long long)pc, j, name, fr[j].file, fr[j].line,
                     fr[j].inlined, w->f[5], w->f[6], w->f[7], w->f[4]);
    }
    assert_string_equal(rt->lines[k + (size_t)n - 1].f[4], "phys");
    return n;
}

static void test_pcln_runtime_frames(void **state)
{
    (void)state;
    need_fixtures();
    go_pcache *cache = calloc(1, sizeof *cache);
    for (size_t i = 0; i < nfixtures; i++) {
        opened op;
        fx_oracle rt;
        open_fixture(&fixtures[i], fixtures[i].exe, &op);
        assert_int_equal(fx_oracle_read(&fixtures[i], "runtime.txt", &rt), 0);
        int inlined = 0, checked = 0;
        for (size_t k = 0; k < rt.n; k++) {
            if (rt.lines[k].nf < 8)
                fail_msg("%s: short runtime.txt line %zu", op.v.full, k);
            expect_runtime_frames(&op, &rt, k, cache);
            inlined += strcmp(rt.lines[k].f[4], "inl") == 0;
            checked++;
        }
        /* leaf inlined into mid inlined into outer, etc.: the fixture must exercise inlining */
        assert_true(inlined >= 6 && checked >= 30);
        fx_oracle_free(&rt);
        close_fixture(&op);
    }
    free(cache);
}

/* TOPFRAME marks the functions that end every stack (runtime/asm_amd64.s, proc.go). */
static void test_pcln_flags(void **state)
{
    (void)state;
    need_fixtures();
    for (size_t i = 0; i < nfixtures; i++) {
        opened op;
        open_fixture(&fixtures[i], fixtures[i].exe, &op);
        const char *top[] = {"runtime.goexit", "runtime.mstart", "runtime.rt0_go"};
        go_func f;
        for (size_t k = 0; k < 3; k++) {
            assert_int_equal(go_pcln_func_by_name(op.p, top[k], &f), 0);
            assert_true(go_pcln_flag(op.p, &f) & GO_FUNCFLAG_TOPFRAME);
        }
        assert_int_equal(go_pcln_func_by_name(op.p, "main.main", &f), 0);
        assert_int_equal(go_pcln_flag(op.p, &f) & GO_FUNCFLAG_TOPFRAME, 0);
        const fx_line *mm = NULL;
        for (size_t k = 0; k < op.o.n && !mm; k++)
            if (strcmp(op.o.lines[k].f[0], "func") == 0 &&
                strcmp(op.o.lines[k].f[3], "main.main") == 0)
                mm = &op.o.lines[k];
        assert_non_null(mm);
        assert_int_equal(f.entry, fx_num(mm->f[1]));
        assert_int_equal(go_pcln_func_by_name(op.p, "main.no_such_function", &f), -1);
        /* main.outer holds inlined calls: it has an inline tree; main.run has none */
        assert_int_equal(go_pcln_func_by_name(op.p, "main.outer", &f), 0);
        size_t avail;
        assert_non_null(go_pcln_funcdata_bytes(op.p, &f, GO_FUNCDATA_INLTREE, &avail));
        assert_true(go_pcln_funcdata(op.p, &f, GO_FUNCDATA_INLTREE) >= op.md.gofunc);
        assert_int_equal(go_pcln_func_by_name(op.p, "main.run", &f), 0);
        assert_int_equal(go_pcln_funcdata(op.p, &f, GO_FUNCDATA_INLTREE), 0);
        assert_int_equal(go_pcln_funcdata(op.p, &f, 200), 0);
        int32_t v;
        assert_int_equal(go_pcln_pcdata(op.p, &f, 1000, f.entry, &v), -1);
        assert_int_equal(v, -1);
        close_fixture(&op);
    }
}

/* Without section headers (no .symtab, .gopclntab, .go.module): moduledata by scanning the
 * writable segments, pclntab through moduledata. */
static void test_no_section_headers(void **state)
{
    (void)state;
    need_fixtures();
    for (size_t i = 0; i < nfixtures; i++) {
        char tmp[] = "/tmp/hs-pcln-XXXXXX";
        assert_int_equal(fx_copy(fixtures[i].exe, tmp), 0);
        assert_int_equal(fx_drop_section_headers(tmp), 0);
        opened op;
        open_fixture(&fixtures[i], tmp, &op);
        assert_int_equal(hs_image_has_symtab(op.img), 0);
        expect_md(&op, &op.md);
        int counts[3] = {0};
        check_oracle(&op, NULL, counts);
        close_fixture(&op);
        unlink(tmp);
    }
}

static uint32_t xorshift(uint32_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
    return *x;
}

/* Exercises every lookup over the oracle's PCs; results are not checked, only survival. */
static void poke(const go_pcln *p, const fx_oracle *o, go_pcache *cache)
{
    for (size_t k = 0; k < o->n; k++) {
        const fx_line *l = &o->lines[k];
        if (strcmp(l->f[0], "pc") != 0 && strcmp(l->f[0], "func") != 0)
            continue;
        uint64_t pc = fx_num(l->f[1]);
        go_func f;
        go_srcframe fr[8];
        int32_t v;
        const char *file;
        if (go_pcln_find(p, pc, &f) == 0) {
            assert_non_null(go_pcln_name(p, &f));
            go_pcln_spdelta_cached(p, &f, pc, &v, cache);
            go_pcln_pcdata(p, &f, GO_PCDATA_STACKMAPINDEX, pc, &v);
            go_pcln_fileline(p, &f, pc, &file, &v, cache);
            assert_non_null(file);
        }
        int n = go_pcln_frames_cached(p, pc, fr, 8, cache);
        assert_true(n >= -1 && n <= 8);
        for (int j = 0; j < n; j++)
            assert_true(fr[j].func && fr[j].file && strlen(fr[j].func) < (1u << 20));
    }
}

/* Iterations per fixture of the corruption test: 60, or $HS_FUZZ_ITERS for a longer run. */
static int fuzz_iterations(void)
{
    const char *e = getenv("HS_FUZZ_ITERS");
    return e && atoi(e) > 0 ? atoi(e) : 60;
}

/* Random byte corruption of a copy of the table and of the funcdata it points into. */
static void test_pcln_corrupt(void **state)
{
    (void)state;
    need_fixtures();
    for (size_t i = 0; i < nfixtures; i += 3) { /* 1.19, 1.23, 1.26: both formats */
        opened op;
        open_fixture(&fixtures[i], fixtures[i].exe, &op);
        const hs_section *s = hs_image_section(op.img, ".gopclntab");
        size_t glen;
        const uint8_t *gsrc = go_image_window(op.img, op.md.gofunc, &glen);
        size_t tlen = (size_t)s->size;
        uint8_t *tab = malloc(tlen), *gof = malloc(glen);
        uint32_t x = 12345u + (uint32_t)i;
        go_pcache *cache = calloc(1, sizeof *cache);
        int opened_ok = 0;
        for (int iter = 0; iter < fuzz_iterations(); iter++) {
            go_pcache_reset(cache); /* the bytes change under the same addresses */
            memcpy(tab, hs_image_section_bytes(op.img, s), tlen);
            memcpy(gof, gsrc, glen);
            int nflip = 1 + (int)(xorshift(&x) % 64);
            for (int k = 0; k < nflip; k++) {
                /* half of the damage in the first 64 KiB: header, ftab, names, hot tables */
                size_t hot = tlen < 65536 ? tlen : 65536;
                size_t at = xorshift(&x) % ((k & 1) ? tlen : hot);
                tab[at] = (uint8_t)xorshift(&x);
                gof[xorshift(&x) % glen] = (uint8_t)xorshift(&x);
            }
            size_t len = iter % 10 == 9 ? xorshift(&x) % tlen : tlen; /* sometimes truncated */
            go_pcln_bytes b = {tab, len, s->addr, gof, glen, op.md.gofunc, op.md.text, &op.v};
            go_pcln *p;
            hs_err err = {{0}};
            if (go_pcln_open_bytes(&p, &b, &err) < 0) {
                assert_true(strlen(err.msg) > 0);
                continue;
            }
            opened_ok++;
            poke(p, &op.o, cache);
            go_pcln_close(p);
        }
        assert_true(opened_ok > 0); /* most damage leaves the header intact */
        free(cache);
        free(tab);
        free(gof);
        close_fixture(&op);
    }
}

/* A minimal valid table, built by hand: header (magic 1.20+, minLC 1, ptrsize 8, 2 functions,
 * textStart 0x401000, sub-table offsets 72..104), names "a" and "b" at 72, the function table
 * at 104 ({entryoff, funcoff} x 3: functions of 16 bytes at text+0 and text+16) and their
 * 44-byte _func records at pclntable+24 and +68 (no value tables). */
static void make_table(uint8_t t[256])
{
    memset(t, 0, 256);
    const uint64_t hdr[9] = {0x08010000fffffff1ull, 2, 1, 0x401000, 72, 80, 88, 96, 104};
    memcpy(t, hdr, sizeof hdr);
    memcpy(t + 72, "a\0b\0", 4);
    const uint32_t ftab[6] = {0, 24, 16, 68, 32, 0};
    memcpy(t + 104, ftab, sizeof ftab);
    const uint32_t f1[2] = {16, 2};
    memcpy(t + 104 + 68, f1, sizeof f1);
}

static void test_pcln_constructed(void **state)
{
    (void)state;
    uint8_t t[256];
    make_table(t);
    go_pcln *p;
    hs_err err = {{0}};
    go_pcln_bytes b = {t, sizeof t, 0x1000, NULL, 0, 0, 0x401000, NULL};
    assert_int_equal(go_pcln_open_bytes(&p, &b, &err), 0);
    go_func f;
    assert_int_equal(go_pcln_find(p, 0x401000, &f), 0);
    assert_string_equal(go_pcln_name(p, &f), "a");
    assert_int_equal(go_pcln_find(p, 0x40101f, &f), 0);
    assert_string_equal(go_pcln_name(p, &f), "b");
    assert_int_equal(f.entry, 0x401010);
    assert_int_equal(f.end, 0x401020);
    assert_int_equal(go_pcln_find(p, 0x401020, &f), -1);
    assert_int_equal(go_pcln_find(p, 0x400fff, &f), -1);
    go_srcframe fr[2];
    assert_int_equal(go_pcln_frames(p, 0x401000, fr, 2), 1); /* no tables: "?" file, line 0 */
    assert_string_equal(fr[0].func, "a");
    assert_string_equal(fr[0].file, "?");
    assert_int_equal(fr[0].line, 0);
    int32_t sp;
    assert_int_equal(go_pcln_spdelta(p, &f, f.entry, &sp), -1);
    go_pcln_close(p);
}

/* Each defect of the constructed table is refused with a message naming it. */
static void test_pcln_bad_headers(void **state)
{
    (void)state;
    uint8_t t[256];
    make_table(t);
    go_pcln *p;
    hs_err err = {{0}};
    go_pcln_bytes b = {t, sizeof t, 0x1000, NULL, 0, 0, 0x401000, NULL};
    struct { size_t off; uint8_t val; const char *msg; } bad[] = {
        {0, 0xfb, "older than the oldest supported release"},
        {0, 0x12, "not a Go pclntab"},
        {4, 1, "non-zero padding"},
        {6, 2, "another architecture"}, /* quantum 1 (amd64) and 4 (arm64) are read */
        {7, 4, "another architecture"},
        {8, 0, "0 functions"},
        {33, 0x10, "funcnametab offset"},
        {65, 1, "functab offset"},
        {120, 0, "not sorted"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t c[256];
        memcpy(c, t, sizeof c);
        c[bad[i].off] = bad[i].val;
        b.tab = c;
        memset(&err, 0, sizeof err);
        assert_int_equal(go_pcln_open_bytes(&p, &b, &err), -1);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
    }
    b.tab = t;
    b.tab_len = 71;
    assert_int_equal(go_pcln_open_bytes(&p, &b, &err), -1);
    assert_non_null(strstr(err.msg, "too short"));
    b.tab_len = sizeof t;
    b.text = 0;
    t[24] = t[25] = t[26] = 0; /* textStart 0 (as Go 1.26 writes) and no text given */
    assert_int_equal(go_pcln_open_bytes(&p, &b, &err), -1);
    assert_non_null(strstr(err.msg, "no text start"));
    go_version v;
    go_version_parse("go1.19.8", &v, NULL);
    b.text = 0x401000;
    b.v = &v;
    assert_int_equal(go_pcln_open_bytes(&p, &b, &err), -1);
    assert_non_null(strstr(err.msg, "does not match the build version go1.19.8"));
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per go_pcln_frames call over pcs (rounds times), with cache or without (NULL). */
static double frames_ns(const go_pcln *p, const uint64_t *pcs, size_t n, int rounds,
                        go_pcache *cache)
{
    go_srcframe fr[16];
    long frames = 0;
    double t0 = now_ns();
    for (int r = 0; r < rounds; r++)
        for (size_t k = 0; k < n; k++)
            frames += go_pcln_frames_cached(p, pcs[k], fr, 16, cache);
    assert_true(frames >= (long)n * rounds);
    return (now_ns() - t0) / ((double)n * rounds);
}

#ifdef __SANITIZE_ADDRESS__
enum { SPEED_GOROUTINES = 10000 }; /* instrumented builds: a tenth of the work */
#else
enum { SPEED_GOROUTINES = 100000 };
#endif

/* Lookup speed on the newest fixture: every sample PC, then a threads-blocked-like load of
 * SPEED_GOROUTINES stacks of 10 frames drawn from 500 distinct PCs. */
static void test_pcln_speed(void **state)
{
    (void)state;
    need_fixtures();
    opened op;
    open_fixture(&fixtures[nfixtures - 1], fixtures[nfixtures - 1].exe, &op);
    static uint64_t pcs[4096], load[SPEED_GOROUTINES * 10];
    size_t npcs = 0;
    for (size_t k = 0; k < op.o.n && npcs < 4096; k++)
        if (strcmp(op.o.lines[k].f[0], "pc") == 0)
            pcs[npcs++] = fx_num(op.o.lines[k].f[1]);
    assert_true(npcs >= 500);
    uint32_t x = 7;
    for (size_t k = 0; k < sizeof load / sizeof load[0]; k++)
        load[k] = pcs[xorshift(&x) % 500];
    go_pcache *cache = calloc(1, sizeof *cache);
    double un = frames_ns(op.p, pcs, npcs, 20, NULL);
    double ca = frames_ns(op.p, pcs, npcs, 20, cache);
    double t0 = now_ns();
    double per = frames_ns(op.p, load, sizeof load / sizeof load[0], 1, cache);
    double total_ms = (now_ns() - t0) / 1e6;
    print_message("%s: go_pcln_frames over %zu sample pcs: %.0f ns/call uncached, %.0f ns/call "
                  "cached (hit rate %.2f); %d goroutines x 10 frames: %.0f ms (%.0f ns/call)\n",
                  op.v.full, npcs, un, ca,
                  (double)cache->hits / (double)(cache->hits + cache->misses), SPEED_GOROUTINES,
                  total_ms, per);
    free(cache);
    close_fixture(&op);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_for_print),
        cmocka_unit_test(test_moduledata),
        cmocka_unit_test(test_moduledata_bad_version),
        cmocka_unit_test(test_pcln_oracle),
        cmocka_unit_test(test_pcln_runtime_frames),
        cmocka_unit_test(test_pcln_flags),
        cmocka_unit_test(test_no_section_headers),
        cmocka_unit_test(test_pcln_corrupt),
        cmocka_unit_test(test_pcln_constructed),
        cmocka_unit_test(test_pcln_bad_headers),
        cmocka_unit_test(test_pcln_speed),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
