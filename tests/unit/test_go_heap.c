/* test_go_heap.c - the Go heap walker (core/go/go_heap.c) and the memstats reader
 * (core/go/go_memstats.c) on the stored cores of the heap test program, one per Go release
 * ($HS_TEST_DATA/go1.XX.Y/heap). The oracle is the runtime itself: the program's last act was
 * runtime.ReadMemStats (dump.txt), so live objects and bytes per size class must equal what it
 * reported, and every statistic must equal the runtime's. The program's own pointers (its global
 * slices) must land on allocated objects of the right size, with the allocation header where the
 * release puts one. Corrupted span metadata must give warnings, never a crash. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <unistd.h>

#include "go/go_heap.h"
#include "go/go_memstats.h"
#include "go/go_runtime.h"
#include "image/elf_image.h"
#include "target/core_target.h"
#include "test_go_heap_oracle.h"
#include "hs_unit.h"

enum { MAX_FX = 32 };

typedef struct fixture {
    char name[256];
    char dir[1024];
} fixture;

typedef struct opened {
    hs_target *t;
    hs_image *exe;
    go_rt *rt;
    ms_oracle o;
} opened;

static int by_name(const void *a, const void *b) { return strcmp(((const fixture *)a)->name, ((const fixture *)b)->name); }

/* The stored heap cores (none when the test data is missing: the tests then fail). */
static size_t fixtures(fixture *out)
{
    const char *data = getenv("HS_TEST_DATA");
    DIR *d = data ? opendir(data) : NULL;
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < MAX_FX) {
        if (strncmp(e->d_name, "go1.", 4) != 0 || strlen(e->d_name) >= sizeof out->name)
            continue;
        snprintf(out[n].name, sizeof out[n].name, "%s", e->d_name);
        snprintf(out[n].dir, sizeof out[n].dir, "%s/%s/heap", data, e->d_name);
        char core[1100];
        snprintf(core, sizeof core, "%s/core", out[n].dir);
        if (access(core, R_OK) == 0)
            n++;
    }
    closedir(d);
    qsort(out, n, sizeof *out, by_name);
    return n;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = 0;
    return buf;
}

static void open_fixture(const fixture *f, opened *o)
{
    char core[1100], exe[1100], dump[1100];
    snprintf(core, sizeof core, "%s/core", f->dir);
    snprintf(exe, sizeof exe, "%s/exe", f->dir);
    snprintf(dump, sizeof dump, "%s/dump.txt", f->dir);
    hs_err err = {{0}};
    memset(o, 0, sizeof *o);
    if (hs_core_target_open(&o->t, core, &err) < 0 || hs_image_open(&o->exe, exe, &err) < 0 ||
        hs_core_target_set_exe(o->t, o->exe, &err) < 0 || go_rt_open(&o->rt, o->t, o->exe, &err) < 0)
        fail_msg("%s: %s", f->name, err.msg);
    char *text = slurp(dump);
    if (!text || oracle_parse(text, &o->o) < 0)
        fail_msg("%s: no HEAPSCOPE-MEMSTATS line in %s", f->name, dump);
    free(text);
}

static void close_fixture(opened *o)
{
    go_rt_close(o->rt);
    hs_target_close(o->t);
    hs_image_close(o->exe);
}

static go_heap *heap_ok(opened *o, const char *label)
{
    go_heap *h = NULL;
    hs_err err = {{0}};
    if (go_heap_open(&h, o->rt, &err) < 0)
        fail_msg("%s: go_heap_open: %s", label, err.msg);
    return h;
}

static int minor_of(const fixture *f)
{
    int minor = 0;
    sscanf(f->name, "go1.%d", &minor);
    return minor;
}

static void walk_matches_runtime(void **state)
{
    (void)state;
    fixture fx[MAX_FX];
    size_t n = fixtures(fx);
    hs_need_data(n, "heap cores");
    assert_true(n >= 7);
    for (size_t i = 0; i < n; i++) {
        opened o;
        open_fixture(&fx[i], &o);
        hs_dwarf *dw = o.rt->src.dwarf;
        for (int tables = 0; tables < 2; tables++) {
            char label[320];
            snprintf(label, sizeof label, "%.256s (%s)", fx[i].name, tables ? "layout tables" : "DWARF");
            o.rt->src.dwarf = tables ? NULL : dw; /* the tables must give the same answer */
            go_heap *h = heap_ok(&o, label);
            oracle_check_heap(h, &o.o, label);
            if (*go_heap_warnings(h))
                fail_msg("%s: unexpected warnings:\n%s", label, go_heap_warnings(h));
            assert_int_equal(go_heap_gcphase(h), 0); /* parked after runtime.GC() */
            uint64_t slots = 0;
            for (size_t k = 0; k < go_heap_nspans(h); k++) {
                const go_span *s = go_heap_span(h, k);
                assert_int_equal(s->unswept, 0); /* runtime.GC() sweeps before it returns */
                assert_int_equal(s->nalloc, s->alloc_count);
                if (k > 0) /* sorted, and the bitmaps do not overlap */
                    assert_true(go_heap_span(h, k - 1)->base < s->base &&
                                go_heap_span(h, k - 1)->bit0 + go_heap_span(h, k - 1)->nelems <= s->bit0);
                assert_true(s->bit0 % 8 == 0 && s->bit0 + s->nelems <= go_heap_nbits(h));
                slots += s->nelems;
            }
            assert_true(slots == go_heap_nslots(h));
            go_heap_close(h);
        }
        o.rt->src.dwarf = dw;
        close_fixture(&o);
    }
}

static void memstats_match_runtime(void **state)
{
    (void)state;
    fixture fx[MAX_FX];
    size_t n = fixtures(fx);
    hs_need_data(n, "heap cores");
    for (size_t i = 0; i < n; i++) {
        opened o;
        open_fixture(&fx[i], &o);
        hs_dwarf *dw = o.rt->src.dwarf;
        for (int tables = 0; tables < 2; tables++) {
            char label[320];
            snprintf(label, sizeof label, "%.256s (%s)", fx[i].name, tables ? "layout tables" : "DWARF");
            o.rt->src.dwarf = tables ? NULL : dw;
            go_memstats m;
            hs_err err = {{0}};
            if (go_memstats_read(o.rt, &m, &err) < 0)
                fail_msg("%s: %s", label, err.msg);
            oracle_check_memstats(&m, &o.o, label, NULL);
            assert_string_equal(m.why, "");
        }
        o.rt->src.dwarf = dw;
        close_fixture(&o);
    }
}

/* Reads a global of the test program (link-time symbol, relocated by the model's bias). */
static uint64_t global(opened *o, const char *name)
{
    hs_symbol sym;
    if (hs_image_symbol(o->exe, name, &sym) < 0)
        fail_msg("no symbol %s", name);
    return sym.value + o->rt->bias;
}

static uint64_t rd64(opened *o, uint64_t addr) { return oracle_rd64(o->t, addr); }

/* The program's own pointers land on allocated objects of the right size, with the allocation
 * header where the release puts one (see oracle_check_pointers). */
static void program_pointers(void **state)
{
    (void)state;
    fixture fx[MAX_FX];
    size_t n = fixtures(fx);
    hs_need_data(n, "heap cores");
    for (size_t f = 0; f < n; f++) {
        opened o;
        open_fixture(&fx[f], &o);
        go_heap *h = heap_ok(&o, fx[f].name);
        oracle_check_pointers(h, o.t, o.exe, o.rt->bias, minor_of(&fx[f]) >= 22, fx[f].name);
        go_heap_close(h);
        close_fixture(&o);
    }
}

/* ---- corrupted metadata: a target whose reads of chosen bytes come back altered ---- */

typedef struct patch {
    uint64_t addr;
    uint8_t bytes[64];
    size_t len;
} patch;

typedef struct corruptor {
    const hs_target_ops *orig;
    hs_target_ops ops;
    patch p[256];
    size_t n;
    uint64_t bad_lo, bad_hi; /* reads touching [bad_lo, bad_hi) fail */
} corruptor;

static corruptor cor; /* the read op has no context of its own */

static int corrupt_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    if (addr < cor.bad_hi && addr + len > cor.bad_lo)
        return hs_errf(err, "test: 0x%llx made unreadable", (unsigned long long)cor.bad_lo);
    if (cor.orig->read(t, addr, buf, len, err) < 0)
        return -1;
    for (size_t i = 0; i < cor.n; i++)
        for (size_t k = 0; k < cor.p[i].len; k++)
            if (cor.p[i].addr + k >= addr && cor.p[i].addr + k < addr + len)
                ((uint8_t *)buf)[cor.p[i].addr + k - addr] = cor.p[i].bytes[k];
    return 0;
}

static void corrupt_begin(opened *o)
{
    memset(&cor, 0, sizeof cor);
    cor.orig = o->t->ops;
    cor.ops = *o->t->ops;
    cor.ops.read = corrupt_read;
    cor.ops.view = NULL; /* every byte must come through the altered reader */
    o->t->ops = &cor.ops;
}

static void corrupt_end(opened *o) { o->t->ops = cor.orig; }

static void poke(uint64_t addr, const void *v, size_t len)
{
    assert_true(cor.n < 256 && len <= 64);
    cor.p[cor.n].addr = addr;
    memcpy(cor.p[cor.n].bytes, v, len);
    cor.p[cor.n++].len = len;
}

static uint64_t member(opened *o, const char *name)
{
    int64_t off;
    if (go_layout_off(&o->rt->src, "runtime.mspan", name, &off) < 0)
        fail_msg("no runtime.mspan.%s", name);
    return (uint64_t)off;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Picks one-page spans holding objects (so skipping one changes the totals, and moving one
 * onto another overlaps only that one) at spread-out indexes. */
static void pick(const go_heap *h, size_t *idx, size_t n)
{
    size_t found = 0;
    for (size_t i = 0; i < go_heap_nspans(h) && found < n; i++) {
        const go_span *s = go_heap_span(h, i);
        if (s->nalloc > 0 && s->sizeclass != 0 && s->npages == 1 && (!found || i > idx[found - 1] + 2))
            idx[found++] = i;
    }
    assert_int_equal(found, n);
}

/* Six spans broken in six ways: each is skipped (or, for a wrong allocCount, kept) with its own
 * warning, and the totals drop by exactly what the skipped spans held. */
static void corrupt_spans_are_skipped(opened *o, const char *label)
{
    go_heap *h0 = heap_ok(o, label);
    size_t idx[7];
    pick(h0, idx, 7);
    const go_span *sp[7];
    for (int i = 0; i < 7; i++)
        sp[i] = go_heap_span(h0, idx[i]);
    corrupt_begin(o);
    uint64_t huge = 0xffffffffffffull, odd = sp[2]->base + 8, nowhere = 16, other = sp[6]->base;
    uint8_t state = 9;
    uint16_t count = (uint16_t)(sp[4]->alloc_count > 0 ? sp[4]->alloc_count - 1 : 1);
    poke(sp[0]->addr + member(o, "npages"), &huge, 8);
    poke(sp[1]->addr + member(o, "state"), &state, 1);
    poke(sp[2]->addr + member(o, "startAddr"), &odd, 8);
    poke(sp[3]->addr + member(o, "allocBits"), &nowhere, 8);
    poke(sp[4]->addr + member(o, "allocCount"), &count, 2);
    poke(sp[5]->addr + member(o, "startAddr"), &other, 8); /* now overlaps span 6 */
    go_heap *h = heap_ok(o, label);
    const char *w = go_heap_warnings(h);
    const char *want[] = {"implausible npages", "unknown state 9", "not page-aligned",
                          "allocation bits unreadable", "but allocCount is", "overlaps"};
    for (size_t i = 0; i < 6; i++)
        if (!strstr(w, want[i]))
            fail_msg("%s: no warning \"%s\" in:\n%s", label, want[i], w);
    assert_int_equal(go_heap_nspans(h), go_heap_nspans(h0) - 5);
    uint64_t o0, b0, o1, b1, lost = 0, lost_bytes = 0;
    for (int i = 0; i < 6; i++)
        if (i != 4) { /* of spans 5 and 6 (same base now) the one with the later mspan goes */
            const go_span *s = i == 5 && sp[5]->addr < sp[6]->addr ? sp[6] : sp[i];
            lost += s->nalloc;
            lost_bytes += (uint64_t)s->nalloc * s->elemsize;
        }
    go_heap_totals(h0, &o0, &b0);
    go_heap_totals(h, &o1, &b1);
    assert_true(o1 == o0 - lost && b1 == b0 - lost_bytes);
    go_heap_close(h);
    corrupt_end(o);
    go_heap_close(h0);
}

/* Sixty broken spans: twenty warnings listed, the rest summarised in one line. */
static void many_problems_are_summarised(opened *o, const char *label)
{
    go_heap *h0 = heap_ok(o, label);
    assert_true(go_heap_nspans(h0) >= 60);
    corrupt_begin(o);
    for (size_t i = 0; i < 60; i++) {
        uint32_t c = go_heap_span(h0, i)->alloc_count;
        uint16_t count = (uint16_t)(c > 0 ? c - 1 : 1); /* still within nelems */
        poke(go_heap_span(h0, i)->addr + member(o, "allocCount"), &count, 2);
    }
    go_heap *h = heap_ok(o, label);
    const char *w = go_heap_warnings(h);
    if (count_lines(w) > 21 || !strstr(w, "40 more"))
        fail_msg("%s: warnings not bounded:\n%s", label, w);
    assert_int_equal(go_heap_nspans(h), go_heap_nspans(h0)); /* kept: only the count is off */
    go_heap_close(h);
    corrupt_end(o);
    go_heap_close(h0);
}

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* What every span the walker keeps must satisfy, whatever the metadata said. */
static void check_invariants(const go_heap *h)
{
    uint64_t end = 0;
    for (size_t i = 0; i < go_heap_nspans(h); i++) {
        const go_span *s = go_heap_span(h, i);
        uint64_t bytes = s->npages * 8192;
        assert_true(s->base % 8192 == 0 && s->base >= end);
        assert_true(s->elemsize > 0 && (uint64_t)s->nelems * s->elemsize <= bytes);
        assert_true(s->limit > s->base && s->limit <= s->base + bytes);
        assert_true(s->nalloc <= s->nelems);
        const uint8_t *bits = go_heap_alloc_bits(h, i);
        uint32_t set = 0;
        for (uint32_t k = 0; k < s->nelems; k++)
            set += (bits[k / 8] >> (k % 8)) & 1;
        assert_int_equal(set, s->nalloc);
        end = s->base + bytes;
    }
}

/* Random bytes over random spans, 100 rounds: never a crash (run under ASan), and whatever is
 * kept is consistent. */
static void random_garbage(opened *o, const char *label)
{
    go_heap *h0 = heap_ok(o, label);
    int64_t size;
    assert_int_equal(go_layout_size(&o->rt->src, "runtime.mspan", &size), 0);
    rng_state = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 100; round++) {
        corrupt_begin(o);
        for (int k = 0; k < 12; k++) {
            uint64_t span = go_heap_span(h0, rng() % go_heap_nspans(h0))->addr;
            uint8_t junk[64];
            for (size_t b = 0; b < sizeof junk; b++)
                junk[b] = (uint8_t)rng();
            size_t len = 1 + rng() % (k % 3 == 0 ? 64 : 8);
            poke(span + rng() % (uint64_t)(size - (int64_t)len + 1), junk, len);
        }
        go_heap *h = NULL;
        hs_err err = {{0}};
        if (go_heap_open(&h, o->rt, &err) == 0) {
            check_invariants(h);
            go_heap_close(h);
        }
        corrupt_end(o);
    }
    go_heap_close(h0);
}

static int always(void *ctx) { (void)ctx; return 1; }

/* A broken allspans header or array fails cleanly, naming it; so does an interruption. */
static void broken_allspans_fails(opened *o, const char *label)
{
    uint64_t mheap = global(o, "runtime.mheap_");
    int64_t off;
    assert_int_equal(go_layout_off(&o->rt->src, "runtime.mheap", "allspans", &off), 0);
    uint64_t hdr[3];
    hs_err err = {{0}};
    assert_int_equal(hs_read(o->t, mheap + (uint64_t)off, hdr, sizeof hdr, &err), 0);
    go_heap *h = NULL;
    corrupt_begin(o);
    uint64_t len = hdr[2] + 1;
    poke(mheap + (uint64_t)off + 8, &len, 8);
    assert_int_equal(go_heap_open(&h, o->rt, &err), -1);
    if (!strstr(err.msg, "allspans"))
        fail_msg("%s: %s", label, err.msg);
    corrupt_end(o);
    corrupt_begin(o);
    cor.bad_lo = hdr[0] + 8 * (hdr[1] / 2);
    cor.bad_hi = cor.bad_lo + 8;
    assert_int_equal(go_heap_open(&h, o->rt, &err), -1);
    if (!strstr(err.msg, "allspans"))
        fail_msg("%s: %s", label, err.msg);
    corrupt_end(o);
    o->t->interrupted = always;
    assert_int_equal(go_heap_open(&h, o->rt, &err), -1);
    assert_non_null(strstr(err.msg, "interrupted"));
    o->t->interrupted = NULL;
}

/* With runtime.allp unreadable, the allocation counts cannot be completed: they are reported
 * missing (with the reason), while the statistics that do not depend on the caches remain. */
static void memstats_without_caches(opened *o, const char *label)
{
    uint64_t allp = global(o, "runtime.allp");
    corrupt_begin(o);
    cor.bad_lo = allp;
    cor.bad_hi = allp + 24;
    go_memstats m;
    hs_err err = {{0}};
    if (go_memstats_read(o->rt, &m, &err) < 0)
        fail_msg("%s: %s", label, err.msg);
    corrupt_end(o);
    assert_false(m.have[GO_MS_HEAP_ALLOC] || m.have[GO_MS_HEAP_OBJECTS] || m.have[GO_MS_MALLOCS]);
    assert_non_null(strstr(m.why, "runtime.allp"));
    assert_true(m.have[GO_MS_HEAP_SYS] && m.v[GO_MS_HEAP_SYS] == o->o.v[GO_MS_HEAP_SYS]);
    assert_true(m.have[GO_MS_NUM_GC] && m.v[GO_MS_NUM_GC] == o->o.v[GO_MS_NUM_GC]);
}

/* The allocation rule of mbitmap.go (isFree) on a constructed span: slots below freeindex are
 * allocated whatever their bits say, slots from freeindex on by their bit, bits at or above
 * nelems mean nothing. The stored cores were taken right after a collection swept every span
 * (freeindex 0 everywhere), so the rule is set up here: freeindex 5 and allocBits 0xAA...0xFF. */
static void freeindex_rule(opened *o, const char *label, int minor)
{
    go_heap *h0 = heap_ok(o, label);
    size_t idx = SIZE_MAX;
    for (size_t i = 0; i < go_heap_nspans(h0) && idx == SIZE_MAX; i++)
        if (go_heap_span(h0, i)->nelems % 8 != 0 && go_heap_span(h0, i)->nelems > 16)
            idx = i;
    assert_true(idx != SIZE_MAX);
    const go_span *s = go_heap_span(h0, idx);
    uint32_t n = s->nelems, nbytes = (n + 7) / 8, expect = 0;
    uint8_t bits[1024];
    assert_true(nbytes <= sizeof bits);
    memset(bits, 0xaa, nbytes);
    bits[nbytes - 1] = 0xff; /* the bits past nelems are set too: they must not count */
    for (uint32_t k = 0; k < n; k++)
        expect += k < 5 || ((bits[k / 8] >> (k % 8)) & 1);
    uint64_t alloc_bits = rd64(o, s->addr + member(o, "allocBits")), five = 5;
    uint16_t count = (uint16_t)expect;
    corrupt_begin(o);
    for (uint32_t k = 0; k < nbytes; k += 64)
        poke(alloc_bits + k, bits + k, nbytes - k < 64 ? nbytes - k : 64);
    poke(s->addr + member(o, "freeindex"), &five, minor <= 21 ? 8 : 2); /* uintptr, then uint16 */
    poke(s->addr + member(o, "allocCount"), &count, 2);
    go_heap *h = heap_ok(o, label);
    assert_string_equal(go_heap_warnings(h), "");
    const go_span *t = go_heap_span(h, idx);
    assert_true(t->addr == s->addr);
    assert_int_equal(t->nalloc, expect);
    for (uint32_t k = 0; k < n; k++)
        assert_int_equal(go_heap_allocated(h, idx, k), k < 5 || ((bits[k / 8] >> (k % 8)) & 1));
    go_heap_close(h);
    corrupt_end(o);
    go_heap_close(h0);
}

static void corrupted_metadata(void **state)
{
    (void)state;
    fixture fx[MAX_FX];
    size_t n = fixtures(fx);
    hs_need_data(n, "heap cores");
    for (size_t i = 0; i < n; i++) {
        opened o;
        open_fixture(&fx[i], &o);
        freeindex_rule(&o, fx[i].name, minor_of(&fx[i]));
        corrupt_spans_are_skipped(&o, fx[i].name);
        many_problems_are_summarised(&o, fx[i].name);
        random_garbage(&o, fx[i].name);
        broken_allspans_fails(&o, fx[i].name);
        memstats_without_caches(&o, fx[i].name);
        close_fixture(&o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(walk_matches_runtime),
        cmocka_unit_test(memstats_match_runtime),
        cmocka_unit_test(program_pointers),
        cmocka_unit_test(corrupted_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
