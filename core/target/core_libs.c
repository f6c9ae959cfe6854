/* core_libs.c - bytes for core gaps from the other files the core names in NT_FILE (shared
 * libraries), opened on first need and used only when their build id agrees with the core; and
 * which of those libraries are missing here or another build (for the core's warning). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_priv.h"
#include "target_files.h"

enum { MAX_LIBS = 512 }; /* bounds open files for cores that map thousands of files */

static const hs_mapping *map_at(const hs_core_target *c, uint64_t addr)
{
    const hs_target *t = &c->base;
    size_t lo = 0, hi = t->nmaps;
    while (lo < hi) { /* first mapping starting above addr (maps are sorted by start) */
        size_t mid = lo + (hi - lo) / 2;
        if (t->maps[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && addr < t->maps[lo - 1].end ? &t->maps[lo - 1] : NULL;
}

/* Where the file's bytes at file offset fofs sit in memory, per NT_FILE; 0 when unmapped. */
static uint64_t file_offset_addr(const hs_core_target *c, const char *path, uint64_t fofs)
{
    const hs_target *t = &c->base;
    for (size_t i = 0; i < t->nmaps; i++) {
        const hs_mapping *m = &t->maps[i];
        if (strcmp(m->path, path) == 0 && fofs >= m->file_offset &&
            fofs - m->file_offset < m->end - m->start)
            return m->start + (fofs - m->file_offset);
    }
    return 0;
}

/* 0 when the core agrees with the library's build id or cannot tell; -1 on a mismatch. */
static int lib_matches(const hs_core_target *c, const hs_core_lib *lib)
{
    size_t len;
    uint64_t vaddr;
    const uint8_t *id = hs_image_build_id(lib->img, &len, &vaddr);
    for (size_t i = 0; len && i < hs_image_nsegments(lib->img); i++) {
        const hs_segment *s = hs_image_segment(lib->img, i);
        if (vaddr < s->vaddr || vaddr - s->vaddr >= s->filesz)
            continue;
        uint64_t addr = file_offset_addr(c, lib->path, s->offset + (vaddr - s->vaddr));
        const uint8_t *in_core = addr ? hs_core_bytes(c, addr, len) : NULL;
        return in_core && memcmp(in_core, id, len) != 0 ? -1 : 0;
    }
    return 0;
}

static hs_core_lib *get_lib(hs_core_target *c, const char *path)
{
    for (size_t i = 0; i < c->nlibs; i++)
        if (strcmp(c->libs[i].path, path) == 0)
            return &c->libs[i];
    if (c->nlibs >= MAX_LIBS)
        return NULL;
    hs_core_lib *libs = realloc(c->libs, (c->nlibs + 1) * sizeof *libs);
    if (!libs)
        return NULL;
    c->libs = libs;
    hs_core_lib *lib = &libs[c->nlibs];
    *lib = (hs_core_lib){strdup(path), NULL, -1, 0, NULL};
    if (!lib->path)
        return NULL;
    c->nlibs++;
    hs_err err;
    char file[PATH_MAX];
    if (hs_image_open_bare(&lib->img, hs_target_file(&c->base, path, file), &err) < 0)
        lib->why = strdup(err.msg);
    else if (lib_matches(c, lib) < 0)
        lib->why = strdup("its build id differs from the one in the core"), lib->other = 1;
    else
        lib->state = 1;
    return lib;
}

static int is_exe(const hs_core_target *c, const char *path)
{
    return (c->base.exe_path && strcmp(path, c->base.exe_path) == 0) ||
           (c->exe && strcmp(path, hs_image_path(c->exe)) == 0);
}

size_t hs_core_lib_fill(hs_core_target *c, uint64_t addr, uint8_t *buf, size_t max)
{
    uint64_t zone_end;
    const hs_mapping *m = map_at(c, addr);
    if (!m || !m->path[0] || is_exe(c, m->path) || !hs_core_fillable(c, addr, &zone_end))
        return 0;
    hs_core_lib *lib = get_lib(c, m->path);
    if (!lib || lib->state != 1)
        return 0;
    size_t fsize;
    const uint8_t *bytes = hs_image_bytes(lib->img, &fsize);
    uint64_t fofs = m->file_offset + (addr - m->start);
    if (fofs < m->file_offset || fofs >= fsize)
        return 0;
    uint64_t n = max;
    if (n > m->end - addr)
        n = m->end - addr;
    if (n > zone_end - addr)
        n = zone_end - addr;
    if (n > fsize - fofs)
        n = fsize - fofs;
    memcpy(buf, bytes + fofs, (size_t)n);
    return (size_t)n;
}

void hs_core_libs_free(hs_core_target *c)
{
    for (size_t i = 0; i < c->nlibs; i++) {
        hs_image_close(c->libs[i].img);
        free(c->libs[i].path);
        free(c->libs[i].why);
    }
    free(c->libs);
    c->libs = NULL;
    c->nlibs = 0;
}

/* Whether m maps a shared library ("/x/libfoo.so", "/x/libfoo.so.6"; not the executable) from
 * its start (file offset 0): each library once. */
static int is_library(const hs_target *t, const hs_mapping *m)
{
    const char *base = m->path ? strrchr(m->path, '/') : NULL;
    if (!base || m->file_offset != 0 || (t->exe_path && !strcmp(m->path, t->exe_path)))
        return 0;
    const char *so = strstr(base, ".so");
    if (!so || (so[3] != 0 && so[3] != '.'))
        return 0;
    for (const hs_mapping *e = t->maps; e < m; e++) /* mapped from its start once, but be sure */
        if (e->file_offset == 0 && e->path && !strcmp(e->path, m->path))
            return 0;
    return 1;
}

/* Whether the library m maps is missing here (neither at its path nor under the sysroot), or,
 * with other, here in another build. */
static int unusable(hs_core_target *c, const hs_mapping *m, int other)
{
    char file[PATH_MAX];
    if (!other)
        return access(hs_target_file(&c->base, m->path, file), R_OK) != 0;
    const hs_core_lib *lib = get_lib(c, m->path);
    return lib && lib->other;
}

size_t hs_core_libs_unusable(hs_core_target *c, int other, char *names, size_t cap)
{
    size_t n = 0, len = 0;
    if (cap)
        names[0] = 0;
    for (size_t i = 0; i < c->base.nmaps; i++) {
        const hs_mapping *m = &c->base.maps[i];
        if (!is_library(&c->base, m) || !unusable(c, m, other))
            continue;
        int w = len < cap ? snprintf(names + len, cap - len, "%s%s", n ? ", " : "", m->path) : 0;
        len += w > 0 ? (size_t)w : 0;
        n++;
    }
    return n;
}
