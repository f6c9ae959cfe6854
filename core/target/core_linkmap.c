/* core_linkmap.c - the shared libraries of a core that names no files (qemu-user writes no
 * NT_FILE), from the dynamic linker's own list in the core's memory: the executable's DT_DEBUG
 * entry points at r_debug, whose r_map starts the link_map chain {l_addr, l_name, l_ld, l_next}.
 * The executable and each library named there that exists on this machine under that path
 * become mappings of their PT_LOAD segments at their load address, as NT_FILE would have listed
 * them (the first at file offset 0). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"
#include "target_files.h"

enum { DT_NULL_ = 0, DT_DEBUG_ = 21, MAX_LIBS = 512, MAX_DYN = 4096, PAGE = 4096 };
enum { R_MAP = 8, L_ADDR = 0, L_NAME = 8, L_NEXT = 24 };

/* r_debug's address from the executable's dynamic section in memory; 0 when none. */
static uint64_t r_debug_addr(hs_core_target *c)
{
    const hs_section *dyn = hs_image_section(c->exe, ".dynamic");
    hs_err e;
    for (uint64_t i = 0; dyn && i < dyn->size / 16 && i < MAX_DYN; i++) {
        uint64_t d[2];
        if (hs_read(&c->base, c->exe_bias + dyn->addr + 16 * i, d, sizeof d, &e) < 0 ||
            d[0] == DT_NULL_)
            return 0;
        if (d[0] == DT_DEBUG_)
            return d[1];
    }
    return 0;
}

/* The library at path, loaded at l_addr: a mapping per PT_LOAD segment. */
static int add_library(hs_core_target *c, const char *path, uint64_t l_addr, size_t *cap)
{
    hs_image *img;
    hs_err e;
    char file[PATH_MAX];
    if ((l_addr & (PAGE - 1)) || hs_image_open_bare(&img, hs_target_file(&c->base, path, file), &e) < 0)
        return 0; /* not on this machine (or not loaded at a page): the library stays unnamed */
    int rc = 0;
    if (hs_image_arch(img) == c->base.arch)
        for (size_t i = 0; i < hs_image_nsegments(img) && rc == 0; i++) {
            const hs_segment *s = hs_image_segment(img, i);
            uint64_t lo = s->vaddr & ~(uint64_t)(PAGE - 1),
                     hi = (s->vaddr + s->memsz + PAGE - 1) & ~(uint64_t)(PAGE - 1);
            uint64_t off = s->offset & ~(uint64_t)(PAGE - 1);
            hs_mapping m = {l_addr + lo, l_addr + hi, off, (char *)path};
            rc = hi > lo && m.end > m.start ? hs_target_add_map(&c->base, cap, m) : 0;
        }
    hs_image_close(img);
    return rc;
}

static int mapcmp(const void *a, const void *b)
{
    const hs_mapping *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int hs_core_maps_from_linkmap(hs_core_target *c, hs_err *err)
{
    hs_target *t = &c->base;
    uint64_t lm, rd = t->nmaps || !c->exe ? 0 : r_debug_addr(c);
    hs_err e;
    if (!rd || hs_read_u64(t, rd + R_MAP, &lm, &e) < 0)
        return 0;
    size_t cap = 0;
    if (add_library(c, hs_image_path(c->exe), c->exe_bias, &cap) < 0)
        return hs_errf(err, "out of memory listing the core's libraries");
    for (int n = 0; lm && n < MAX_LIBS; n++) {
        uint64_t w[4];
        char name[4096];
        if (hs_read(t, lm, w, sizeof w, &e) < 0)
            break;
        if (w[L_NAME / 8] && hs_read_cstr(t, w[L_NAME / 8], name, sizeof name, &e) == 0 &&
            name[0] == '/' && add_library(c, name, w[L_ADDR / 8], &cap) < 0)
            return hs_errf(err, "out of memory listing the core's libraries");
        if (hs_read_u64(t, lm + L_NEXT, &lm, &e) < 0)
            break;
    }
    if (t->nmaps > 1)
        qsort(t->maps, t->nmaps, sizeof *t->maps, mapcmp);
    return 0;
}
