/* human.h - numbers for people: byte sizes ("1.5 MiB") and wall-clock times ("2026-11-22 12:03:44 UTC"). */
#ifndef HS_HUMAN_H
#define HS_HUMAN_H

#include <stddef.h>
#include <stdint.h>

void hs_format_bytes(uint64_t bytes, char *buf, size_t cap);
/* A count with thousands separators: "1,804". */
void hs_format_count(uint64_t n, char *buf, size_t cap);
/* Unix nanoseconds as a UTC date and time; "never" for 0. */
void hs_format_unix_ns(uint64_t ns, char *buf, size_t cap);

#endif
