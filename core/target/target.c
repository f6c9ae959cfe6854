/* target.c - the single bounds-checked entry to target memory, and common target cleanup. */
#include "target.h"

#include <stdlib.h>
#include <string.h>

int hs_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    if (len == 0)
        return 0;
    if (addr + len < addr)
        return hs_errf(err, "address 0x%llx + %zu wraps around", (unsigned long long)addr, len);
    return t->ops->read(t, addr, buf, len, err);
}

int hs_read_u64(hs_target *t, uint64_t addr, uint64_t *v, hs_err *err)
{
    return hs_read(t, addr, v, sizeof *v, err);
}

int hs_read_u32(hs_target *t, uint64_t addr, uint32_t *v, hs_err *err)
{
    return hs_read(t, addr, v, sizeof *v, err);
}

int hs_read_cstr(hs_target *t, uint64_t addr, char *buf, size_t cap, hs_err *err)
{
    size_t n = 0;
    while (n + 1 < cap) {
        char chunk[64];
        size_t want = sizeof chunk;
        if (want > cap - 1 - n)
            want = cap - 1 - n;
        /* read byte-wise at a page end so a string ending before an unmapped page still reads */
        size_t to_page = 4096 - ((addr + n) & 4095);
        if (want > to_page)
            want = to_page;
        if (hs_read(t, addr + n, chunk, want, err) < 0)
            return -1;
        for (size_t i = 0; i < want; i++) {
            buf[n++] = chunk[i];
            if (chunk[i] == 0)
                return 0;
        }
    }
    buf[n] = 0;
    return 0;
}

const void *hs_view(hs_target *t, uint64_t addr, size_t len)
{
    if (!t->ops->view || addr + len < addr)
        return NULL;
    return t->ops->view(t, addr, len);
}

int hs_interrupted(hs_target *t)
{
    return t->interrupted ? t->interrupted(t->interrupt_ctx) : 0;
}

int hs_target_add_map(hs_target *t, size_t *cap, hs_mapping m)
{
    if (t->nmaps == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        hs_mapping *p = realloc(t->maps, ncap * sizeof *p);
        if (!p)
            return -1;
        t->maps = p;
        *cap = ncap;
    }
    if (!(m.path = strdup(m.path)))
        return -1;
    t->maps[t->nmaps++] = m;
    return 0;
}

void hs_target_free_common(hs_target *t)
{
    free(t->description);
    free(t->exe_path);
    free(t->threads);
    for (size_t i = 0; i < t->nmaps; i++)
        free(t->maps[i].path);
    free(t->maps);
}

void hs_target_close(hs_target *t)
{
    if (t)
        t->ops->close(t);
}
