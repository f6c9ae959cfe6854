/* glibc_libc.c - libc among the target's modules and main_arena inside it. main_arena is a
 * static variable, so libc's exported symbols do not name it: heapscope takes it from libc's
 * symbol table when a debug file (libc6-dbg) supplies one, and otherwise scans libc's writable
 * data for the one malloc_state whose bins, once initialised, point at themselves (an empty bin
 * i has fd == bk == bin_at(i)) and whose arena list returns to it. Both answers pass the same
 * structure check. The symbol table also gives the TLS offset of `tcache`, the pointer to each
 * thread's tcache_perthread_struct (glibc_tcache.c). A program that maps another allocator
 * (jemalloc, tcmalloc, mimalloc) is refused: its blocks are not in glibc's arenas. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/debug_file.h"
#include "../image/elf_image.h"
#include "../target/target_files.h"
#include "glibc_heap.h"
#include "glibc_layout.h"

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int other_allocator(const hs_target *t, hs_err *err)
{
    static const char *const names[] = {"libjemalloc", "libtcmalloc", "libmimalloc", "libhoard",
                                        "libscudo"};
    for (size_t i = 0; i < t->nmaps; i++)
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (!strncmp(base_name(t->maps[i].path), names[k], strlen(names[k])))
                return hs_errf(err, "%s maps %s, another allocator: only glibc malloc heaps are "
                               "read", t->description, t->maps[i].path);
    return 0;
}

static const hs_mapping *find_libc(const hs_target *t)
{
    for (size_t i = 0; i < t->nmaps; i++) {
        const char *b = base_name(t->maps[i].path);
        if (t->maps[i].file_offset == 0 && (!strcmp(b, "libc.so.6") || !strncmp(b, "libc-2.", 7)))
            return &t->maps[i];
    }
    return NULL;
}

/* "2.36" from the banner glibc keeps in .rodata ("... release version 2.36."). */
static void read_version(glibc_heap *h, const hs_image *img)
{
    size_t n;
    const uint8_t *b = hs_image_bytes(img, &n);
    static const char key[] = "release version ";
    const char *v = memmem(b, n, key, sizeof key - 1);
    int major = 0, minor = 0;
    if (v && sscanf(v + sizeof key - 1, "%d.%d", &major, &minor) == 2 && major == 2) {
        snprintf(h->version, sizeof h->version, "%d.%d", major, minor);
        h->minor = minor;
    }
}

/* The structure check: every bin either empty (pointing at itself) or holding 16-aligned
 * chunks, at least one empty, a sane mutex, an aligned top chunk, a next pointer. */
static int looks_like_arena(const uint8_t *m, uint64_t addr)
{
    uint64_t w[2];
    uint32_t mutex;
    memcpy(&mutex, m + GL_AR_MUTEX, 4);
    if (mutex > 2)
        return 0;
    int selfref = 0;
    for (int i = 2; i < GL_NBINS; i++) {
        memcpy(w, m + GL_AR_BINS + 16 * (i - 1), 16);
        int empty = w[0] == gl_bin_at(addr, i) && w[1] == w[0];
        if (!empty && (!w[0] || !w[1] || ((w[0] | w[1]) & (GL_ALIGN - 1))))
            return 0;
        selfref += empty;
    }
    uint64_t top, next;
    memcpy(&top, m + GL_AR_TOP, 8);
    memcpy(&next, m + GL_AR_NEXT, 8);
    return selfref >= 1 && top && !(top & 15) && next && !(next & 7);
}

/* The arena list from a candidate returns to it (a shifted view of main_arena's bins would pass
 * the bin check too; its "next" would not). */
static int list_returns(glibc_heap *h, uint64_t addr)
{
    uint64_t ar = addr;
    hs_err e;
    for (int n = 0; n < 4096; n++) {
        if (hs_read_u64(h->t, ar + GL_AR_NEXT, &ar, &e) < 0 || (ar & 7) || !ar)
            return 0;
        if (ar == addr)
            return 1;
    }
    return 0;
}

static int scan_data(glibc_heap *h, const hs_image *img, uint64_t bias)
{
    for (size_t i = 0; i < hs_image_nsegments(img); i++) {
        const hs_segment *s = hs_image_segment(img, i);
        if (s->flags != 6 /* PF_R|PF_W */ || s->memsz < GL_AR_SIZE || s->memsz > (64u << 20))
            continue;
        uint64_t start = bias + s->vaddr;
        uint8_t *buf = malloc(s->memsz);
        hs_err e;
        if (!buf || hs_read(h->t, start, buf, s->memsz, &e) < 0) {
            free(buf);
            continue;
        }
        for (uint64_t off = 0; off + GL_AR_SIZE <= s->memsz && !h->main_arena; off += 8)
            if (looks_like_arena(buf + off, start + off) && list_returns(h, start + off))
                h->main_arena = start + off;
        free(buf);
        if (h->main_arena)
            return 0;
    }
    return -1;
}

static int check_arena(glibc_heap *h, uint64_t addr)
{
    uint8_t m[GL_AR_SIZE];
    hs_err e;
    return hs_read(h->t, addr, m, sizeof m, &e) == 0 && looks_like_arena(m, addr) &&
           list_returns(h, addr);
}

int glibc_find_main_arena(glibc_heap *h, hs_err *err)
{
    if (other_allocator(h->t, err) < 0)
        return -1;
    const hs_mapping *m = find_libc(h->t);
    if (!m)
        return hs_errf(err, "%s maps no glibc (libc.so.6): a static or non-glibc program (musl?); "
                       "only glibc malloc heaps are read", h->t->description);
    hs_image *img;
    char file[PATH_MAX];
    if (hs_image_open(&img, hs_target_file(h->t, m->path, file), err) < 0)
        return -1;
    uint64_t bias = hs_image_load_bias(img, m->start);
    read_version(h, img);
    hs_err e;
    hs_symbol sym;
    int dbg = hs_debug_attach(img, NULL, &e) == 0;
    if (dbg && hs_image_symbol(img, "tcache", &sym) == 0 && sym.value < (1u << 20))
        h->tcache_tls = (int64_t)sym.value; /* a TLS symbol: an offset in libc's TLS block */
    if (dbg && hs_image_symbol(img, "main_arena", &sym) == 0 && check_arena(h, bias + sym.value)) {
        h->main_arena = bias + sym.value;
        h->arena_how = "libc's symbol table";
    } else if (scan_data(h, img, bias) == 0) {
        h->arena_how = "a scan of libc's data";
    }
    hs_image_close(img);
    if (!h->main_arena)
        return hs_errf(err, "no initialised malloc arena in %s's data of %s: the program has not "
                       "called glibc malloc yet, or another allocator replaces it; only glibc "
                       "malloc heaps are read", m->path, h->t->description);
    if (h->minor && h->minor < 28)
        glibc_warn(h, "glibc %s is older than 2.28, the oldest heapscope knows: the walk may be wrong",
                   h->version);
    return 0;
}
