/* debug_file.c - finding and checking a binary's separate debug file (see debug_file.h). */
#include "debug_file.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../util/sysroot.h"

/* The CRC-32 of a whole file (what .gnu_debuglink records), -1 when unreadable. */
static int64_t file_crc(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    unsigned char buf[1 << 16];
    uLong crc = crc32(0L, Z_NULL, 0);
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        crc = crc32(crc, buf, (uInt)n);
    close(fd);
    return n < 0 ? -1 : (int64_t)(crc & 0xffffffffu);
}

/* The Go build id note's bytes (.note.go.buildid), NULL when absent. */
static const uint8_t *go_build_id(const hs_image *img, size_t *len)
{
    const hs_section *s = hs_image_section(img, ".note.go.buildid");
    const uint8_t *b = s ? hs_image_section_bytes(img, s) : NULL;
    *len = b ? (size_t)s->size : 0;
    return b;
}

/* 1 when debug belongs to img: equal GNU build ids, and equal Go build ids, where both have
 * one. */
static int same_build(const hs_image *img, const hs_image *debug)
{
    size_t a, b;
    uint64_t va;
    const uint8_t *ia = hs_image_build_id(img, &a, &va), *ib = hs_image_build_id(debug, &b, &va);
    if (a && b && (a != b || memcmp(ia, ib, a) != 0))
        return 0;
    ia = go_build_id(img, &a);
    ib = go_build_id(debug, &b);
    return !ia || !ib || (a == b && memcmp(ia, ib, a) == 0);
}

/* Opens candidate path when it exists and belongs to img (crc >= 0: its CRC must equal). */
static hs_image *try_file(const hs_image *img, const char *path, int64_t crc)
{
    if (access(path, R_OK) != 0 || strcmp(path, hs_image_path(img)) == 0)
        return NULL;
    if (crc >= 0 && file_crc(path) != crc)
        return NULL;
    hs_image *d = NULL;
    hs_err ignored = {{0}};
    if (hs_image_open(&d, path, &ignored) < 0)
        return NULL;
    if (!same_build(img, d)) {
        hs_image_close(d);
        return NULL;
    }
    return d;
}

const char *hs_debug_dirs(void)
{
    static _Thread_local char buf[8192];
    const char *e = getenv("HEAPSCOPE_DEBUG_FILE_DIRECTORY"), *root = hs_sysroot();
    const char *dirs = e && *e ? e : "/usr/lib/debug";
    if (!root) /* a sysroot's own /usr/lib/debug, as gdb looks there */
        return dirs;
    int n = snprintf(buf, sizeof buf, "%s:%s/usr/lib/debug", dirs, root);
    return n > 0 && (size_t)n < sizeof buf ? buf : dirs;
}

/* The first match of DIR + rel for each DIR of hs_debug_dirs(); rel starts with '/'. */
static hs_image *under_debug_dirs(const hs_image *img, const char *rel, int64_t crc)
{
    char *dirs = strdup(hs_debug_dirs()), *save = NULL, path[8192];
    hs_image *d = NULL;
    for (char *dir = dirs ? strtok_r(dirs, ":", &save) : NULL; dir && !d; dir = strtok_r(NULL, ":", &save)) {
        snprintf(path, sizeof path, "%s%s", dir, rel);
        d = try_file(img, path, crc);
    }
    free(dirs);
    return d;
}

static hs_image *by_build_id(const hs_image *img)
{
    size_t len;
    uint64_t va;
    const uint8_t *id = hs_image_build_id(img, &len, &va);
    if (len < 2)
        return NULL;
    char hex[130] = "", rel[160];
    for (size_t i = 0; i < len && i < 64; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    snprintf(rel, sizeof rel, "/.build-id/%.2s/%s.debug", hex, hex + 2);
    return under_debug_dirs(img, rel, -1);
}

static hs_image *by_debuglink(const hs_image *img)
{
    const hs_section *s = hs_image_section(img, ".gnu_debuglink");
    const uint8_t *b = s ? hs_image_section_bytes(img, s) : NULL;
    if (!b || s->size < 8)
        return NULL;
    size_t nlen = strnlen((const char *)b, (size_t)s->size - 4);
    size_t at = (nlen + 4) & ~(size_t)3;
    if (nlen == 0 || nlen >= 1024 || at + 4 > s->size)
        return NULL;
    uint32_t crc;
    memcpy(&crc, b + at, 4);
    char name[1024], *exe = strdup(hs_image_path(img)), path[8192];
    snprintf(name, sizeof name, "%.*s", (int)nlen, (const char *)b);
    if (!exe || strchr(name, '/'))
        return free(exe), NULL;
    const char *dir = dirname(exe);
    hs_image *d = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    d = try_file(img, path, crc);
    if (!d) {
        snprintf(path, sizeof path, "%s/.debug/%s", dir, name);
        d = try_file(img, path, crc);
    }
    if (!d) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
        d = under_debug_dirs(img, path, crc);
    }
    free(exe);
    return d;
}

int hs_debug_attach(hs_image *img, const char *path, hs_err *err)
{
    if (path) {
        hs_image *d = NULL;
        if (hs_image_open(&d, path, err) < 0)
            return hs_errctx(err, "the debug file given");
        int same = same_build(img, d), useful = hs_image_has_symtab(d) || hs_image_has_dwarf(d);
        if (!same || !useful) {
            hs_image_close(d);
            return hs_errf(err, "%s is not the debug file of %s (%s)", path, hs_image_path(img),
                           same ? "it has neither symbols nor DWARF" : "their build ids differ");
        }
        hs_image_set_debug(img, d);
        return 0;
    }
    if (hs_image_has_symtab(img) && hs_image_has_dwarf(img))
        return 0;
    hs_image *d = by_build_id(img);
    if (!d)
        d = by_debuglink(img);
    if (d)
        hs_image_set_debug(img, d);
    return 0;
}
