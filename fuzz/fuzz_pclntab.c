/* fuzz_pclntab.c - libFuzzer target: a Go pclntab as go_pcln_open_bytes takes it from a
 * process. Input: u64 text start (0: take the header's), u32 gofunc length, the gofunc bytes
 * (funcdata: inline trees), then the table from its pcHeader on. The table is opened and
 * queried as symbolization and unwinding do: every function by index and by PC (entry, middle,
 * end, outside), SP deltas, PCDATA, file/line, logical frames with inlining, names by name,
 * with and without a value cache. Seeds: fuzz/corpus/pclntab (tables of real Go executables cut
 * down to a few functions by fuzz/tools/make_seeds.py). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "image/go_pclntab.h"

enum { GOFUNC_ADDR = 0x7f0000, MAX_FUNCS = 256 };

static go_pcache cache; /* reset per input */

static unsigned at_pc(const go_pcln *p, uint64_t pc, go_pcache *c)
{
    unsigned sum = 0;
    go_func f;
    if (go_pcln_find(p, pc, &f) < 0)
        return 0;
    int32_t v = 0;
    const char *file = NULL;
    int32_t line = 0;
    go_pcln_spdelta_cached(p, &f, pc, &v, c);
    sum += (unsigned)v;
    for (uint32_t t = 0; t < 4; t++) {
        go_pcln_pcdata_cached(p, &f, t, pc, &v, c);
        sum += (unsigned)v;
    }
    go_pcln_fileline(p, &f, pc, &file, &line, c);
    sum += (unsigned)line + (file ? (unsigned)strlen(file) : 0);
    go_srcframe fr[16];
    int n = go_pcln_frames_cached(p, pc, fr, 16, c);
    for (int i = 0; i < n; i++) {
        char name[128];
        go_func_name_for_print(fr[i].func, name, sizeof name);
        sum += (unsigned)strlen(name) + (unsigned)fr[i].line + (fr[i].file ? (unsigned)strlen(fr[i].file) : 0);
    }
    size_t avail;
    for (uint32_t i = 0; i < 8; i++)
        sum += go_pcln_funcdata_bytes(p, &f, i, &avail) ? (unsigned)avail : 0;
    return sum;
}

static unsigned walk(const go_pcln *p, go_pcache *c)
{
    unsigned sum = 0;
    uint64_t n = go_pcln_nfunc(p);
    for (uint64_t i = 0; i < n && i < MAX_FUNCS; i++) {
        go_func f;
        if (go_pcln_func_at(p, i, &f) < 0)
            continue;
        sum += go_pcln_funcid(p, &f) + go_pcln_flag(p, &f) + (unsigned)go_pcln_args(p, &f);
        sum += go_pcln_deferreturn(p, &f);
        uint64_t mid = f.entry + (f.end - f.entry) / 2;
        sum += at_pc(p, f.entry, c) + at_pc(p, mid, c) + at_pc(p, f.end - 1, c);
        if (i < 8) {
            go_func g;
            sum += go_pcln_func_by_name(p, go_pcln_name(p, &f), &g) == 0;
        }
    }
    sum += at_pc(p, go_pcln_text(p) - 1, c) + at_pc(p, UINT64_MAX, c);
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_cursor c = {data, size};
    go_pcln_bytes b = {0};
    b.text = fz_u64(&c);
    uint32_t glen = fz_u32(&c);
    if (glen > c.n)
        glen = (uint32_t)c.n;
    /* private copies, exactly as long as given, so any overread is caught */
    uint8_t *gofunc = malloc(glen ? glen : 1);
    memcpy(gofunc, c.p, glen);
    c.p += glen;
    c.n -= glen;
    uint8_t *tab = malloc(c.n ? c.n : 1);
    memcpy(tab, c.p, c.n);
    b.tab = tab;
    b.tab_len = c.n;
    b.tab_addr = 0x600000;
    b.gofunc = glen ? gofunc : NULL;
    b.gofunc_len = glen;
    b.gofunc_addr = GOFUNC_ADDR;
    go_pcln *p = NULL;
    if (go_pcln_open_bytes(&p, &b, NULL) == 0) {
        go_pcache_reset(&cache);
        volatile unsigned sink = walk(p, NULL) + walk(p, &cache);
        (void)sink;
        go_pcln_close(p);
    }
    free(gofunc);
    free(tab);
    return 0;
}
