/* fuzz_dwarf.c - libFuzzer target: the input is an ELF file with DWARF (Go's own, or made by
 * fuzz/tools/make_seeds.py). It is indexed with libdwarf (hs_dwarf_open) and queried as the Go
 * layout reader queries it: member offsets along dotted paths, type sizes, constants, global
 * addresses, every global with its runtime type, and the whole go_offsets_resolve. A crash
 * inside libdwarf itself shows libdwarf frames only; see the fuzzing notes in fuzz/README. */
#include <string.h>

#include "fuzz_util.h"
#include "go/go_layout.h"
#include "image/dwarf_index.h"

static const char *const members[][2] = {
    {"runtime.g", "sched.sp"}, {"runtime.g", "stack.hi"}, {"runtime.g", "atomicstatus"},
    {"runtime.m", "alllink"}, {"runtime.mspan", "next"}, {"runtime.mheap", "arenas"},
    {"runtime.g", "a.b.c.d.e.f.g.h"}, {"runtime.g", ""}, {"runtime.g", "."},
};
static const char *const names[] = {"runtime.g", "runtime.m", "runtime._Gwaiting",
                                    "runtime.allgs", "runtime.mheap_", "runtime.buildVersion",
                                    "internal/abi.FuncIDWrapper", "main.x", NULL};

static int count_global(void *ctx, const hs_dwarf_global *g)
{
    unsigned *sum = ctx;
    *sum += (unsigned)strlen(g->name) + (unsigned)g->size + (unsigned)g->rtype;
    return *sum > 1000000000u; /* exercise early stop too */
}

static unsigned queries(hs_dwarf *d)
{
    unsigned sum = 0;
    int64_t v;
    uint64_t a;
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
        if (hs_dwarf_member_offset(d, members[i][0], members[i][1], &v) == 0)
            sum += (unsigned)v;
    for (const char *const *n = names; *n; n++) {
        sum += hs_dwarf_type_size(d, *n, &v) == 0 ? (unsigned)v : 0;
        sum += hs_dwarf_const(d, *n, &v) == 0 ? (unsigned)v : 0;
        sum += hs_dwarf_var_addr(d, *n, &a) == 0 ? (unsigned)a : 0;
    }
    hs_err err;
    hs_dwarf_globals(d, count_global, &sum, &err);
    for (int minor = 19; minor <= 26; minor += 7) {
        go_layout_src src = {d, minor, &go_tables_amd64};
        go_offsets o;
        if (go_offsets_resolve(&src, &o, &err) == 0)
            sum += (unsigned)o.g_size;
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_file(data, size);
    hs_dwarf *d = NULL;
    hs_err err;
    if (!path || hs_dwarf_open(&d, path, &err) < 0 || !d)
        return 0;
    volatile unsigned sink = queries(d);
    (void)sink;
    hs_dwarf_close(d);
    return 0;
}
