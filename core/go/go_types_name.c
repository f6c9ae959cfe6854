/* go_types_name.c - names as the Go runtime stores them (internal/abi.Name, the same encoding
 * in 1.19-1.27: a flags byte, a uvarint length, the bytes, then an optional tag) and a type's
 * name as reflect's Type.String() prints it: the name its Str offset designates in the type's
 * own module, without the leading '*' when TFlagExtraStar says it is extra. */
#include <stdlib.h>
#include <string.h>

#include "go_types_priv.h"

#define TFLAG_EXTRA_STAR 0x02

/* Reads the flags byte and the uvarint length at addr; returns the offset of the bytes. */
static int name_header(go_types *ts, uint64_t addr, uint8_t *flags, uint64_t *len)
{
    uint8_t b[2];
    if (hs_read(ts->t, addr, b, 2, NULL) < 0)
        return -1;
    *flags = b[0];
    uint64_t v = b[1] & 0x7f;
    int off = 2;
    for (int shift = 7; b[1] & 0x80; shift += 7, off++) {
        if (shift > 21 || hs_read(ts->t, addr + (uint64_t)off, &b[1], 1, NULL) < 0)
            return -1;
        v |= (uint64_t)(b[1] & 0x7f) << shift;
    }
    *len = v;
    return off;
}

const char *gt_name_at(go_types *ts, uint64_t addr, uint64_t limit, uint8_t *flags)
{
    gt_name *n;
    HASH_FIND(hh, ts->names, &addr, sizeof addr, n);
    if (n) {
        *flags = n->flags;
        return n->s;
    }
    uint64_t len;
    int off = addr ? name_header(ts, addr, flags, &len) : -1;
    if (off < 0 || len > GT_MAX_NAME || (limit && (addr + (uint64_t)off + len > limit)))
        return NULL;
    char small[256], *buf = len < sizeof small ? small : malloc(len + 1);
    int ok = buf && (len == 0 || hs_read(ts->t, addr + (uint64_t)off, buf, len, NULL) == 0) &&
             !memchr(buf, 0, len); /* a NUL inside: not a name */
    char *s = ok ? gt_strndup(ts, buf, len) : NULL;
    n = s ? gt_alloc(ts, sizeof *n) : NULL;
    if (buf != small)
        free(buf);
    if (!n)
        return NULL;
    n->addr = addr;
    n->s = s;
    n->flags = *flags;
    HASH_ADD(hh, ts->names, addr, sizeof n->addr, n);
    return s;
}

const char *gt_type_name(go_types *ts, uint64_t addr, int32_t str, uint8_t tflag)
{
    const gt_module *m = gt_module_of(ts, addr);
    if (!m)
        return "?"; /* made by reflect: its name lives in runtime.reflectOffs (not read) */
    if (str <= 0 || (uint64_t)str >= m->etypes - m->types)
        return NULL;
    uint8_t flags;
    const char *s = gt_name_at(ts, m->types + (uint64_t)str, m->etypes, &flags);
    if (!s || !*s)
        return NULL;
    if (tflag & TFLAG_EXTRA_STAR)
        return s[0] == '*' ? s + 1 : NULL;
    return s;
}
