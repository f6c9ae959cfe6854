/* fuzz_util.h - what the libFuzzer targets share: the fuzz input as a file (the readers under
 * test take paths), where the stored test data and fuzz/data live, and a tiny cursor for
 * decoding structured inputs. */
#ifndef HS_FUZZ_UTIL_H
#define HS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Writes the input to a reused in-memory file and returns its path ("/proc/self/fd/N"), or
 * NULL when that fails. The file keeps exactly `size` bytes until the next call. */
const char *fz_file(const uint8_t *data, size_t size);

/* $HS_TEST_DATA, else the test-data directory of the build tree this target was built in. */
const char *fz_test_data(void);
/* The fuzz/ directory of the source tree (fuzz/data/tiny, ...). */
const char *fz_source_dir(void);

/* Consumes bytes from the front of an input; reads past the end give zeros. */
typedef struct fz_cursor {
    const uint8_t *p;
    size_t n;
} fz_cursor;

uint8_t fz_u8(fz_cursor *c);
uint16_t fz_u16(fz_cursor *c);
uint32_t fz_u32(fz_cursor *c);
uint64_t fz_u64(fz_cursor *c);
/* Up to max bytes (fewer at the end of the input); returns how many were taken. */
size_t fz_bytes(fz_cursor *c, uint8_t *out, size_t max);

#endif
