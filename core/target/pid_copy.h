/* pid_copy.h - a private copy of a stopped process's memory, so that it can be let go at once
 * and read afterwards like a core: every readable private mapping, of which only the pages the
 * process has (resident or swapped, by /proc/PID/pagemap; file-backed pages always) are copied,
 * in large process_vm_readv batches; the untouched anonymous rest reads as the zeros it holds.
 * Shared mappings (a mapped database file, shared memory) are left out: they are not the
 * process's private state and can be huge; pid_target.c reads them live. */
#ifndef HS_PID_COPY_H
#define HS_PID_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "../util/progress.h"

typedef struct hs_memcopy hs_memcopy;

/* Copies pid's memory (read through /proc/PID/mem where process_vm_readv cannot); pages that
 * read neither way are remembered as unreadable. *need gets the bytes a copy takes. Returns 1
 * without copying when that is more than budget, or when its anonymous mappings span too much
 * address space to scan (err then says so). prog (may be NULL) is told the bytes copied. */
int hs_memcopy_take(hs_memcopy **out, int pid, uint64_t budget, uint64_t *need, hs_progress *prog,
                    hs_err *err);

/* Bytes copied (what the copy holds in memory at most). */
uint64_t hs_memcopy_size(const hs_memcopy *c);

/* Copies len bytes at addr; returns -1 with *bad = an address not in the copy. */
int hs_memcopy_read(const hs_memcopy *c, uint64_t addr, void *buf, size_t len, uint64_t *bad);

/* A pointer to len bytes at addr inside the copy, or NULL when they are not all there. */
const void *hs_memcopy_view(const hs_memcopy *c, uint64_t addr, size_t len);

void hs_memcopy_free(hs_memcopy *c);

#endif
