/* fuzz_glibc_heap.c - libFuzzer target: the glibc malloc model's arena, free-list, tcache and
 * chunk walks (core/glibc/) over corrupted memory. A small well-formed world is built once in
 * three regions: main_arena followed by its heap (a tcache_perthread_struct first, in-use chunks,
 * a fastbin chunk and a tcache chunk with safe-linked links, a second thread's tcache in the
 * middle with one chunk, a free chunk, top), a second arena alike in a HEAP_MAX_SIZE-aligned heap
 * with heap_info (the arenas' next pointers make a ring), and a region of mmapped chunks (plain,
 * and memalign'd: a stale header, zeros, the aligned chunk). Three threads' thread pointers (in
 * main_arena's top chunk) lead through their dtv to libc's TLS block, whose `tcache` points at
 * the first tcache, a middle one, and nothing; the third one's stack pointer lies in the mmapped
 * region, where the walk starts again when a patch stopped it. Each input is a first byte (bit
 * 0: glibc 2.31 links, else 2.36 safe-linking; bit 1: tcaches through TLS, else by their shape)
 * then patch records {u8 region, u16 offset, u8 len, len bytes} laid over a copy of the world;
 * then the model reads the arenas and free lists and walks every chunk. It must end (reads are
 * budgeted) without a memory error, and never count more in-use bytes than the regions hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "glibc/glibc_heap.h"
#include "glibc/glibc_layout.h"

#define REG_SIZE 0x8000u
#define NREG 3
#define TCACHE_TLS 0x48 /* libc 2.36's */
#define TLS_AT 0x7000u  /* in main_arena's top chunk: thread pointers, dtv, TLS blocks */
static const uint64_t bases[NREG] = {0x10000000ull, 0x14000000ull, 0x18000000ull};
static uint8_t world[NREG][REG_SIZE], mem[NREG][REG_SIZE];
static uint64_t mid_tc[2], mid_entry[2]; /* each heap's middle tcache and its one chunk */
static hs_thread threads[3];
static const hs_region regions[] = {{0x18000000ull, 0x18000000ull + REG_SIZE, 6, 0}};

typedef struct mem_target {
    hs_target base;
    uint64_t reads;
} mem_target;

static int mem_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    mem_target *m = (mem_target *)t;
    if (++m->reads > 200000)
        return hs_errf(err, "read budget spent");
    for (int r = 0; r < NREG; r++)
        if (addr >= bases[r] && addr - bases[r] <= REG_SIZE && len <= REG_SIZE - (addr - bases[r])) {
            memcpy(buf, mem[r] + (addr - bases[r]), len);
            return 0;
        }
    return hs_errf(err, "no memory at %#llx", (unsigned long long)addr);
}

static void mem_close(hs_target *t) { (void)t; }
static const hs_target_ops ops = {mem_read, NULL, mem_close};

static void put(int r, uint64_t off, uint64_t v) { memcpy(world[r] + off, &v, 8); }

/* A chunk at off of region r: its size word (with PREV_INUSE) and first user word. */
static void chunk(int r, uint64_t off, uint64_t size, uint64_t word0)
{
    put(r, off + 8, size | GL_PREV_INUSE);
    put(r, off + 16, word0);
}

static void build_arena(int r, uint64_t ar_off, uint64_t next, uint64_t heap_off)
{
    uint64_t ar = bases[r] + ar_off;
    for (int i = 1; i < GL_NBINS; i++) { /* empty bins point at themselves */
        put(r, ar_off + GL_AR_BINS + 16 * (uint64_t)(i - 1), gl_bin_at(ar, i));
        put(r, ar_off + GL_AR_BINS + 16 * (uint64_t)(i - 1) + 8, gl_bin_at(ar, i));
    }
    put(r, ar_off + GL_AR_NEXT, next);
    uint64_t c = heap_off, tc = c; /* the tcache struct, then 6 chunks of 0x30, one of 0x40 */
    chunk(r, c, GL_TC_CHUNK, 0), c += GL_TC_CHUNK;
    uint64_t first = c;
    for (int i = 0; i < 6; i++)
        chunk(r, c, 0x30, 0x1111), c += 0x30;
    uint64_t tchunk = c;
    chunk(r, c, 0x40, 0), c += 0x40;
    uint64_t tc2 = c; /* another thread's tcache: bin 0 holds the 0x20 chunk after it */
    chunk(r, c, GL_TC_CHUNK, 0), c += GL_TC_CHUNK;
    world[r][tc2 + 16] = 1;
    put(r, tc2 + 16 + GL_TC_ENTRIES, bases[r] + c + 16);
    chunk(r, c, 0x20, (bases[r] + c + 16) >> 12); /* its link: NULL, mangled */
    mid_tc[r] = tc2, mid_entry[r] = c;
    c += 0x20;
    chunk(r, c, 0x100, 0), c += 0x100; /* free: the next chunk's PREV_INUSE is clear */
    uint64_t top = c;
    put(r, top + 8, (REG_SIZE - top)); /* top, PREV_INUSE clear */
    put(r, ar_off + GL_AR_TOP, bases[r] + top);
    put(r, ar_off + GL_AR_SYSTEM_MEM, REG_SIZE - heap_off);
    /* fastbin 1 (0x30): the 2nd chunk; tcache bin 2 (0x40): tchunk; both lists end in NULL,
     * stored mangled (2.32+) */
    uint64_t fc = bases[r] + first + 0x30;
    put(r, ar_off + GL_AR_FASTBINS + 8, fc);
    put(r, first + 0x30 + 16, (fc + 16) >> 12);
    world[r][tc + 16 + 2 * 2] = 1;
    put(r, tc + 16 + GL_TC_ENTRIES + 8 * 2, bases[r] + tchunk + 16);
    put(r, tchunk + 16, (bases[r] + tchunk + 16) >> 12);
}

/* Thread i's pointer, its dtv (2 modules: none, then libc) and libc's TLS block with tcache. */
static void build_tls(int i, uint64_t tcache)
{
    uint64_t at = TLS_AT + 0x100u * (unsigned)i, tp = bases[0] + at, dtv = tp + 0x20;
    threads[i].tid = 100 + i;
    threads[i].regs[HS_FS_BASE] = tp;
    put(0, at + gl_dtv_slot(HS_ARCH_AMD64), dtv);
    put(0, at + 0x20 - GL_DTV_ENTRY, 3);              /* dtv[-1]: entries */
    put(0, at + 0x20 + GL_DTV_ENTRY, UINT64_MAX);      /* module 1: not allocated */
    put(0, at + 0x20 + 2 * GL_DTV_ENTRY, tp + 0x80);  /* module 2: libc's block */
    put(0, at + 0x80 + TCACHE_TLS, tcache);
}

/* Mmapped chunks: 0x2000 plain; 0x3000 memalign'd, its chunk 0xff0 in; 0x3000 plain. */
static void build_mmapped(void)
{
    put(2, 8, 0x2000 | GL_IS_MMAPPED);
    put(2, 0x2000 + 8, 0x3000 | GL_IS_MMAPPED);
    put(2, 0x2ff0, 0xff0);
    put(2, 0x2ff0 + 8, (0x3000 - 0xff0) | GL_IS_MMAPPED);
    put(2, 0x5000 + 8, 0x3000 | GL_IS_MMAPPED);
}

static void build_world(void)
{
    uint64_t ar2 = bases[1] + 48; /* after a 2.35+ heap_info */
    build_arena(0, 0, ar2, 0x1000);
    put(1, GL_HI_AR, ar2);
    put(1, GL_HI_SIZE, REG_SIZE);
    uint64_t start = (48 + GL_AR_SIZE + GL_HDR + GL_ALIGN - 1) / GL_ALIGN * GL_ALIGN - GL_HDR;
    build_arena(1, 48, bases[0], start);
    build_tls(0, bases[0] + 0x1000 + 16);
    build_tls(1, bases[1] + mid_tc[1] + 16);
    build_tls(2, 0);
    threads[2].regs[HS_RSP] = bases[2] + 0x5010; /* a stack merged with mmapped chunks */
    build_mmapped();
}

static int count(void *ctx, uint64_t c, uint64_t size, uint64_t word0, int mmapped)
{
    (void)c, (void)word0, (void)mmapped;
    *(uint64_t *)ctx += size;
    return 0;
}

/* The middle tcaches' entry keys: tcache_key (2.34+) or the owning struct (2.29-2.33). */
static void set_keys(int minor)
{
    for (int r = 0; r < 2; r++) {
        uint64_t key = minor >= 34 ? 0x5eed5eedull : bases[r] + mid_tc[r] + GL_HDR;
        memcpy(mem[r] + mid_entry[r] + GL_HDR + GL_TC_KEY, &key, 8);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int built;
    if (!built)
        build_world(), built = 1;
    memcpy(mem, world, sizeof mem);
    fz_cursor c = {data, size};
    uint8_t flags = fz_u8(&c);
    int minor = flags & 1 ? 31 : 36;
    set_keys(minor);
    while (c.n) {
        int r = fz_u8(&c) % NREG;
        uint16_t off = fz_u16(&c) % REG_SIZE;
        uint8_t len = fz_u8(&c) % 33;
        uint8_t b[32];
        size_t got = fz_bytes(&c, b, len);
        memcpy(mem[r] + off, b, got <= REG_SIZE - off ? got : REG_SIZE - off);
    }
    mem_target t = {.base = {.ops = &ops, .kind = "fuzz", .description = "fuzz memory",
                             .arch = HS_ARCH_AMD64, .threads = threads, .nthreads = 3}};
    glibc_heap h;
    hs_err err;
    glibc_given g = {bases[0], minor, flags & 2 ? TCACHE_TLS : -1, regions, 1};
    if (glibc_heap_open_at(&h, &t.base, &g, &err) < 0)
        return 0;
    uint64_t bytes = 0;
    if (glibc_heap_walk(&h, count, &bytes, &err) == 0 && bytes != h.inuse_bytes + h.mmapped_bytes)
        abort();
    if (bytes > 2 * REG_SIZE * h.narenas + REG_SIZE)
        abort();
    if (getenv("FUZZ_GLIBC_SHOW")) /* what a seed walks: scripts check the world is whole */
        fprintf(stderr, "arenas %zu spans %zu inuse %llu/%llu tcache %llu in %llu (%s) fast %llu "
                "free %llu mmapped %llu/%llu\n%s", h.narenas, h.nspans,
                (unsigned long long)h.inuse_chunks, (unsigned long long)h.inuse_bytes,
                (unsigned long long)h.tcache_chunks, (unsigned long long)h.ntcaches, h.tcache_how,
                (unsigned long long)h.fast_chunks, (unsigned long long)h.mi.ordblks,
                (unsigned long long)h.mmapped_chunks, (unsigned long long)h.mmapped_bytes,
                sb_str(&h.warnings));
    glibc_heap_close(&h);
    return 0;
}
