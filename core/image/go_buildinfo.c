/* go_buildinfo.c - finding and decoding the Go build information blob (see go_buildinfo.h).
 * Layout (debug/buildinfo, cmd/link): a 32-byte header, 16-byte aligned: 14 magic bytes, the
 * pointer size, flags (bit 0 big-endian, bit 1 inline strings). With inline strings (Go 1.18+)
 * two uvarint-length-prefixed strings follow the header: version, then modinfo. Before, the
 * header held two pointers to Go string headers {data, len} at +16. */
#include "go_buildinfo.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "go_window.h"

#define BI_MAGIC "\xff Go buildinf:"
#define BI_MAGIC_LEN 14
#define BI_HEADER 32
#define BI_MAX_STRING (1u << 20)

enum { PF_X_FLAG = 1, PF_W_FLAG = 2 };

typedef struct bi_str {
    const uint8_t *p;
    size_t len;
} bi_str;

/* Offset of the 16-aligned (by address) magic in window [p, p+len) at addr, or -1. */
static long find_magic(const uint8_t *p, size_t len, uint64_t addr)
{
    size_t i = (size_t)((16 - (addr & 15)) & 15);
    for (; i + BI_HEADER <= len; i += 16)
        if (memcmp(p + i, BI_MAGIC, BI_MAGIC_LEN) == 0)
            return (long)i;
    return -1;
}

/* A uvarint-length-prefixed string at *pos in [p, p+len); advances *pos. */
static int inline_string(const uint8_t *p, size_t len, size_t *pos, bi_str *out)
{
    uint64_t n = 0;
    unsigned shift = 0;
    size_t i = *pos;
    for (;; shift += 7) {
        if (i >= len || shift > 63)
            return -1;
        uint8_t b = p[i++];
        n |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    if (n > BI_MAX_STRING || n > len - i)
        return -1;
    *out = (bi_str){p + i, (size_t)n};
    *pos = i + (size_t)n;
    return 0;
}

static uint64_t load_ptr(const uint8_t *p, int size, int big)
{
    uint64_t v = 0;
    for (int i = 0; i < size; i++)
        v = v << 8 | p[big ? i : size - 1 - i];
    return v;
}

/* A Go string header {data, len} at addr (pre-1.18 blobs), its bytes in the file. */
static int pointed_string(const hs_image *img, uint64_t addr, int psize, int big, bi_str *out)
{
    uint8_t hdr[16];
    if (hs_image_read(img, addr, hdr, (size_t)(2 * psize), NULL) < 0)
        return -1;
    uint64_t data = load_ptr(hdr, psize, big), n = load_ptr(hdr + psize, psize, big);
    size_t avail;
    const uint8_t *p = go_image_window(img, data, &avail);
    if (n > BI_MAX_STRING || (n && (!p || n > avail)))
        return -1;
    *out = (bi_str){p, (size_t)n};
    return 0;
}

/* Decodes the blob at p (window of len bytes); 0 with both strings, -1 when malformed. */
static int decode_blob(const hs_image *img, const uint8_t *p, size_t len, bi_str *vers,
                       bi_str *mod)
{
    uint8_t flags = p[15];
    if (flags & 2) {
        size_t pos = BI_HEADER;
        return inline_string(p, len, &pos, vers) < 0 || inline_string(p, len, &pos, mod) < 0
                   ? -1 : 0;
    }
    int psize = p[14], big = flags & 1;
    if (psize != 4 && psize != 8)
        return -1;
    return pointed_string(img, load_ptr(p + 16, psize, big), psize, big, vers) < 0 ||
                   pointed_string(img, load_ptr(p + 16 + psize, psize, big), psize, big, mod) < 0
               ? -1 : 0;
}

/* Searches one window; 0 when a blob with a non-empty version was decoded. */
static int try_window(const hs_image *img, const uint8_t *p, size_t len, uint64_t addr,
                      bi_str *vers, bi_str *mod)
{
    if (!p)
        return -1;
    long off = find_magic(p, len, addr);
    if (off < 0)
        return -1;
    if (decode_blob(img, p + off, len - (size_t)off, vers, mod) < 0 || vers->len == 0)
        return -1;
    return 0;
}

static int find_blob(const hs_image *img, bi_str *vers, bi_str *mod)
{
    const hs_section *s = hs_image_section(img, ".go.buildinfo");
    if (s && try_window(img, hs_image_section_bytes(img, s), (size_t)s->size, s->addr, vers,
                        mod) == 0)
        return 0;
    size_t n = hs_image_nsegments(img);
    for (size_t i = 0; i < n; i++) {
        const hs_segment *g = hs_image_segment(img, i);
        if (!g || (g->flags & (PF_X_FLAG | PF_W_FLAG)) != PF_W_FLAG || !g->filesz)
            continue;
        size_t len;
        const uint8_t *p = go_image_window(img, g->vaddr, &len);
        if (try_window(img, p, len, g->vaddr, vers, mod) == 0)
            return 0;
    }
    return -1;
}

static void clear_str(char *dst, size_t cap)
{
    if (cap)
        dst[0] = 0;
}

static void copy_str(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    if (!cap)
        return;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, p, n);
    dst[n] = 0;
}

/* The "path\t..." line of modinfo (framed by 16-byte sentinels) into mainpath. */
static void main_path(bi_str mod, char *mainpath, size_t pcap)
{
    clear_str(mainpath, pcap);
    if (mod.len < 33 || mod.p[mod.len - 17] != '\n')
        return;
    const uint8_t *p = mod.p + 16, *end = mod.p + mod.len - 16;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *eol = nl ? nl : end;
        if (eol - p > 5 && memcmp(p, "path\t", 5) == 0) {
            copy_str(mainpath, pcap, p + 5, (size_t)(eol - p - 5));
            return;
        }
        p = eol + 1;
    }
}

int go_buildinfo_read(const hs_image *img, char *version, size_t cap, char *mainpath,
                      size_t pcap, hs_err *err)
{
    bi_str vers = {0}, mod = {0};
    clear_str(version, cap);
    clear_str(mainpath, pcap);
    if (find_blob(img, &vers, &mod) < 0)
        return hs_errf(err, "%s is not a Go program (no Go build information found)",
                       hs_image_path(img));
    copy_str(version, cap, vers.p, vers.len);
    main_path(mod, mainpath, pcap);
    return 0;
}
