/* fuzz_util.c - the fuzz input as a file, data paths and the input cursor (see fuzz_util.h). */
#include "fuzz_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef HS_FUZZ_TEST_DATA
#define HS_FUZZ_TEST_DATA "test-data"
#endif
#ifndef HS_FUZZ_SOURCE_DIR
#define HS_FUZZ_SOURCE_DIR "fuzz"
#endif

static int fz_fd = -1; /* the one input file of this fuzzing process */
static char fz_path[64];

const char *fz_file(const uint8_t *data, size_t size)
{
    if (fz_fd < 0) {
        fz_fd = memfd_create("fuzz-input", MFD_CLOEXEC);
        if (fz_fd < 0)
            return NULL;
        snprintf(fz_path, sizeof fz_path, "/proc/self/fd/%d", fz_fd);
    }
    if (ftruncate(fz_fd, 0) != 0 || ftruncate(fz_fd, (off_t)size) != 0)
        return NULL;
    for (size_t done = 0; done < size;) {
        ssize_t w = pwrite(fz_fd, data + done, size - done, (off_t)done);
        if (w <= 0)
            return NULL;
        done += (size_t)w;
    }
    return fz_path;
}

const char *fz_test_data(void)
{
    const char *d = getenv("HS_TEST_DATA");
    return d && *d ? d : HS_FUZZ_TEST_DATA;
}

const char *fz_source_dir(void) { return HS_FUZZ_SOURCE_DIR; }

size_t fz_bytes(fz_cursor *c, uint8_t *out, size_t max)
{
    size_t n = max < c->n ? max : c->n;
    if (n)
        memcpy(out, c->p, n);
    c->p += n;
    c->n -= n;
    return n;
}

static uint64_t take(fz_cursor *c, size_t len)
{
    uint8_t b[8] = {0};
    fz_bytes(c, b, len);
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

uint8_t fz_u8(fz_cursor *c) { return (uint8_t)take(c, 1); }
uint16_t fz_u16(fz_cursor *c) { return (uint16_t)take(c, 2); }
uint32_t fz_u32(fz_cursor *c) { return (uint32_t)take(c, 4); }
uint64_t fz_u64(fz_cursor *c) { return take(c, 8); }
