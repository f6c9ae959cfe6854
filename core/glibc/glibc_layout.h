/* glibc_layout.h - the facts of glibc malloc (2.28 and newer, 64-bit: amd64 and arm64 alike)
 * that the model reads: struct malloc_state's offsets, chunk header bits, heap_info, the
 * tcache_perthread_struct's shape, safe-linking. Learnt from glibc's malloc/malloc.c and
 * malloc/arena.c; one place, so a layout change is one edit. */
#ifndef HS_GLIBC_LAYOUT_H
#define HS_GLIBC_LAYOUT_H

#include <stdint.h>

#include "../util/arch.h"

/* struct malloc_state: mutex (int), flags (int), have_fastchunks (int), fastbinsY[10],
 * top, last_remainder, bins[254], binmap[4] (unsigned int), next, next_free,
 * attached_threads, system_mem, max_system_mem. */
enum {
    GL_AR_MUTEX = 0,
    GL_AR_FASTBINS = 16,
    GL_NFASTBINS = 10,
    GL_AR_TOP = 96,
    GL_AR_BINS = 112,
    GL_NBINS = 128,
    GL_AR_NEXT = 2160,
    GL_AR_SYSTEM_MEM = 2184,
    GL_AR_SIZE = 2200,
};
/* bin_at(i): the fake chunk whose fd/bk are bins[2(i-1)], bins[2(i-1)+1]. */
static inline uint64_t gl_bin_at(uint64_t arena, int i) { return arena + GL_AR_BINS + 16u * (unsigned)(i - 1) - 16; }

/* Chunk header: prev_size, size (low bits PREV_INUSE, IS_MMAPPED, NON_MAIN_ARENA); user memory
 * (and a free chunk's fd, bk) starts 16 bytes in. */
enum { GL_PREV_INUSE = 1, GL_IS_MMAPPED = 2, GL_NON_MAIN = 4, GL_SIZE_BITS = 7 };
enum { GL_HDR = 16, GL_MINSIZE = 32, GL_ALIGN = 16 };
#define GL_HEAP_MAX ((uint64_t)64 << 20) /* 2 * DEFAULT_MMAP_THRESHOLD_MAX on 64-bit */
/* heap_info: ar_ptr, prev, size, mprotect_size[, pagesize since 2.35], padding. */
enum { GL_HI_AR = 0, GL_HI_PREV = 8, GL_HI_SIZE = 16 };

/* tcache_perthread_struct: uint16_t counts[64]; tcache_entry *entries[64] — a 0x290 chunk; an
 * entry points to user memory, its next at offset 0, its key at 8 (2.34+: tcache_key, the same
 * random value in every entry; 2.29-2.33: the owning tcache_perthread_struct). Bin i holds
 * chunks of 32 + 16 i bytes. */
enum { GL_TC_BINS = 64, GL_TC_CHUNK = 0x290, GL_TC_ENTRIES = 128, GL_TC_KEY = 8 };

/* glibc's TLS ABI: the thread pointer's TCB holds the dtv pointer at tp + 8 on amd64 (tcbhead_t:
 * tcb, dtv, self) and at tp on arm64 (TLS variant I: dtv, private). The dtv is 16-byte entries
 * {val, to_free}: dtv[-1] counts those allocated, dtv[0] is the generation, dtv[m].val module m's
 * TLS block (0 or TLS_DTV_UNALLOCATED, -1, when it has none yet). */
static inline uint64_t gl_dtv_slot(hs_arch a) { return a == HS_ARCH_ARM64 ? 0 : 8; }
enum { GL_DTV_ENTRY = 16 };

/* Safe-linking (2.32+): a stored tcache or fastbin link is PROTECT_PTR(pos, ptr) =
 * (pos >> 12) ^ ptr, pos being the address where the link is stored. */
static inline uint64_t gl_reveal(int mangled, uint64_t pos, uint64_t v)
{
    return mangled ? (pos >> 12) ^ v : v;
}

#endif
