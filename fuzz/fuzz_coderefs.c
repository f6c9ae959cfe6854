/* fuzz_coderefs.c - libFuzzer target: the input is amd64 or arm64 code as go_stripped.c decodes the
 * runtime functions of a binary without symbols to find the globals they reference (capstone): a
 * 16-byte header (little-endian: the link-time address of the code's first byte, whose low 3
 * bits are the largest k to ask for; the start of the data range, which spans 16 MiB, whose
 * lowest bit picks arm64 for the references), then the code. Every k up to that is asked for; the distinct addresses found must lie in the range, and asking for a later one never
 * finds an address when an earlier one was not found. The same code is also searched for the
 * freeindex/allocCount window of a generated allocation function (go_alloc_window.c) at every
 * eighth address, and scanned for typed global words (go_code_types.c: functions every 256 bytes,
 * the targets of its first call instructions given the roles of runtime functions in turn; what
 * it reports must lie in the data range, name a type in the type range, and come sorted, one per
 * address). Seeds: fuzz/corpus/coderefs (runtime
 * functions of the stored Go executables that the table names, with their real addresses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "go/go_alloc_window.h"
#include "go/go_code_types.h"
#include "go/go_stripped.h"

/* A call's target at code offset i, or 0: amd64 E8 rel32; arm64 BL imm26. */
static uint64_t call_at(hs_arch arch, const uint8_t *code, size_t len, size_t i, uint64_t pc)
{
    if (arch == HS_ARCH_ARM64) {
        uint32_t w;
        if (i % 4 || i + 4 > len)
            return 0;
        memcpy(&w, code + i, 4);
        int64_t off = (int64_t)((w & 0x03ffffffu) << 6) >> 4; /* imm26 * 4, sign-extended */
        return (w & 0xfc000000u) == 0x94000000u ? pc + i + (uint64_t)off : 0;
    }
    int32_t rel;
    if (i + 5 > len || code[i] != 0xe8)
        return 0;
    memcpy(&rel, code + i + 1, 4);
    return pc + i + 5 + (uint64_t)(int64_t)rel;
}

static void scan_globals(hs_arch arch, const uint8_t *data, size_t size, uint64_t pc, uint64_t lo,
                         uint64_t hi)
{
    enum { NENTRIES = 64, NCALLEES = 10 };
    uint64_t entries[NENTRIES];
    go_code_callee callees[NCALLEES];
    size_t ne = 0, nc = 0, len = size - 16;
    for (uint64_t a = pc; a < pc + len && ne < NENTRIES; a += 256)
        entries[ne++] = a;
    for (size_t i = 0; i < len && nc < NCALLEES; i++) {
        uint64_t at = call_at(arch, data + 16, len, i, pc);
        if (!at)
            continue;
        size_t k = nc;
        while (k > 0 && callees[k - 1].entry > at) /* kept sorted, no repeats */
            k--;
        if (k > 0 && callees[k - 1].entry == at)
            continue;
        memmove(callees + k + 1, callees + k, (nc - k) * sizeof *callees);
        callees[k] = (go_code_callee){at, (uint8_t)(1 + nc % GO_CODE_WB_BUF), (uint8_t)(nc % 3)};
        nc++;
    }
    go_code_space sp = {.arch = arch, .text = pc, .types_lo = hi, .types_hi = hi + (16u << 20), .data_lo = lo, .data_hi = hi};
    go_code_global *v;
    size_t n;
    hs_err err;
    if (go_code_scan(data + 16, len, &sp, entries, ne, callees, nc, &v, &n, &err) < 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (v[i].addr < lo || v[i].addr >= hi || v[i].type < sp.types_lo || v[i].type >= sp.types_hi ||
            (i && v[i].addr <= v[i - 1].addr) || v[i].kind > GO_CODE_VALUE)
            abort();
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 16)
        return 0;
    uint64_t pc, lo;
    memcpy(&pc, data, 8);
    memcpy(&lo, data + 8, 8);
    unsigned kmax = data[0] & 7;
    hs_arch arch = data[8] & 1 ? HS_ARCH_ARM64 : HS_ARCH_AMD64; /* a bit of what lo would be */
    pc &= 0x0000fffffffffff8ull;
    lo &= 0x0000ffffffffffffull;
    uint64_t hi = lo + (16u << 20);
    int missing = 0;
    for (unsigned k = 0; k <= kmax; k++) {
        uint64_t t = go_code_kth_data_ref(arch, data + 16, size - 16, pc, lo, hi, k);
        if (t && (t < lo || t >= hi || missing))
            abort();
        missing |= t == 0;
    }
    scan_globals(arch, data, size, pc, lo, hi);
    volatile int in = 0;
    for (size_t at = 0; at < size - 16; at += 8)
        in += go_alloc_in_window(data + 16, size - 16, pc, pc + at, 48, 96);
    (void)in;
    return 0;
}
