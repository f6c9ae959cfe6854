/* fuzz_glibc_heap.c - libFuzzer target: the glibc malloc model's arena, free-list and chunk walks
 * (core/glibc/) over corrupted memory. A small well-formed world is built once in two regions:
 * main_arena followed by its heap (a tcache_perthread_struct, in-use chunks, a fastbin chunk and
 * a tcache chunk with safe-linked links, a free chunk, top), and a second arena in a
 * HEAP_MAX_SIZE-aligned heap with heap_info; the arenas' next pointers make a ring. Each input
 * is a first byte (bit 0: glibc 2.31 links, else 2.36 safe-linking) then patch records
 * {u8 region, u16 offset, u8 len, len bytes} laid over a copy of the world; then the model reads
 * the arenas and free lists and walks every chunk. It must end (reads are budgeted) without a
 * memory error, and never count more in-use bytes than the regions hold. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "glibc/glibc_heap.h"
#include "glibc/glibc_layout.h"

#define REG_SIZE 0x8000u
static const uint64_t bases[2] = {0x10000000ull, 0x14000000ull};
static uint8_t world[2][REG_SIZE], mem[2][REG_SIZE];

typedef struct mem_target {
    hs_target base;
    uint64_t reads;
} mem_target;

static int mem_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    mem_target *m = (mem_target *)t;
    if (++m->reads > 200000)
        return hs_errf(err, "read budget spent");
    for (int r = 0; r < 2; r++)
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

static void build_world(void)
{
    uint64_t ar2 = bases[1] + 48; /* after a 2.35+ heap_info */
    build_arena(0, 0, ar2, 0x1000);
    put(1, GL_HI_AR, ar2);
    put(1, GL_HI_SIZE, REG_SIZE);
    uint64_t start = (48 + GL_AR_SIZE + GL_HDR + GL_ALIGN - 1) / GL_ALIGN * GL_ALIGN - GL_HDR;
    build_arena(1, 48, bases[0], start);
}

static int count(void *ctx, uint64_t c, uint64_t size, uint64_t word0, int mmapped)
{
    (void)c, (void)word0, (void)mmapped;
    *(uint64_t *)ctx += size;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int built;
    if (!built)
        build_world(), built = 1;
    memcpy(mem, world, sizeof mem);
    fz_cursor c = {data, size};
    int minor = fz_u8(&c) & 1 ? 31 : 36;
    while (c.n) {
        int r = fz_u8(&c) & 1;
        uint16_t off = fz_u16(&c) % REG_SIZE;
        uint8_t len = fz_u8(&c) % 33;
        uint8_t b[32];
        size_t got = fz_bytes(&c, b, len);
        memcpy(mem[r] + off, b, got <= REG_SIZE - off ? got : REG_SIZE - off);
    }
    mem_target t = {.base = {.ops = &ops, .kind = "fuzz", .description = "fuzz memory"}};
    glibc_heap h;
    hs_err err;
    if (glibc_heap_open_at(&h, &t.base, bases[0], minor, &err) < 0)
        return 0;
    uint64_t bytes = 0;
    if (glibc_heap_walk(&h, count, &bytes, &err) == 0 && bytes != h.inuse_bytes)
        abort();
    if (bytes > 2 * REG_SIZE * h.narenas)
        abort();
    if (getenv("FUZZ_GLIBC_SHOW")) /* what a seed walks: scripts check the world is whole */
        fprintf(stderr, "arenas %zu spans %zu inuse %llu/%llu tcache %llu fast %llu free %llu\n%s",
                h.narenas, h.nspans, (unsigned long long)h.inuse_chunks,
                (unsigned long long)h.inuse_bytes, (unsigned long long)h.tcache_chunks,
                (unsigned long long)h.fast_chunks, (unsigned long long)h.mi.ordblks,
                sb_str(&h.warnings));
    glibc_heap_close(&h);
    return 0;
}
