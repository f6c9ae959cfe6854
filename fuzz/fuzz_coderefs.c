/* fuzz_coderefs.c - libFuzzer target: the input is amd64 code as go_stripped.c decodes the runtime
 * functions of a binary without symbols to find the globals they reference (capstone): a
 * 16-byte header (little-endian: the link-time address of the code's first byte, whose low 3
 * bits are the largest k to ask for; the start of the data range, which spans 16 MiB), then the
 * code. Every k up to that is asked for; the distinct addresses found must lie in the range, and asking for a later one never
 * finds an address when an earlier one was not found. The same code is also searched for the
 * freeindex/allocCount window of a generated allocation function (go_alloc_window.c) at every
 * eighth address. Seeds: fuzz/corpus/coderefs (runtime
 * functions of the stored Go executables that the table names, with their real addresses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "go/go_alloc_window.h"
#include "go/go_stripped.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 16)
        return 0;
    uint64_t pc, lo;
    memcpy(&pc, data, 8);
    memcpy(&lo, data + 8, 8);
    unsigned kmax = data[0] & 7;
    pc &= 0x0000fffffffffff8ull;
    lo &= 0x0000ffffffffffffull;
    uint64_t hi = lo + (16u << 20);
    int missing = 0;
    for (unsigned k = 0; k <= kmax; k++) {
        uint64_t t = go_code_kth_data_ref(data + 16, size - 16, pc, lo, hi, k);
        if (t && (t < lo || t >= hi || missing))
            abort();
        missing |= t == 0;
    }
    volatile int in = 0;
    for (size_t at = 0; at < size - 16; at += 8)
        in += go_alloc_in_window(data + 16, size - 16, pc, pc + at, 48, 96);
    (void)in;
    return 0;
}
