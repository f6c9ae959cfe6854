/* fuzz_stackmap.c - libFuzzer target: the funcdata stack-map readers (image/go_stackmap.c).
 * Input: an i32 map index, then the funcdata bytes. go_stackmap_entry is asked for that index
 * and its neighbours, every bit of an entry it returns is read, and the bytes are also decoded
 * as a stack-object list, every record read. */
#include <stdint.h>
#include <string.h>

#include "image/go_stackmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    int32_t idx;
    memcpy(&idx, data, 4);
    const uint8_t *p = data + 4;
    size_t n = size - 4;
    volatile unsigned sink = 0;
    for (int64_t k = (int64_t)idx - 1; k <= (int64_t)idx + 1; k++) {
        go_bitvec bv;
        if (k >= INT32_MIN && k <= INT32_MAX && go_stackmap_entry(p, n, (int32_t)k, &bv) == GO_STACKMAP_OK)
            for (uint32_t i = 0; i < bv.n; i++)
                sink += bv.bits[i / 8] >> (i % 8) & 1;
    }
    long objs = go_stackobj_count(p, n);
    for (long i = 0; i < objs; i++) {
        go_stackobj_rec r;
        go_stackobj_at(p, i, &r);
        sink += (unsigned)r.off + (unsigned)r.size + (unsigned)r.ptrdata + r.gcdataoff;
    }
    (void)sink;
    return 0;
}
