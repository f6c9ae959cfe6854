/* size_parse.h - byte sizes as people write them: "64MiB", "10MB", "1.5GiB", "4096". */
#ifndef HS_SIZE_PARSE_H
#define HS_SIZE_PARSE_H

#include <stdint.h>

#include "err.h"

/* KiB/MiB/GiB/TiB (and K/M/G) are powers of 1024, KB/MB/GB/TB powers of 1000, a bare number
 * is bytes; units in any case. Fails with a one-line message naming the bad text. */
int hs_size_parse(const char *s, uint64_t *bytes, hs_err *err);

#endif
