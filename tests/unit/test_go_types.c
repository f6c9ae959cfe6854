/* test_go_types.c - the Go type-descriptor reader (core/go/go_types*.c) against what the Go
 * runtime itself printed: for every stored core of tests/fixtures/go/types ($HS_TEST_DATA/
 * go1.XX.Y/types/{exe,core,dump.txt}) each type reflect described (name, size, kind, fields,
 * element/key/length, pointer words, direct-interface storage), each itab's concrete type and
 * each global's address and type must come out the same; the type symbols of .symtab check the
 * roots' descriptors once more. Then robustness: every word of the type data, random and
 * corrupted descriptors (through a target wrapper that damages bytes) must give NULL or a
 * plausible answer, never a crash (run under ASan); and the cost per decoded type. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "go/go_runtime.h"
#include "go/go_types.h"
#include "image/elf_image.h"
#include "target/core_target.h"
#include "hs_unit.h"

enum { MAX_FX = 16, MAX_F = 10 };

typedef struct line {
    char tag;
    int nf;
    char *f[MAX_F]; /* f[0] is the tag */
} line;

typedef struct fixture {
    char name[256], dir[1024];
    hs_target *t;
    hs_image *exe;
    go_rt *rt;
    char *text;
    line *lines;
    size_t n;
} fixture;

/* ---- fixtures ---- */

static const char *data_dir(void)
{
    const char *d = getenv("HS_TEST_DATA");
    struct stat st;
    return d && stat(d, &st) == 0 && S_ISDIR(st.st_mode) ? d : NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const fixture *)a)->name, ((const fixture *)b)->name);
}

static size_t list_fixtures(fixture *out)
{
    const char *data = data_dir();
    DIR *d = data ? opendir(data) : NULL;
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && n < MAX_FX) {
        if (strncmp(e->d_name, "go1.", 4) != 0 || strlen(e->d_name) >= sizeof out->name)
            continue;
        memset(&out[n], 0, sizeof out[n]);
        snprintf(out[n].name, sizeof out[n].name, "%s", e->d_name);
        snprintf(out[n].dir, sizeof out[n].dir, "%s/%s/types", data, e->d_name);
        char core[1200];
        snprintf(core, sizeof core, "%s/core", out[n].dir);
        if (access(core, R_OK) == 0)
            n++;
    }
    if (d)
        closedir(d);
    qsort(out, n, sizeof *out, by_name);
    return n;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = len >= 0 ? malloc((size_t)len + 1) : NULL;
    size_t n = buf ? fread(buf, 1, (size_t)len, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    return buf;
}

/* Splits dump.txt into tab-separated lines (in place). */
static void parse_dump(fixture *fx)
{
    size_t cap = 0;
    for (char *p = fx->text, *nl; p && *p; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = 0;
        if (!p[0] || p[1] != '\t')
            continue;
        if (fx->n == cap) {
            cap = cap ? cap * 2 : 512;
            fx->lines = realloc(fx->lines, cap * sizeof *fx->lines);
            assert_non_null(fx->lines);
        }
        line *l = &fx->lines[fx->n++];
        l->tag = p[0];
        l->nf = 0;
        for (char *s = p, *tab; s && l->nf < MAX_F; s = tab ? tab + 1 : NULL) {
            tab = strchr(s, '\t');
            if (tab)
                *tab = 0;
            l->f[l->nf++] = s;
        }
    }
}

static void open_fixture(fixture *fx)
{
    char core[1200], exe[1200], dump[1200];
    snprintf(core, sizeof core, "%s/core", fx->dir);
    snprintf(exe, sizeof exe, "%s/exe", fx->dir);
    snprintf(dump, sizeof dump, "%s/dump.txt", fx->dir);
    hs_err err = {{0}};
    if (hs_core_target_open(&fx->t, core, &err) < 0 || hs_image_open(&fx->exe, exe, &err) < 0 ||
        hs_core_target_set_exe(fx->t, fx->exe, &err) < 0 ||
        go_rt_open(&fx->rt, fx->t, fx->exe, &err) < 0)
        fail_msg("%s: %s", fx->name, err.msg);
    fx->text = slurp(dump);
    if (!fx->text)
        fail_msg("%s: cannot read %s", fx->name, dump);
    parse_dump(fx);
    if (fx->n < 100)
        fail_msg("%s: only %zu lines in %s", fx->name, fx->n, dump);
}

static void close_fixture(fixture *fx)
{
    go_rt_close(fx->rt);
    hs_target_close(fx->t);
    hs_image_close(fx->exe);
    free(fx->text);
    free(fx->lines);
}

static go_types *types_ok(fixture *fx)
{
    go_types *ts = NULL;
    hs_err err = {{0}};
    if (go_types_open(&ts, fx->rt, &err) < 0)
        fail_msg("%s: go_types_open: %s", fx->name, err.msg);
    return ts;
}

static uint64_t hex(const char *s) { return strtoull(s, NULL, 0); }

/* The decoded type at addr, failing the test when it does not decode. */
static const go_type *get_ok(fixture *fx, go_types *ts, uint64_t addr, const char *what)
{
    const go_type *t = go_types_get(ts, addr);
    if (!t)
        fail_msg("%s: %s: descriptor 0x%llx does not decode", fx->name, what, (unsigned long long)addr);
    return t;
}

static void expect_name(fixture *fx, go_types *ts, uint64_t addr, const char *want, const char *what)
{
    const go_type *t = get_ok(fx, ts, addr, what);
    if (strcmp(t->name, want) != 0)
        fail_msg("%s: %s: descriptor 0x%llx is named \"%s\", reflect says \"%s\"", fx->name, what,
                 (unsigned long long)addr, t->name, want);
}

/* ---- descriptors against reflect ---- */

static void check_T(fixture *fx, go_types *ts, const line *l)
{
    const go_type *t = get_ok(fx, ts, hex(l->f[1]), l->f[5]);
    expect_name(fx, ts, t->addr, l->f[5], "type");
    if (t->size != hex(l->f[2]) || t->kind != atoi(l->f[3]))
        fail_msg("%s: %s: size %llu kind %u, reflect says size %s kind %s", fx->name, l->f[5],
                 (unsigned long long)t->size, t->kind, l->f[2], l->f[3]);
    int direct = atoi(l->f[4]);
    if (direct >= 0 && t->direct_iface != direct)
        fail_msg("%s: %s: direct_iface %u, the program measured %d", fx->name, l->f[5],
                 t->direct_iface, direct);
    assert_false(t->runtime_made);
}

static void check_F(fixture *fx, go_types *ts, const line *l)
{
    const go_type *t = get_ok(fx, ts, hex(l->f[1]), "struct");
    unsigned i = (unsigned)atoi(l->f[2]);
    if (t->kind != GO_KIND_STRUCT || i >= t->nfields)
        fail_msg("%s: %s: no field %u (kind %u, %u fields)", fx->name, t->name, i, t->kind, t->nfields);
    const go_field *f = &t->fields[i];
    if (strcmp(f->name, l->f[6]) != 0 || f->offset != hex(l->f[3]) || f->type != hex(l->f[4]) ||
        f->embedded != atoi(l->f[5]))
        fail_msg("%s: %s field %u: %s @%llu type 0x%llx embedded %u; reflect: %s @%s type %s "
                 "embedded %s", fx->name, t->name, i, f->name, (unsigned long long)f->offset,
                 (unsigned long long)f->type, f->embedded, l->f[6], l->f[3], l->f[4], l->f[5]);
    expect_name(fx, ts, f->type, l->f[7], "field type");
}

static void check_EKLM(fixture *fx, go_types *ts, const line *l)
{
    const go_type *t = get_ok(fx, ts, hex(l->f[1]), "composite");
    switch (l->tag) {
    case 'E':
        if (t->elem != hex(l->f[2]))
            fail_msg("%s: %s: elem 0x%llx, reflect %s", fx->name, t->name, (unsigned long long)t->elem, l->f[2]);
        expect_name(fx, ts, t->elem, l->f[3], "elem");
        break;
    case 'K':
        if (t->key != hex(l->f[2]))
            fail_msg("%s: %s: key 0x%llx, reflect %s", fx->name, t->name, (unsigned long long)t->key, l->f[2]);
        expect_name(fx, ts, t->key, l->f[3], "key");
        break;
    case 'L':
        if (t->len != hex(l->f[2]))
            fail_msg("%s: %s: len %llu, reflect %s", fx->name, t->name, (unsigned long long)t->len, l->f[2]);
        break;
    case 'M':
        if (t->kind != GO_KIND_INTERFACE || t->empty_iface != (atoi(l->f[2]) == 0))
            fail_msg("%s: %s: empty_iface %u with %s methods", fx->name, t->name, t->empty_iface, l->f[2]);
        break;
    }
}

/* Hex mask bytes as the program printed them against the decoded mask. */
static void check_P(fixture *fx, go_types *ts, const line *l, size_t *masks, size_t *absent)
{
    const go_type *t = get_ok(fx, ts, hex(l->f[1]), "mask");
    uint64_t want = hex(l->f[2]);
    /* a mask the runtime does not precompute: a GC program through 1.23, whose ptrdata is where
     * the program ends (between the last pointer and the end), or built on demand from 1.24 */
    int big = want / 8 > 16384, prog = big && fx->rt->ver.minor <= 23;
    if (prog ? t->ptrdata < want || t->ptrdata > t->size : t->ptrdata != want)
        fail_msg("%s: %s: ptrdata %llu, the program computed %s", fx->name, t->name,
                 (unsigned long long)t->ptrdata, l->f[2]);
    if (t->ptrdata == 0) {
        assert_null(t->ptrmask);
        return;
    }
    if (prog)
        assert_null(t->ptrmask);
    if (!t->ptrmask) {
        if (!big)
            fail_msg("%s: %s: no pointer mask for %llu pointer bytes", fx->name, t->name,
                     (unsigned long long)t->ptrdata);
        (*absent)++;
        return;
    }
    const char *h = l->f[3];
    size_t nbytes = strlen(h) / 2;
    assert_int_equal(nbytes, (t->ptrdata / 8 + 7) / 8);
    for (size_t i = 0; i < nbytes; i++) {
        unsigned b;
        sscanf(h + 2 * i, "%2x", &b);
        if (t->ptrmask[i] != b)
            fail_msg("%s: %s: mask byte %zu is %02x, the program computed %02x", fx->name,
                     t->name, i, t->ptrmask[i], b);
    }
    (*masks)++;
}

/* Map descriptors: the bucket/group type the runtime names after key and value. */
static void check_map_group(fixture *fx, go_types *ts, const go_type *t)
{
    int swiss = fx->rt->ver.minor >= 24;
    const go_type *k = get_ok(fx, ts, t->key, "key"), *v = get_ok(fx, ts, t->elem, "value");
    const go_type *g = get_ok(fx, ts, t->map_group, "group");
    char want[1024];
    snprintf(want, sizeof want, "%s[%s]%s", swiss ? "map.group" : "map.bucket", k->name, v->name);
    if (t->swiss != swiss || strcmp(g->name, want) != 0 || g->kind != GO_KIND_STRUCT)
        fail_msg("%s: %s: group %s (swiss %u), expected %s", fx->name, t->name, g->name, t->swiss, want);
}

/* Every T/F/E/K/L/M/P line of one fixture against a go_types. */
static void check_descriptors(fixture *fx, go_types *ts, const char *how)
{
    size_t counts[128] = {0}, masks = 0, absent = 0, maps = 0;
    for (size_t i = 0; i < fx->n; i++) {
        const line *l = &fx->lines[i];
        counts[(unsigned char)l->tag & 127]++;
        if (l->tag == 'T') {
            check_T(fx, ts, l);
            const go_type *t = go_types_get(ts, hex(l->f[1]));
            if (t->kind == GO_KIND_MAP && ++maps)
                check_map_group(fx, ts, t);
        } else if (l->tag == 'F') {
            check_F(fx, ts, l);
        } else if (strchr("EKLM", l->tag)) {
            check_EKLM(fx, ts, l);
        } else if (l->tag == 'P') {
            check_P(fx, ts, l, &masks, &absent);
        }
    }
    if (counts['T'] < 75 || counts['F'] < 60 || counts['E'] < 40 || maps < 10)
        fail_msg("%s: too few lines: %zu T %zu F %zu E, %zu maps", fx->name, counts['T'],
                 counts['F'], counts['E'], maps);
    /* [40000]*int and the 3000-element struct array: GC program (<=1.23) or on demand */
    assert_true(absent >= 1);
    print_message("%s (%s): %zu types, %zu fields, %zu elem, %zu masks equal (%zu not "
                  "precomputed)\n", fx->name, how, counts['T'], counts['F'], counts['E'], masks, absent);
}

/* With the layouts from DWARF, and again from the per-release tables alone (as for a binary
 * built with -ldflags=-w). */
static void descriptors_match_reflect(void **state)
{
    (void)state;
    fixture fxs[MAX_FX];
    size_t nfx = list_fixtures(fxs);
    hs_need_data(nfx, "types cores");
    assert_true(nfx >= 7);
    for (size_t k = 0; k < nfx; k++) {
        fixture *fx = &fxs[k];
        open_fixture(fx);
        go_types *ts = types_ok(fx);
        check_descriptors(fx, ts, "DWARF");
        go_types_close(ts);
        hs_dwarf *dw = fx->rt->src.dwarf;
        fx->rt->src.dwarf = NULL;
        ts = types_ok(fx);
        fx->rt->src.dwarf = dw;
        check_descriptors(fx, ts, "tables");
        go_types_close(ts);
        close_fixture(fx);
    }
}

/* ---- itabs ---- */

static void itabs_give_concrete_types(void **state)
{
    (void)state;
    fixture fxs[MAX_FX];
    size_t nfx = list_fixtures(fxs);
    hs_need_data(nfx, "types cores");
    for (size_t k = 0; k < nfx; k++) {
        fixture *fx = &fxs[k];
        open_fixture(fx);
        go_types *ts = types_ok(fx);
        size_t n = 0;
        for (size_t i = 0; i < fx->n; i++) {
            const line *l = &fx->lines[i];
            if (l->tag != 'I')
                continue;
            uint64_t got = go_types_itab_type(ts, hex(l->f[1]));
            if (got != hex(l->f[2]))
                fail_msg("%s: itab %s (%s as %s): type 0x%llx, expected %s", fx->name, l->f[1],
                         l->f[4], l->f[3], (unsigned long long)got, l->f[2]);
            expect_name(fx, ts, got, l->f[4], "itab type");
            n++;
        }
        assert_int_equal(n, 7);
        /* a type descriptor is not an itab, nor is a null or odd address */
        assert_int_equal(go_types_itab_type(ts, 0), 0);
        assert_int_equal(go_types_itab_type(ts, hex(fx->lines[0].f[1])), 0);
        assert_int_equal(go_types_itab_type(ts, 0x1001), 0);
        go_types_close(ts);
        close_fixture(fx);
    }
}

/* ---- roots ---- */

static const go_root *find_root(const go_root *r, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].name, name) == 0)
            return &r[i];
    return NULL;
}

/* Every root against DWARF's own description of the variable's type: the descriptor must
 * decode, with the Go kind (DW_AT_go_kind) and the size (DW_AT_byte_size, when DWARF gives one)
 * the compiler wrote there. */
typedef struct dwarf_check {
    fixture *fx;
    go_types *ts;
    const go_root *r;
    size_t n, kinds, sizes;
} dwarf_check;

static int check_global(void *ctx, const hs_dwarf_global *g)
{
    dwarf_check *c = ctx;
    const go_root *r = find_root(c->r, c->n, g->name);
    if (!r)
        return 0;
    const go_type *t = go_types_get(c->ts, r->type);
    if (!t)
        fail_msg("%s: root %s: descriptor 0x%llx does not decode", c->fx->name, g->name,
                 (unsigned long long)r->type);
    if (g->go_kind && (g->go_kind & 0x1f) != t->kind)
        fail_msg("%s: root %s: kind %u, DWARF says %d", c->fx->name, g->name, t->kind, g->go_kind);
    if (g->size && g->size != t->size)
        fail_msg("%s: root %s (%s): size %llu, DWARF says %llu", c->fx->name, g->name, t->name,
                 (unsigned long long)t->size, (unsigned long long)g->size);
    /* the built-in entries the linker makes itself carry no kind */
    if (!g->go_kind && strcmp(t->name, "uintptr") != 0 && strcmp(t->name, "unsafe.Pointer") != 0)
        fail_msg("%s: root %s (%s): DWARF gives no kind", c->fx->name, g->name, t->name);
    c->kinds += g->go_kind != 0;
    c->sizes += g->size != 0;
    return 0;
}

/* The G and U lines against the roots; returns how many globals the program printed. */
static size_t check_printed_globals(fixture *fx, go_types *ts, const go_root *r, size_t n,
                                    size_t *untyped)
{
    size_t globals = 0;
    for (size_t i = 0; i < fx->n; i++) {
        const line *l = &fx->lines[i];
        const go_root *g = strchr("GU", l->tag) ? find_root(r, n, l->f[1]) : NULL;
        if (l->tag == 'G' && !g && fx->rt->ver.minor <= 22 && strcmp(l->f[4], "unsafe.Pointer") == 0) {
            (*untyped)++; /* through 1.22 the linker gives unsafe.Pointer no runtime type */
        } else if (l->tag == 'G') {
            if (!g || g->addr != hex(l->f[2]) || g->type != hex(l->f[3]))
                fail_msg("%s: global %s at %s of type %s: root %s", fx->name, l->f[1], l->f[2],
                         l->f[3], g ? "differs" : "missing");
            expect_name(fx, ts, g->type, l->f[4], l->f[1]);
            globals++;
        } else if (l->tag == 'U') {
            if (g)
                fail_msg("%s: %s has a root type, but its type never reaches the runtime",
                         fx->name, l->f[1]);
            (*untyped)++;
        }
    }
    return globals;
}

static double ms_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

static void roots_match_globals(void **state)
{
    (void)state;
    fixture fxs[MAX_FX];
    size_t nfx = list_fixtures(fxs);
    hs_need_data(nfx, "types cores");
    for (size_t k = 0; k < nfx; k++) {
        fixture *fx = &fxs[k];
        open_fixture(fx);
        go_types *ts = types_ok(fx);
        const go_root *r;
        size_t n, untyped = 0;
        hs_err err = {{0}};
        struct timespec a;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (go_types_roots(ts, &r, &n, &err) < 0)
            fail_msg("%s: go_types_roots: %s", fx->name, err.msg);
        double ms = ms_since(&a);
        size_t globals = check_printed_globals(fx, ts, r, n, &untyped);
        for (size_t i = 1; i < n; i++)
            assert_true(r[i - 1].addr <= r[i].addr);
        const go_roots_info *info = go_types_roots_info(ts);
        assert_int_equal(info->typed, n);
        assert_true(info->have_dwarf && info->untyped >= untyped && globals + untyped == 39);
        dwarf_check c = {fx, ts, r, n, 0, 0};
        assert_true(hs_dwarf_globals(fx->rt->dwarf, check_global, &c, &err) > 0);
        if (c.kinds * 2 < n || c.sizes * 4 < n)
            fail_msg("%s: %zu roots, DWARF gives %zu kinds and %zu sizes", fx->name, n, c.kinds, c.sizes);
        print_message("%s: %zu roots (kind and size of %zu checked against DWARF), %zu globals "
                      "untyped, %.1f ms\n", fx->name, n, c.sizes, info->untyped, ms);
        go_types_close(ts);
        hs_dwarf *dw = fx->rt->dwarf; /* without DWARF: no roots, and no error */
        fx->rt->dwarf = NULL;
        ts = types_ok(fx);
        assert_int_equal(go_types_roots(ts, &r, &n, &err), 0);
        assert_true(n == 0 && !go_types_roots_info(ts)->have_dwarf);
        fx->rt->dwarf = dw;
        go_types_close(ts);
        close_fixture(fx);
    }
}

/* ---- robustness ---- */

/* A target that forwards to another and damages the bytes of [lo, hi): xor with pattern, or
 * (random) replaces every byte read anywhere with pseudo-random ones. */
typedef struct bad_target {
    hs_target base;
    hs_target *inner;
    uint64_t lo, hi;
    uint8_t pattern;
    int random;
    uint64_t seed;
} bad_target;

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int bad_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    bad_target *b = (bad_target *)t;
    uint8_t *p = buf;
    if (b->random) {
        if (addr >= (1ull << 47) || (next_rand(&b->seed) & 15) == 0)
            return hs_errf(err, "unreadable 0x%llx", (unsigned long long)addr);
        for (size_t i = 0; i < len; i++)
            p[i] = (uint8_t)next_rand(&b->seed);
        return 0;
    }
    if (hs_read(b->inner, addr, buf, len, err) < 0)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (addr + i >= b->lo && addr + i < b->hi)
            p[i] ^= b->pattern;
    return 0;
}

static void bad_close(hs_target *t) { (void)t; }

static const hs_target_ops bad_ops = {bad_read, NULL, bad_close};

/* A go_types over the damaged target (the model's layout stays the real one). */
static const go_type *decode_through(fixture *fx, bad_target *bt, uint64_t addr, go_types **ts)
{
    hs_target *real = fx->rt->t;
    hs_err err = {{0}};
    fx->rt->t = &bt->base;
    int r = go_types_open(ts, fx->rt, &err);
    fx->rt->t = real;
    if (r < 0)
        return NULL;
    return go_types_get(*ts, addr);
}

static void touch(const go_type *t)
{
    if (!t)
        return;
    volatile size_t sum = strlen(t->name);
    for (uint32_t i = 0; i < t->nfields; i++)
        sum += strlen(t->fields[i].name) + t->fields[i].offset;
    if (t->ptrmask && t->ptrdata)
        sum += t->ptrmask[(t->ptrdata / 8 - 1) / 8];
    (void)sum;
}

/* Every byte of a few descriptors of each kind damaged three ways. */
static void corrupt_descriptors(fixture *fx)
{
    bad_target bt = {.base = *fx->t, .inner = fx->t};
    bt.base.ops = &bad_ops;
    static const uint8_t patterns[] = {0xff, 0x80, 0x01};
    size_t tried = 0, rejected = 0, kind_rejected = 0, picked = 0;
    for (size_t i = 0; i < fx->n && picked < 24; i++) {
        const line *l = &fx->lines[i];
        if (l->tag != 'T' || (i % 3 && strcmp(l->f[3], "25") != 0))
            continue;
        picked++;
        uint64_t addr = hex(l->f[1]);
        for (uint64_t off = 0; off < 72; off++)
            for (size_t p = 0; p < sizeof patterns; p++) {
                go_types *ts = NULL;
                bt.lo = addr + off;
                bt.hi = addr + off + 1;
                bt.pattern = patterns[p];
                const go_type *t = decode_through(fx, &bt, addr, &ts);
                touch(t);
                tried++;
                rejected += t == NULL;
                kind_rejected += off == 23 && p == 0 && t == NULL;
                go_types_close(ts);
            }
    }
    /* a Kind_ byte xor 0xff sets bits no release defines: always rejected */
    assert_int_equal(kind_rejected, picked);
    print_message("%s: %zu corrupted descriptors, %zu rejected\n", fx->name, tried, rejected);
}

/* Every 8-aligned word of every module's type data, and random memory: no crash, and every
 * descriptor the program printed is among those that decode. */
static void sweep_and_random(fixture *fx)
{
    go_types *ts = types_ok(fx);
    uint64_t lo = fx->rt->md.types + fx->rt->bias, hi = fx->rt->md.etypes + fx->rt->bias;
    size_t ok = 0;
    for (uint64_t a = lo; a < hi; a += 8) {
        const go_type *t = go_types_get(ts, a);
        touch(t);
        ok += t != NULL;
        assert_true(go_types_in_types(ts, a));
    }
    assert_false(go_types_in_types(ts, hi));
    for (size_t i = 0; i < fx->n; i++)
        if (fx->lines[i].tag == 'T')
            assert_non_null(go_types_get(ts, hex(fx->lines[i].f[1])));
    static const uint64_t junk[] = {0, 1, 7, 8, 0x1000, 0xffffffffffffffffull, 0x7ffffffff000ull};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++)
        assert_null(go_types_get(ts, junk[i]));
    assert_null(go_types_get(ts, lo + 1));
    go_types_close(ts);

    bad_target bt = {.base = *fx->t, .inner = fx->t, .random = 1, .seed = 0x9E3779B97F4A7C15ull};
    bt.base.ops = &bad_ops;
    ts = NULL;
    decode_through(fx, &bt, lo, &ts);
    size_t rnd = 0;
    for (int i = 0; ts && i < 20000; i++) {
        const go_type *t = go_types_get(ts, lo + 8 * (next_rand(&bt.seed) % ((hi - lo) / 8)));
        touch(t);
        rnd += t != NULL;
    }
    go_types_close(ts);
    print_message("%s: %zu of %llu words of type data decode; %zu of 20000 random ones\n",
                  fx->name, ok, (unsigned long long)((hi - lo) / 8), rnd);
}

static void garbage_and_corruption(void **state)
{
    (void)state;
    fixture fxs[MAX_FX];
    size_t nfx = list_fixtures(fxs);
    hs_need_data(nfx, "types cores");
    for (size_t k = 0; k < nfx; k++) {
        open_fixture(&fxs[k]);
        sweep_and_random(&fxs[k]);
        corrupt_descriptors(&fxs[k]);
        close_fixture(&fxs[k]);
    }
}

/* ---- speed ---- */

typedef struct queue {
    uint64_t *v;
    size_t n, cap;
} queue;

static void push(queue *q, uint64_t a)
{
    if (!a)
        return;
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 4096;
        q->v = realloc(q->v, q->cap * sizeof *q->v);
        assert_non_null(q->v);
    }
    q->v[q->n++] = a;
}

/* Where a walk of all types starts: the roots, the printed types, the module's typelinks. */
static void seed_types(fixture *fx, queue *q)
{
    go_types *ts = types_ok(fx);
    const go_root *r;
    size_t nr;
    hs_err err;
    assert_int_equal(go_types_roots(ts, &r, &nr, &err), 0);
    for (size_t i = 0; i < nr; i++)
        push(q, r[i].type);
    go_types_close(ts);
    for (size_t i = 0; i < fx->n; i++)
        if (fx->lines[i].tag == 'T')
            push(q, hex(fx->lines[i].f[1]));
    const go_moduledata *md = &fx->rt->md;
    for (uint64_t i = 0; i < md->ntypelinks && i < 1000000; i++) {
        uint32_t off;
        if (hs_read_u32(fx->t, md->typelinks + fx->rt->bias + 4 * i, &off, NULL) == 0)
            push(q, md->types + fx->rt->bias + off);
    }
}

/* Everything reachable from the seeds, each type decoded once from a cold cache. */
static void speed_reachable(void **state)
{
    (void)state;
    fixture fxs[MAX_FX];
    size_t nfx = list_fixtures(fxs);
    hs_need_data(nfx, "types cores");
    /* the newest release with typelinks to seed from (1.27 has none: its runtime walks the
     * type descriptors themselves) */
    fixture *fx = &fxs[nfx - 1];
    open_fixture(fx);
    while (fx->rt->md.ntypelinks == 0 && fx > fxs) {
        close_fixture(fx);
        open_fixture(--fx);
    }
    queue q = {0};
    seed_types(fx, &q);
    go_types *ts = types_ok(fx);
    size_t decoded = 0, cap = 1 << 20;
    uint64_t *seen = calloc(cap, sizeof *seen); /* open addressing set of expanded types */
    assert_non_null(seen);
    struct timespec a;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (size_t i = 0; i < q.n && decoded < cap / 2; i++) {
        const go_type *t = go_types_get(ts, q.v[i]);
        size_t h = (size_t)(q.v[i] * 0x9E3779B97F4A7C15ull >> 40) & (cap - 1);
        while (t && seen[h] && seen[h] != q.v[i])
            h = (h + 1) & (cap - 1);
        if (!t || seen[h])
            continue;
        seen[h] = q.v[i];
        decoded++;
        push(&q, t->elem);
        push(&q, t->key);
        push(&q, t->map_group);
        for (uint32_t f = 0; f < t->nfields; f++)
            push(&q, t->fields[f].type);
    }
    double ms = ms_since(&a);
    assert_true(decoded > 500);
    print_message("%s: %zu distinct types reachable (%zu lookups) in %.2f ms: %.2f us per type\n",
                  fx->name, decoded, q.n, ms, ms * 1e3 / (double)decoded);
    free(q.v);
    free(seen);
    go_types_close(ts);
    close_fixture(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(descriptors_match_reflect),
        cmocka_unit_test(itabs_give_concrete_types),
        cmocka_unit_test(roots_match_globals),
        cmocka_unit_test(garbage_and_corruption),
        cmocka_unit_test(speed_reachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
